-- A read model's generations: which set of its keys readers use ("current"), and the one a
-- rebuild is writing ("building", with its "phase"), plus each generation's definition
-- fingerprint ("definition:<g>"). Every key shares the model's hash tag (one cluster slot).
-- Codec: generations-script.ts. KEYS[1]: the model's generations hash. ARGV[1]: operation, then:
--   'adopt' fingerprint: records the current generation's definition if none is (first run).
--     Returns { 'ok' }.
--   'start' fingerprint, now ms: a new generation to build (numbers are never reused). Returns
--     { 'started', generation, the generation it replaces as "building" or '' }.
--   'phase' generation, from, to: moves the rebuild on if it is at `from` ({ 'moved' }, else
--     { 'not-at' }). Only the transitions of docs/positions-spec.md are taken (replay → handoff →
--     dual → ready); any other is an error, whatever the stored phase.
--   'switch' generation, the current generation the caller saw, channel, model; KEYS[2]: the
--     meta of the current generation, KEYS[3]: the meta of `generation`. If that generation is
--     built and caught up ("ready"), readers use it from now on. Its version starts above the old
--     one's, and is announced, so a subscriber re-reads once and never sees a version go back.
--     Returns { 'switched', old generation }, { 'not-ready' }, or { 'stale' } when the current
--     generation is no longer the one the caller saw (it reads again).
--   'abandon' generation: forgets a rebuild that will not finish. Returns { 'ok' }.
local GENERATIONS = KEYS[1]
local op = ARGV[1]

local function version_of(meta)
  return tonumber(redis.call('HGET', meta, 'version') or '0')
end

local current = redis.call('HGET', GENERATIONS, 'current') or '0'
local building = redis.call('HGET', GENERATIONS, 'building')

if op == 'adopt' then
  redis.call('HSETNX', GENERATIONS, 'definition:' .. current, ARGV[2])
  return { 'ok' }
end

if op == 'start' then
  local last = tonumber(redis.call('HGET', GENERATIONS, 'last') or current)
  local generation = tostring(math.max(last, tonumber(current)) + 1)
  redis.call('HSET', GENERATIONS, 'last', generation, 'building', generation, 'phase', 'replay',
    'since', ARGV[3], 'definition:' .. generation, ARGV[2])
  if building then redis.call('HDEL', GENERATIONS, 'definition:' .. building) end
  return { 'started', generation, building or '' }
end

-- The rebuild's phases, each with the one it may move to ('switch' and 'abandon' end it).
local NEXT_PHASE = { replay = 'handoff', handoff = 'dual', dual = 'ready' }

if op == 'phase' then
  if NEXT_PHASE[ARGV[3]] ~= ARGV[4] then
    return redis.error_reply('generations.lua: no rebuild moves from ' .. tostring(ARGV[3]) .. ' to ' .. tostring(ARGV[4]))
  end
  if building ~= ARGV[2] or redis.call('HGET', GENERATIONS, 'phase') ~= ARGV[3] then return { 'not-at' } end
  redis.call('HSET', GENERATIONS, 'phase', ARGV[4])
  return { 'moved' }
end

if op == 'switch' then
  local generation, seen, channel, model = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
  local CURRENT_META, NEW_META = KEYS[2], KEYS[3]
  if building ~= generation or redis.call('HGET', GENERATIONS, 'phase') ~= 'ready' then return { 'not-ready' } end
  if current ~= seen then return { 'stale' } end
  -- Versions below 2^53 (see apply-batch.lua): a Lua double holds them exactly.
  local version = math.max(version_of(CURRENT_META), version_of(NEW_META)) + 1
  redis.call('HSET', NEW_META, 'version', string.format('%.0f', version))
  redis.call('HSET', GENERATIONS, 'current', generation)
  redis.call('HDEL', GENERATIONS, 'building', 'phase', 'since')
  redis.call('SPUBLISH', channel, cjson.encode({ model = model, version = string.format('%.0f', version) }))
  return { 'switched', current }
end

if op == 'abandon' then
  if building == ARGV[2] then
    redis.call('HDEL', GENERATIONS, 'building', 'phase', 'since', 'definition:' .. building)
  end
  return { 'ok' }
end

return redis.error_reply('generations.lua: unknown operation ' .. tostring(op))
