-- Applies one folded batch of a read model atomically: row positions and memories, counter deltas
-- (with top-N ranking), min/max members, distinct refcounts, time-bucket registry and retention,
-- the source position, the Kafka offset and a new version; then announces the version.
-- KEYS[1..5]: rows, meta, offsets, buckets, the model's generations hash; KEYS[6..]: the aggregate
-- keys the request refers to by index. ARGV[1]: channel, ARGV[2]: the generation's key base,
-- ARGV[3]: the aggregate request (JSON, with the generation written),
-- ARGV[4..]: the rows as triples (row key, expected position or '', new stored value), kept out of
-- the JSON so that thousands of rows cost no decoding and a few variadic commands.
-- Every integer arrives and stays a string: Lua numbers are doubles and would round int64 values.
local request = cjson.decode(ARGV[3])

-- Is decimal string a > b? (LSNs and offsets exceed what a Lua double holds exactly.)
local function greater(a, b)
  if not b or b == '' then return true end
  if #a ~= #b then return #a > #b end
  return a > b
end
local ROWS, META, OFFSETS, BUCKETS, GENERATIONS = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local FIRST_ROW, CHUNK = 4, 1000

-- Generation fence: only the generation readers use, or the one being rebuilt, may be written. A
-- writer that has not seen a switch yet is told where the model moved and writes nothing.
local current = redis.call('HGET', GENERATIONS, 'current') or '0'
local is_current = request.generation == current
if not is_current and request.generation ~= redis.call('HGET', GENERATIONS, 'building') then
  return { 'moved', current }
end

-- Offset fence: the model must have read the partition up to where this batch begins. Short of
-- it, Redis lost writes after the projector checked (a failover promoted a replica that lacked
-- them), and recording this batch's end would hide the gap for good. Nothing is written; the
-- batch comes again and the projector reads the partition again from where the model stands.
-- (No offset stored: the model's first batch there, or everything lost, which the loaded marker
-- tells.)
if request.offset then
  local stood = redis.call('HGET', OFFSETS, request.offset.partition)
  if stood and greater(request.offset.first, stood) then return { 'behind', stood } end
end

-- A stored row is "position" (deleted) or "position memory-json": the fence compares the position.
local function positionOf(stored)
  if not stored then return '' end
  local space = string.find(stored, ' ', 1, true)
  return space and string.sub(stored, 1, space - 1) or stored
end

-- Fence: each row must still be at the position the projector read, or nothing is written
-- (another writer got there first; the projector re-reads and folds again).
for first = FIRST_ROW, #ARGV, 3 * CHUNK do
  local fields = {}
  for i = first, math.min(#ARGV, first + 3 * CHUNK - 1), 3 do fields[#fields + 1] = ARGV[i] end
  local stored = redis.call('HMGET', ROWS, unpack(fields))
  for j, field in ipairs(fields) do
    if positionOf(stored[j]) ~= ARGV[first + 3 * (j - 1) + 1] then
      return { 'conflict', field }
    end
  end
end

for first = FIRST_ROW, #ARGV, 3 * CHUNK do
  local writes = {}
  for i = first, math.min(#ARGV, first + 3 * CHUNK - 1), 3 do
    writes[#writes + 1] = ARGV[i]
    writes[#writes + 1] = ARGV[i + 2]
  end
  redis.call('HSET', ROWS, unpack(writes))
end

-- counters: { key index, field, delta, ranking key index or 0, ranked group }
for _, c in ipairs(request.counters) do
  local key = KEYS[c[1]]
  local total = redis.call('HINCRBY', key, c[2], c[3])
  -- A field back at zero disappears, as a group with no rows disappears from a GROUP BY.
  if total == 0 then redis.call('HDEL', key, c[2]) end
  if c[4] > 0 then
    if total == 0 then
      redis.call('ZREM', KEYS[c[4]], c[5])
    else
      redis.call('ZADD', KEYS[c[4]], total, c[5])
    end
  end
end

-- extremes, per sorted set: { key index, members removed, { score, member, score, member, ... } added }
for _, e in ipairs(request.extremes) do
  local key, removed, added = KEYS[e[1]], e[2], e[3]
  for first = 1, #removed, CHUNK do
    redis.call('ZREM', key, unpack(removed, first, math.min(#removed, first + CHUNK - 1)))
  end
  for first = 1, #added, 2 * CHUNK do
    redis.call('ZADD', key, unpack(added, first, math.min(#added, first + 2 * CHUNK - 1)))
  end
end

-- distinct values: { key index, value, delta }
for _, d in ipairs(request.distincts) do
  if redis.call('HINCRBY', KEYS[d[1]], d[2], d[3]) <= 0 then
    redis.call('HDEL', KEYS[d[1]], d[2])
  end
end

-- time buckets: { label, start ms, bucket-keys set index, key indexes written in that bucket... }
for _, b in ipairs(request.buckets) do
  redis.call('ZADD', BUCKETS, b[2], b[1])
  for i = 4, #b do redis.call('SADD', KEYS[b[3]], KEYS[b[i]]) end
end

-- retention: buckets that start before retainFrom go, with every key written for them.
if request.retainFrom then
  local expired = redis.call('ZRANGEBYSCORE', BUCKETS, '-inf', '(' .. request.retainFrom)
  for _, label in ipairs(expired) do
    local set = ARGV[2] .. ':bucket-keys:' .. label
    for _, key in ipairs(redis.call('SMEMBERS', set)) do redis.call('DEL', key) end
    redis.call('DEL', set)
    redis.call('ZREM', BUCKETS, label)
  end
end

-- Versions stay below 2^53 (the clock in microseconds is about 1.8e15), so a Lua double holds them
-- exactly; '%.0f' prints them without an exponent.
-- A model's first version is the Redis clock in microseconds, not 1: after Redis lost its data,
-- versions start above any a subscriber saw before (see positions.lua).
if redis.call('HEXISTS', META, 'version') == 0 then
  local start = redis.call('TIME')
  redis.call('HSET', META, 'version', start[1] .. string.format('%06d', tonumber(start[2])))
end
local version = redis.call('HINCRBY', META, 'version', 1)
redis.call('HINCRBY', META, 'applied', request.applied)
redis.call('HINCRBY', META, 'duplicates', request.duplicates)
local now = redis.call('TIME')
local applied_at_ms = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))
redis.call('HSET', META, 'appliedAtMs', applied_at_ms, 'maxCommitTimeMs', request.maxCommitTimeMs)
-- The recorded position and offset only move forward: a late writer (a zombie that lost its
-- partition) cannot make freshness go backwards. Its row changes were already fenced above.
if greater(request.source.lsn, redis.call('HGET', META, 'lsn')) then
  redis.call('HSET', META, 'lsn', request.source.lsn, 'txId', request.source.txId, 'commitTimeMs', request.source.commitTimeMs)
end
-- Changes applied after their batch (released deletes) carry no offset: recording theirs would
-- claim the records before them were read, and a generation catching up would skip those.
if request.offset and greater(request.offset.next, redis.call('HGET', OFFSETS, request.offset.partition)) then
  redis.call('HSET', OFFSETS, request.offset.partition, request.offset.next)
end

-- A generation being rebuilt is silent: nobody reads it until the switch announces it.
if is_current then
  redis.call('SPUBLISH', ARGV[1], cjson.encode({ model = request.model, version = string.format('%.0f', version) }))
end
return { 'applied', string.format('%.0f', version) }
