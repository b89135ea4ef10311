-- A read model's place in the change stream: the next Kafka offset per partition (in OFFSETS) and,
-- while it replays what Redis lost, the offset per partition it must reach again (META fields
-- "catch-up:<topic>/<partition>"). Codec: positions-script.ts. KEYS[1]: meta, KEYS[2]: offsets.
-- ARGV[1]: operation, ARGV[2]: channel, ARGV[3]: model name, then per operation:
--   'advance' topic/partition, next offset, required offset ('' for none): records the offset if
--     it is further (nothing applied in the batch, so apply-batch did not record it). Clears that
--     partition's catch-up target once reached, and announces a version when the model becomes
--     ready ({ 'reached' }; else { 'ok' }). If a stored offset is short of the required one,
--     records nothing and returns { 'behind', stored offset }: Redis lost writes (a failover promoted a replica that
--     lacked them), and recording the offset would hide the loss. (None stored: a first batch,
--     or everything lost, which the loaded marker tells.)
--   'read' topic/partition, next offset, required offset: records the offset if it is further,
--     as 'advance' does, but leaves catch-up targets to it (a projector tells the models that
--     wrote nothing in a batch, before it looks at the guard again; see projector.ts). The same
--     { 'behind', stored offset } when Redis lost writes; else { 'ok' }.
--   'catch-up' (topic/partition, target) pairs: the model is not ready until it reaches every
--     target. Starts a new version epoch (the Redis clock in microseconds) so that versions stay
--     above any a subscriber saw before the loss, and announces it.
--   'backfill' why ('start': Redis was new; 'added': a model Redis had never held), then the same
--     pairs: as 'catch-up', but the model is reading its topic for the first time, not replaying
--     a loss (META field "backfill" = why, until the last target is reached). With no pair (its
--     topic is empty or does not exist yet) the model is ready at once, and empty: the version it
--     gets says a projector has read everything there is. Returns { 'ok' }.
-- Every offset is a decimal string (int64 exceeds a Lua double).
local META, OFFSETS = KEYS[1], KEYS[2]
local op, channel, model = ARGV[1], ARGV[2], ARGV[3]

local function catching_up()
  for _, field in ipairs(redis.call('HKEYS', META)) do
    if string.sub(field, 1, 9) == 'catch-up:' then return true end
  end
  return false
end

-- A generation being rebuilt has no channel ('') until it becomes the one readers use.
local function announce()
  local version = redis.call('HINCRBY', META, 'version', 1)
  if channel == '' then return end
  redis.call('SPUBLISH', channel, cjson.encode({ model = model, version = string.format('%.0f', version) }))
end

if op == 'advance' then
  local partition, next, required = ARGV[4], ARGV[5], ARGV[6]
  local stored = redis.call('HGET', OFFSETS, partition)
  if required and required ~= '' and stored and greater(required, stored) then
    return { 'behind', stored }
  end
  if greater(next, stored) then
    redis.call('HSET', OFFSETS, partition, next)
  end
  local field = 'catch-up:' .. partition
  local target = redis.call('HGET', META, field)
  if target and not greater(target, next) then
    redis.call('HDEL', META, field)
    if redis.call('HEXISTS', META, 'backfill') == 1 and not catching_up() then
      redis.call('HDEL', META, 'backfill')
    end
    announce()
    return { 'reached' }
  end
  return { 'ok' }
end

if op == 'read' then
  local partition, next, required = ARGV[4], ARGV[5], ARGV[6]
  local stored = redis.call('HGET', OFFSETS, partition)
  if stored and greater(required, stored) then return { 'behind', stored } end
  if greater(next, stored) then redis.call('HSET', OFFSETS, partition, next) end
  return { 'ok' }
end

if op == 'catch-up' or op == 'backfill' then
  local first = 4
  if op == 'backfill' then first = 5 end
  local start = clock_micros()
  local current = redis.call('HGET', META, 'version')
  if greater(start, current) then redis.call('HSET', META, 'version', start) end
  for i = first, #ARGV, 2 do
    local reached = redis.call('HGET', OFFSETS, ARGV[i])
    if not reached or greater(ARGV[i + 1], reached) then
      redis.call('HSET', META, 'catch-up:' .. ARGV[i], ARGV[i + 1])
    end
  end
  -- A loss replayed is a loss, even of a model still being backfilled.
  if op == 'catch-up' then redis.call('HDEL', META, 'backfill')
  elseif catching_up() then redis.call('HSET', META, 'backfill', ARGV[4]) end
  announce()
  return { 'ok' }
end

return redis.error_reply('positions.lua: unknown operation ' .. tostring(op))
