#!lua
-- Applies one folded batch of a read model atomically: row positions and memories, counter deltas
-- (with top-N ranking), min/max members, distinct refcounts, time-bucket registry and retention,
-- the source position, the Kafka offset and a new version; then announces the version.
-- Codec: apply-batch-script.ts. KEYS[1..5]: rows, meta, offsets, buckets, the model's generations
-- hash; KEYS[6..]: the aggregate keys the request refers to by index. ARGV[1]: channel, ARGV[2]:
-- what the key listing a bucket's keys starts with (keys.ts bucketKeys, the label follows),
-- ARGV[3]: the aggregate request (JSON, with the generation written),
-- ARGV[4..]: the rows as triples (row key, expected position or '', new stored value), kept out of
-- the JSON so that thousands of rows cost no decoding and a few variadic commands.
-- Every integer arrives and stays a string: Lua numbers are doubles and would round int64 values.
--
-- All or nothing: Redis does not undo a script's writes when it fails part-way, so everything
-- that could fail is read, computed and checked first (key types, stored integers, scores) and
-- the writes come last, from values already known to be good. A check that fails returns
-- { 'refused', reason } with nothing written. (The shebang has Redis refuse the whole script up
-- front when it is out of memory, rather than at its first write.)
-- Replies: { 'applied', version } | { 'moved', current generation } | { 'behind', stored offset }
--        | { 'unread', 'topic/partition', stored offset or '' } | { 'conflict', row key }
--        | { 'refused', reason } | { 'stopped', why (JSON) }.
local request = cjson.decode(ARGV[3])
local ROWS, META, OFFSETS, BUCKETS, GENERATIONS = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local FIRST_ROW, CHUNK = 4, 1000

---------------------------------------------------------------------------------------------
-- Checks: nothing below writes until every check has passed.

-- Every key this batch writes, with the type it must have (or not exist).
local expected_types = {
  [ROWS] = 'hash', [META] = 'hash', [OFFSETS] = 'hash', [BUCKETS] = 'zset', [GENERATIONS] = 'hash',
}
local function expect(key, kind) expected_types[key] = kind end
for _, entry in ipairs(request.counters) do
  expect(KEYS[entry[1]], 'hash')
  for _, c in ipairs(entry[2]) do
    if c[3] > 0 then expect(KEYS[c[3]], 'zset') end
  end
end
for _, e in ipairs(request.extremes) do expect(KEYS[e[1]], 'zset') end
for _, d in ipairs(request.distincts) do expect(KEYS[d[1]], 'hash') end
for _, b in ipairs(request.buckets) do expect(KEYS[b[3]], 'set') end

-- Retention: the sets listing the keys of buckets that expire now must be sets (the buckets this
-- batch writes are checked above); the keys themselves are deleted whatever they hold.
if request.retainFrom and redis.call('TYPE', BUCKETS).ok == 'zset' then
  for _, label in ipairs(redis.call('ZRANGEBYSCORE', BUCKETS, '-inf', '(' .. request.retainFrom)) do
    expect(ARGV[2] .. label, 'set')
  end
end

for key, kind in pairs(expected_types) do
  local found = redis.call('TYPE', key).ok
  if found ~= 'none' and found ~= kind then
    return { 'refused', key .. ' holds a ' .. found .. ', not a ' .. kind }
  end
end

-- Generation fence: only the generation readers use, or the one being rebuilt, may be written. A
-- writer that has not seen a switch yet is told where the model moved and writes nothing.
local current = redis.call('HGET', GENERATIONS, 'current') or '0'
local is_current = request.generation == current
if not is_current and request.generation ~= redis.call('HGET', GENERATIONS, 'building') then
  return { 'moved', current }
end

-- A stopped generation (its source's schema no longer has what it reads) takes no more changes
-- until it is rebuilt with a definition that fits.
local stopped = redis.call('HGET', META, 'stopped')
if stopped then return { 'stopped', stopped } end

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

-- Read fence: changes applied after their batch (deletes released by their transaction's END or
-- by an operator) must not overtake the changes before them in their partition. A delete applied
-- first would make those changes look like duplicates when they come, and a flow model would lose
-- the moves they made. So the model must have read past each one's record (its stored offset
-- beyond it); the caller applies only those, and the model applies the others when it reads
-- their records. Short of it here, Redis lost writes since the caller looked: nothing is written.
if request.readPast then
  for _, p in ipairs(request.readPast) do
    local stood = redis.call('HGET', OFFSETS, p[1])
    if not stood or not greater(stood, p[2]) then return { 'unread', p[1], stood or '' } end
  end
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

