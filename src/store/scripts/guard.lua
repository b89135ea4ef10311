-- The mass-delete guard's bookkeeping, atomic per call so that a delete is never both waiting and
-- forgotten. Untagged deletes of a transaction wait ("pending") until the transaction's END event
-- says how many rows of the table it changed; a transaction that changed at least the threshold
-- is held for an operator. Every key shares the guard's tag (one cluster slot) and is named by
-- TypeScript (keys.ts guardKeys). Codec: guard-script.ts.
--
-- KEYS[1] held, KEYS[2] held-tx, KEYS[3] decided, KEYS[4] ends, KEYS[5] ends-at, KEYS[6]
-- pending-index; then per operation. ARGV[1] the operation, ARGV[2] the channel told whenever the
-- held set changes (keys.ts heldChannel), then:
-- 'admit': KEYS[7] the transaction's pending deletes, KEYS[8] its held rows; ARGV[3] table,
--   ARGV[4] txId, ARGV[5] the transaction's field ("table|txId"), ARGV[6] its held id, ARGV[7]
--   threshold, ARGV[8] now ms, ARGV[9..] (entry id, entry) pairs. Returns { decision } with
--   decision one of 'apply', 'pending', 'hold', 'archive', 'retract' (the last two: an operator
--   already decided).
-- 'end': ARGV[3] txId, ARGV[4] END's counts per table (JSON), ARGV[5] thresholds per table (JSON,
--   '*' for the default), ARGV[6] now ms, ARGV[7] how long END records are kept (ms), then per
--   table of the counts: ARGV table, its transaction field, its held id, with KEYS[7 + 2i],
--   KEYS[8 + 2i] its pending deletes and held rows. Returns { 'released', table, n, entry 1..n,
--   table, n, ... }: the pending deletes now known to be small, to apply (they stay pending until
--   the caller clears them, so a crash loses nothing).
-- 'truncate': KEYS[7] the held rows of the TRUNCATE; ARGV[3] table, ARGV[4] held id, ARGV[5] now
--   ms, ARGV[6] entry id, ARGV[7] entry. Holds a TRUNCATE (idempotent per held id). Returns { 'hold' }.
local HELD, HELD_TX, DECIDED, ENDS, ENDS_AT, PENDING_INDEX = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local op, HELD_CHANGED = ARGV[1], ARGV[2]

-- Holds a transaction's deletes: its pending ones move over, later ones follow (HELD_TX).
local function hold(table_name, tx, tx_field, id, pending, rows, now)
  local waiting = redis.call('HGETALL', pending)
  for i = 1, #waiting, 2000 do
    redis.call('HSET', rows, unpack(waiting, i, math.min(#waiting, i + 1999)))
  end
  redis.call('DEL', pending)
  redis.call('SREM', PENDING_INDEX, tx_field)
  redis.call('HSET', HELD_TX, tx_field, id)
  if redis.call('HEXISTS', HELD, id) == 0 then
    redis.call('HSET', HELD, id, cjson.encode({ id = id, kind = 'deletes', table = table_name, txId = tx, heldAtMs = now }))
  end
  redis.call('SPUBLISH', HELD_CHANGED, id)
  return id
end

if op == 'admit' then
  local PENDING, HELD_ROWS = KEYS[7], KEYS[8]
  local table_name, tx, tx_field, id = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  local threshold, now = tonumber(ARGV[7]), tonumber(ARGV[8])
  local decided = redis.call('HGET', DECIDED, tx_field)
  if decided then return { decided } end
  if redis.call('HGET', HELD_TX, tx_field) then
    for i = 9, #ARGV, 2000 do redis.call('HSET', HELD_ROWS, unpack(ARGV, i, math.min(#ARGV, i + 1999))) end
    redis.call('SPUBLISH', HELD_CHANGED, id)
    return { 'hold' }
  end
  local ended = redis.call('HGET', ENDS, tx)
  if ended then
    local changed = cjson.decode(ended)[table_name] or 0
    if changed < threshold then return { 'apply' } end
  end
  for i = 9, #ARGV, 2000 do redis.call('HSET', PENDING, unpack(ARGV, i, math.min(#ARGV, i + 1999))) end
  redis.call('SADD', PENDING_INDEX, tx_field)
  -- Known large (END said so), or more waiting deletes than the threshold: large for certain.
  if ended or redis.call('HLEN', PENDING) >= threshold then
    hold(table_name, tx, tx_field, id, PENDING, HELD_ROWS, now)
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
  local result = { 'released' }
  for i = 8, #ARGV, 3 do
    local table_name, tx_field, id = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    local pending, rows = KEYS[7 + 2 * ((i - 8) / 3)], KEYS[8 + 2 * ((i - 8) / 3)]
    local changed = counts[table_name] or 0
    if redis.call('EXISTS', pending) == 1 then
      if changed >= (thresholds[table_name] or thresholds['*']) then
        hold(table_name, tx, tx_field, id, pending, rows, now)
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
  redis.call('HSET', KEYS[7], ARGV[6], ARGV[7])
  if redis.call('HEXISTS', HELD, id) == 0 then
    redis.call('HSET', HELD, id, cjson.encode({ id = id, kind = 'truncate', table = table_name, heldAtMs = now }))
  end
  redis.call('SPUBLISH', HELD_CHANGED, id)
  return { 'hold' }
end

return redis.error_reply('unknown guard operation ' .. tostring(op))
