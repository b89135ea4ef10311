-- A read model's generations: which set of its keys readers use ("current"), and the one a
-- rebuild is writing ("building", with its "phase"), plus each generation's definition
-- fingerprint ("definition:<g>"). Every key shares the model's hash tag (one cluster slot).
-- KEYS[1]: the model's generations hash. ARGV[1]: operation, ARGV[2]: the model's hash tag, then:
--   'adopt' fingerprint: records the current generation's definition if none is (first run).
--   'start' fingerprint, now ms: a new generation to build (numbers are never reused). Returns
--     { generation, the generation it replaces as "building" or '' }.
--   'phase' generation, from, to: moves the rebuild on if it is at `from`. Returns 1 or 0. Only
--     the transitions of docs/positions-spec.md are taken (replay → handoff → dual → ready); any
--     other is an error, whatever the stored phase.
--   'switch' generation, channel, model: if that generation is built and caught up ("ready"),
--     readers use it from now on. Its version starts above the old one's, and is announced, so a
--     subscriber re-reads once and never sees a version go back. Returns { old generation } or {}.
--   'abandon' generation: forgets a rebuild that will not finish.
local GENERATIONS = KEYS[1]
local op, tag = ARGV[1], ARGV[2]

local function base(generation)
  if generation == '0' then return tag end
  return tag .. ':g' .. generation
end

local function version_of(generation)
  return tonumber(redis.call('HGET', base(generation) .. ':meta', 'version') or '0')
end

local current = redis.call('HGET', GENERATIONS, 'current') or '0'
local building = redis.call('HGET', GENERATIONS, 'building')

if op == 'adopt' then
  redis.call('HSETNX', GENERATIONS, 'definition:' .. current, ARGV[3])
  return 'ok'
end

if op == 'start' then
  local last = tonumber(redis.call('HGET', GENERATIONS, 'last') or current)
  local generation = tostring(math.max(last, tonumber(current)) + 1)
  redis.call('HSET', GENERATIONS, 'last', generation, 'building', generation, 'phase', 'replay',
    'since', ARGV[4], 'definition:' .. generation, ARGV[3])
  if building then redis.call('HDEL', GENERATIONS, 'definition:' .. building) end
  return { generation, building or '' }
end

-- The rebuild's phases, each with the one it may move to ('switch' and 'abandon' end it).
local NEXT_PHASE = { replay = 'handoff', handoff = 'dual', dual = 'ready' }

if op == 'phase' then
  if NEXT_PHASE[ARGV[4]] ~= ARGV[5] then
    return redis.error_reply('generations.lua: no rebuild moves from ' .. tostring(ARGV[4]) .. ' to ' .. tostring(ARGV[5]))
  end
  if building ~= ARGV[3] or redis.call('HGET', GENERATIONS, 'phase') ~= ARGV[4] then return 0 end
  redis.call('HSET', GENERATIONS, 'phase', ARGV[5])
  return 1
end

if op == 'switch' then
  local generation, channel, model = ARGV[3], ARGV[4], ARGV[5]
  if building ~= generation or redis.call('HGET', GENERATIONS, 'phase') ~= 'ready' then return {} end
  -- Versions below 2^53 (see apply-batch.lua): a Lua double holds them exactly.
  local version = math.max(version_of(current), version_of(generation)) + 1
  redis.call('HSET', base(generation) .. ':meta', 'version', string.format('%.0f', version))
  redis.call('HSET', GENERATIONS, 'current', generation)
  redis.call('HDEL', GENERATIONS, 'building', 'phase', 'since')
  redis.call('SPUBLISH', channel, cjson.encode({ model = model, version = string.format('%.0f', version) }))
  return { current }
end

if op == 'abandon' then
  if building == ARGV[3] then
    redis.call('HDEL', GENERATIONS, 'building', 'phase', 'since', 'definition:' .. building)
  end
  return 'ok'
end

return redis.error_reply('generations.lua: unknown operation ' .. tostring(op))