-- The integers stored in `fields` of hash `key` (absent: '0'), refusing any that is not one.
local function stored_integers(key, fields)
  local values = {}
  for first = 1, #fields, CHUNK do
    local part = redis.call('HMGET', key, unpack(fields, first, math.min(#fields, first + CHUNK - 1)))
    for i = 1, #part do
      local value = part[i] or '0'
      if not is_integer_text(value) then
        return nil, key .. ' field ' .. fields[first + i - 1] .. ' holds ' .. string.sub(value, 1, 40) .. ', not an integer'
      end
      values[#values + 1] = value
    end
  end
  return values
end

local function refuse_delta(delta)
  return not is_integer_text(delta)
end

-- counters, per hash: { key index, { { field, delta, ranking key index or 0, ranked group }, ... } }
-- New totals are computed here; a total back at zero is deleted, as a group with no rows
-- disappears from a GROUP BY.
local counter_writes, ranking_writes = {}, {}
for _, entry in ipairs(request.counters) do
  local key, changes = KEYS[entry[1]], entry[2]
  local fields = {}
  for i, c in ipairs(changes) do
    if refuse_delta(c[2]) then return { 'refused', 'a counter delta that is not an integer: ' .. tostring(c[2]) } end
    fields[i] = c[1]
  end
  local stored, problem = stored_integers(key, fields)
  if not stored then return { 'refused', problem } end
  local sets, deletes = {}, {}
  for i, c in ipairs(changes) do
    local total = exact_add(stored[i], c[2])
    if total == '0' then deletes[#deletes + 1] = c[1] else
      sets[#sets + 1] = c[1]
      sets[#sets + 1] = total
    end
    if c[3] > 0 then ranking_writes[#ranking_writes + 1] = { KEYS[c[3]], c[4], total } end
  end
  counter_writes[#counter_writes + 1] = { key, sets, deletes }
end

-- extremes, per sorted set: { key index, members removed, { score, member, score, member, ... } added }
for _, e in ipairs(request.extremes) do
  local added = e[3]
  for i = 1, #added, 2 do
    local score = tonumber(added[i])
    if type(added[i]) ~= 'string' or score == nil or score ~= score then
      return { 'refused', 'an extreme with a score that is not a number: ' .. tostring(added[i]) }
    end
  end
end

-- distinct values, per (key, value): { key index, value, delta }: how many rows hold the value.
local distinct_writes = {}
for _, d in ipairs(request.distincts) do
  if refuse_delta(d[3]) then return { 'refused', 'a distinct delta that is not an integer: ' .. tostring(d[3]) } end
  local stored, problem = stored_integers(KEYS[d[1]], { d[2] })
  if not stored then return { 'refused', problem } end
  distinct_writes[#distinct_writes + 1] = { KEYS[d[1]], d[2], exact_add(stored[1], d[3]) }
end

local meta = redis.call('HMGET', META, 'version', 'applied', 'duplicates')
for i, field in ipairs({ 'version', 'applied', 'duplicates' }) do
  if meta[i] and not is_integer_text(meta[i]) then
    return { 'refused', META .. ' field ' .. field .. ' holds ' .. string.sub(meta[i], 1, 40) .. ', not an integer' }
  end
end

---------------------------------------------------------------------------------------------
-- Writes: every value below is known to be good.

for first = FIRST_ROW, #ARGV, 3 * CHUNK do
  local writes = {}
  for i = first, math.min(#ARGV, first + 3 * CHUNK - 1), 3 do
    writes[#writes + 1] = ARGV[i]
    writes[#writes + 1] = ARGV[i + 2]
  end
  redis.call('HSET', ROWS, unpack(writes))
end

for _, w in ipairs(counter_writes) do
  local key, sets, deletes = w[1], w[2], w[3]
  for first = 1, #sets, 2 * CHUNK do
    redis.call('HSET', key, unpack(sets, first, math.min(#sets, first + 2 * CHUNK - 1)))
  end
  for first = 1, #deletes, CHUNK do
    redis.call('HDEL', key, unpack(deletes, first, math.min(#deletes, first + CHUNK - 1)))
  end
end

-- The ranking's score orders what a double can tell apart; readers order ties exactly.
for _, r in ipairs(ranking_writes) do
  if r[3] == '0' then
    redis.call('ZREM', r[1], r[2])
  else
    redis.call('ZADD', r[1], score_of(r[3]), r[2])
  end
end

for _, e in ipairs(request.extremes) do
  local key, removed, added = KEYS[e[1]], e[2], e[3]
  for first = 1, #removed, CHUNK do
    redis.call('ZREM', key, unpack(removed, first, math.min(#removed, first + CHUNK - 1)))
  end
  for first = 1, #added, 2 * CHUNK do
    redis.call('ZADD', key, unpack(added, first, math.min(#added, first + 2 * CHUNK - 1)))
  end
end

for _, d in ipairs(distinct_writes) do
  if exact_sign(d[3]) <= 0 then redis.call('HDEL', d[1], d[2]) else redis.call('HSET', d[1], d[2], d[3]) end
end

-- time buckets: { label, start ms, bucket-keys set index, key indexes written in that bucket... }
for _, b in ipairs(request.buckets) do
  redis.call('ZADD', BUCKETS, b[2], b[1])
  for i = 4, #b do redis.call('SADD', KEYS[b[3]], KEYS[b[i]]) end
end

-- retention: buckets that start before retainFrom go, with every key written for them (this
-- batch's too: its first changes may fall in buckets that its last ones expire).
if request.retainFrom then
  local expired = redis.call('ZRANGEBYSCORE', BUCKETS, '-inf', '(' .. request.retainFrom)
  for _, label in ipairs(expired) do
    local set = ARGV[2] .. label
    local keys = redis.call('SMEMBERS', set)
    keys[#keys + 1] = set
    for first = 1, #keys, CHUNK do
      redis.call('DEL', unpack(keys, first, math.min(#keys, first + CHUNK - 1)))
    end
  end
  for first = 1, #expired, CHUNK do
    redis.call('ZREM', BUCKETS, unpack(expired, first, math.min(#expired, first + CHUNK - 1)))
  end
end

-- Versions stay below 2^53 (the clock in microseconds is about 1.8e15), so a Lua double holds them
-- exactly; '%.0f' prints them without an exponent.
-- A model's first version is the Redis clock in microseconds, not 1: after Redis lost its data,
-- versions start above any a subscriber saw before (see positions.lua).
if not meta[1] then
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
