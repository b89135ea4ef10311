-- Applies one folded batch of a read model atomically: row positions and memories, counter deltas
-- (with top-N ranking), min/max members, distinct refcounts, time-bucket registry and retention,
-- the source position, the Kafka offset and a new version; then announces the version.
-- KEYS[1..5]: row-lsn, row-memory, meta, offsets, buckets; KEYS[6..]: the aggregate keys the
-- request refers to by index. ARGV[1]: channel, ARGV[2]: the model's key tag, ARGV[3]: request.
-- Every integer arrives and stays a string: Lua numbers are doubles and would round int64 values.
local request = cjson.decode(ARGV[3])

-- Is decimal string a > b? (LSNs and offsets exceed what a Lua double holds exactly.)
local function greater(a, b)
  if not b or b == '' then return true end
  if #a ~= #b then return #a > #b end
  return a > b
end
local ROW_LSN, ROW_MEMORY, META, OFFSETS, BUCKETS = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]

-- Fence: each row must still be at the position the projector read, or nothing is written
-- (another writer got there first; the projector re-reads and folds again).
for _, row in ipairs(request.rows) do
  local stored = redis.call('HGET', ROW_LSN, row.k)
  if (stored or '') ~= (row.e or '') then
    return { 'conflict', row.k }
  end
end

for _, row in ipairs(request.rows) do
  redis.call('HSET', ROW_LSN, row.k, row.l)
  if row.m then
    redis.call('HSET', ROW_MEMORY, row.k, row.m)
  else
    redis.call('HDEL', ROW_MEMORY, row.k)
  end
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

-- extremes: { key index, member, score, present (1) or removed (0) }
for _, e in ipairs(request.extremes) do
  if e[4] == 1 then
    redis.call('ZADD', KEYS[e[1]], e[3], e[2])
  else
    redis.call('ZREM', KEYS[e[1]], e[2])
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
if greater(request.offset.next, redis.call('HGET', OFFSETS, request.offset.partition)) then
  redis.call('HSET', OFFSETS, request.offset.partition, request.offset.next)
end

redis.call('PUBLISH', ARGV[1], cjson.encode({ model = request.model, version = tostring(version) }))
return { 'applied', tostring(version) }
