-- The mass-delete guard's bookkeeping, atomic per call so that a delete is never both waiting and
-- forgotten. Untagged deletes of a transaction wait ("pending") until the transaction's END event
-- says how many rows of the table it changed; a transaction that changed at least the threshold
-- is held for an operator. Every key shares the tag in ARGV[2] (one cluster slot); KEYS[1] is
-- the held-changes hash, declared so that a cluster routes the call to that slot.
--
-- ARGV[1] = 'admit': ARGV[3] table, ARGV[4] txId, ARGV[5] threshold, ARGV[6] now ms,
--   ARGV[7..] (entry id, entry) pairs. Returns { decision } with decision one of
--   'apply', 'pending', 'hold', 'archive', 'retract' (the last two: an operator already decided).
-- ARGV[1] = 'end': ARGV[3] txId, ARGV[4] END's counts per table (JSON), ARGV[5] thresholds per
--   table (JSON, '*' for the default), ARGV[6] now ms, ARGV[7] how long END records are kept (ms).
--   Returns { table, n, entry 1..n, table, n, ... }: the pending deletes now known to be small,
--   to apply (they stay pending until the caller clears them, so a crash loses nothing).
-- ARGV[1] = 'truncate': ARGV[3] table, ARGV[4] held id, ARGV[5] now ms, ARGV[6] entry id,
--   ARGV[7] entry. Holds a TRUNCATE (idempotent per held id).
local op, tag = ARGV[1], ARGV[2]
local ENDS, ENDS_AT = tag .. ':ends', tag .. ':ends-at'
local HELD, HELD_TX, DECIDED = tag .. ':held', tag .. ':held-tx', tag .. ':decided'
local PENDING_INDEX = tag .. ':pending-index'
-- Told whenever the held set changes (keys.ts heldChannel), so dashboards can show it live.
local HELD_CHANGED = tag .. ':held-changed'

local function pendingKey(table_name, tx) return tag .. ':pending:' .. table_name .. ':' .. tx end
local function heldRowsKey(id) return tag .. ':held-rows:' .. id end

-- Holds a transaction's deletes: its pending ones move over, later ones follow (HELD_TX).
local function hold(table_name, tx, now)
  local id = table_name .. '/tx/' .. tx
  local rows = heldRowsKey(id)
  local pending = pendingKey(table_name, tx)
  local waiting = redis.call('HGETALL', pending)
  for i = 1, #waiting, 2000 do
    redis.call('HSET', rows, unpack(waiting, i, math.min(#waiting, i + 1999)))
  end
  redis.call('DEL', pending)
  redis.call('SREM', PENDING_INDEX, table_name .. '|' .. tx)
  redis.call('HSET', HELD_TX, table_name .. '|' .. tx, id)
  if redis.call('HEXISTS', HELD, id) == 0 then
    redis.call('HSET', HELD, id, cjson.encode({ id = id, kind = 'deletes', table = table_name, txId = tx, heldAtMs = now }))
  end
  redis.call('SPUBLISH', HELD_CHANGED, id)
  return id
end

if op == 'admit' then
  local table_name, tx, threshold, now = ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
  local txKey = table_name .. '|' .. tx
  local decided = redis.call('HGET', DECIDED, txKey)
  if decided then return { decided } end
  local held = redis.call('HGET', HELD_TX, txKey)
  if held then
    for i = 7, #ARGV, 2000 do redis.call('HSET', heldRowsKey(held), unpack(ARGV, i, math.min(#ARGV, i + 1999))) end
    redis.call('SPUBLISH', HELD_CHANGED, held)
    return { 'hold' }
  end
  local ended = redis.call('HGET', ENDS, tx)
  if ended then
    local changed = cjson.decode(ended)[table_name] or 0
    if changed < threshold then return { 'apply' } end
  end
  local pending = pendingKey(table_name, tx)
  for i = 7, #ARGV, 2000 do redis.call('HSET', pending, unpack(ARGV, i, math.min(#ARGV, i + 1999))) end
  redis.call('SADD', PENDING_INDEX, txKey)
  -- Known large (END said so), or more waiting deletes than the threshold: large for certain.
  if ended or redis.call('HLEN', pending) >= threshold then
    hold(table_name, tx, now)
    return { 'hold' }
  end
  return { 'pending' }
end

if op == 'end' then
  local tx, counts, thresholds, now, keep = ARGV[3], cjson.decode(ARGV[4]), cjson.decode(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
  redis.call('HSET', ENDS, tx, ARGV[4])
  redis.call('ZADD', ENDS_AT, now, tx)
  for _, old in ipairs(redis.call('ZRANGEBYSCORE', ENDS_AT, '-inf', '(' .. (now - keep))) do
    redis.call('HDEL', ENDS, old)
    redis.call('ZREM', ENDS_AT, old)
  end
  local result = {}
  for table_name, changed in pairs(counts) do
    local pending = pendingKey(table_name, tx)
    if redis.call('EXISTS', pending) == 1 then
      if changed >= (thresholds[table_name] or thresholds['*']) then
        hold(table_name, tx, now)
      else
        local entries = redis.call('HVALS', pending)
        result[#result + 1] = table_name
        result[#result + 1] = tostring(#entries)
        for _, value in ipairs(entries) do result[#result + 1] = value end
      end
    end
  end
  return result
end

if op == 'truncate' then
  local table_name, id, now = ARGV[3], ARGV[4], tonumber(ARGV[5])
  redis.call('HSET', heldRowsKey(id), ARGV[6], ARGV[7])
  if redis.call('HEXISTS', HELD, id) == 0 then
    redis.call('HSET', HELD, id, cjson.encode({ id = id, kind = 'truncate', table = table_name, heldAtMs = now }))
  end
  redis.call('SPUBLISH', HELD_CHANGED, id)
  return { 'hold' }
end

return redis.error_reply('unknown guard operation ' .. tostring(op))
