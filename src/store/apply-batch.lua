-- Applies one folded batch of a read model atomically: row positions and contributions, the
-- aggregate deltas, the source position, the Kafka offset, a new version, and a notification.
-- KEYS: aggregate, row-lsn, row-contribution, meta, offsets. ARGV[1]: channel, ARGV[2]: request JSON.
-- Every integer arrives and stays a string: Lua numbers are doubles and would round int64 values.
local request = cjson.decode(ARGV[2])

-- Fence: each row must still be at the position the projector read, or nothing is written
-- (another writer got there first; the projector re-reads and folds again).
for _, row in ipairs(request.rows) do
  local stored = redis.call('HGET', KEYS[2], row.k)
  if (stored or '') ~= (row.e or '') then
    return { 'conflict', row.k }
  end
end

for _, row in ipairs(request.rows) do
  redis.call('HSET', KEYS[2], row.k, row.l)
  if row.c then
    redis.call('HSET', KEYS[3], row.k, row.c)
  else
    redis.call('HDEL', KEYS[3], row.k)
  end
end

for _, delta in ipairs(request.deltas) do
  -- A group whose total returns to zero disappears, as it would from a GROUP BY.
  if redis.call('HINCRBY', KEYS[1], delta[1], delta[2]) == 0 then
    redis.call('HDEL', KEYS[1], delta[1])
  end
end

local version = redis.call('HINCRBY', KEYS[4], 'version', 1)
local now = redis.call('TIME')
local applied_at_ms = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))
redis.call('HSET', KEYS[4],
  'lsn', request.source.lsn,
  'txId', request.source.txId,
  'commitTimeMs', request.source.commitTimeMs,
  'appliedAtMs', applied_at_ms)
redis.call('HSET', KEYS[5], request.offset.partition, request.offset.next)

redis.call('PUBLISH', ARGV[1], cjson.encode({
  model = request.model,
  aggregate = redis.call('HGETALL', KEYS[1]),
  meta = redis.call('HGETALL', KEYS[4]),
}))
return { 'applied', tostring(version) }
