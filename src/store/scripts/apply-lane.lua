#!lua
-- Applies one folded batch of a lane atomically: the read models of one table that share one memory
-- per row (store/lanes.ts). The rows' positions and memories are fenced and written once; then, per
-- member, its counter deltas (with top-N ranking), min/max members, distinct refcounts, time-bucket
-- registry and retention, the source position, the Kafka offset and a new version, announced.
-- Codec: apply-lane-script.ts. KEYS[1]: the lane's rows; KEYS[2..]: every other key the request
-- refers to by index (each member's meta, offsets, buckets and generations hash, then the
-- aggregate keys). ARGV[1]: the request (JSON), ARGV[2..]: the rows as triples (row key, expected
-- position or '', new stored value), kept out of the JSON so that thousands of rows cost no
-- decoding and a few variadic commands. Every integer arrives and stays a string: Lua numbers are
-- doubles and would round int64 values.
--
-- The request: { members = { member, ... }, source = { lsn, txId, commitTimeMs }, applied,
-- duplicates, offset = { partition = 'topic/partition', first, next, follows (optional: true when an
-- earlier write of the batch must have been applied) } (absent for changes applied after their batch), readPast = { { 'topic/partition', offset }, ... } (optional) }, and a member:
-- { model, generation, meta, offsets, buckets, generations (KEYS indexes), channel, bucketKeys
-- (what the key listing a bucket's keys starts with: keys.ts bucketKeys, the label follows),
-- counters = { { key index, { { field, delta, ranking key index or 0, ranked group }, ... } }, ... },
-- extremes = { { key index, { removed member, ... }, { score, member, score, member, ... } }, ... },
-- distincts = { { key index, value, delta }, ... }, written = { { label, start ms, bucket-keys set
-- index, key indexes written in that bucket... }, ... }, retainFrom (optional), maxCommitTimeMs }.
--
-- All or nothing: Redis does not undo a script's writes when it fails part-way, so everything
-- that could fail is read, computed and checked first (key types, stored integers, scores) and
-- the writes come last, from values already known to be good. A check that fails returns
-- { 'refused', reason } with nothing written. (The shebang has Redis refuse the whole script up
-- front when it is out of memory, rather than at its first write.)
-- Replies: { 'applied', version of each member in order } | { 'moved', model, current generation }
--        | { 'behind', model, stored offset } | { 'unread', model, 'topic/partition', stored offset or '' }
--        | { 'unfollowed', model }
--        | { 'conflict', row key } | { 'refused', reason } | { 'stopped', model, why (JSON) }.
local request = cjson.decode(ARGV[1])
local ROWS = KEYS[1]
local FIRST_ROW, CHUNK = 2, 1000
local members = request.members

---------------------------------------------------------------------------------------------
-- Checks: nothing below writes until every check has passed.

-- Every key this batch writes, with the type it must have (or not exist).
local expected_types = { [ROWS] = 'hash' }
local function expect(key, kind) expected_types[key] = kind end
for _, m in ipairs(members) do
  expect(KEYS[m.meta], 'hash')
  expect(KEYS[m.offsets], 'hash')
  expect(KEYS[m.buckets], 'zset')
  expect(KEYS[m.generations], 'hash')
  for _, entry in ipairs(m.counters) do
    expect(KEYS[entry[1]], 'hash')
    for _, c in ipairs(entry[2]) do
      if c[3] > 0 then expect(KEYS[c[3]], 'zset') end
    end
  end
  for _, e in ipairs(m.extremes) do expect(KEYS[e[1]], 'zset') end
  for _, d in ipairs(m.distincts) do expect(KEYS[d[1]], 'hash') end
  for _, b in ipairs(m.written) do expect(KEYS[b[3]], 'set') end
  -- Retention: the sets listing the keys of buckets that expire now must be sets (the buckets
  -- this batch writes are checked above); the keys themselves are deleted whatever they hold.
  if m.retainFrom and redis.call('TYPE', KEYS[m.buckets]).ok == 'zset' then
    for _, label in ipairs(redis.call('ZRANGEBYSCORE', KEYS[m.buckets], '-inf', '(' .. m.retainFrom)) do
      expect(m.bucketKeys .. label, 'set')
    end
  end
end

for key, kind in pairs(expected_types) do
  local found = redis.call('TYPE', key).ok
  if found ~= 'none' and found ~= kind then
    return { 'refused', key .. ' holds a ' .. found .. ', not a ' .. kind }
  end
end

for _, m in ipairs(members) do
  local GENERATIONS, META, OFFSETS = KEYS[m.generations], KEYS[m.meta], KEYS[m.offsets]
  -- Generation fence: only the generation readers use, or the one being rebuilt, may be written.
  -- A writer that has not seen a switch yet is told where the model moved and writes nothing.
  local current = redis.call('HGET', GENERATIONS, 'current') or '0'
  m.is_current = m.generation == current
  if not m.is_current and m.generation ~= redis.call('HGET', GENERATIONS, 'building') then
    return { 'moved', m.model, current }
  end
  -- A stopped generation (its source's schema no longer has what it reads) takes no more changes
  -- until it is rebuilt with a definition that fits.
  local stopped = redis.call('HGET', META, 'stopped')
  if stopped then return { 'stopped', m.model, stopped } end
  -- Offset fence: the model must have read the partition up to where this batch begins. Short of
  -- it, Redis lost writes after the projector checked (a failover promoted a replica that lacked
  -- them), and recording this batch's end would hide the gap for good. Nothing is written; the
  -- batch comes again and the projector reads the partition again from where the model stands.
  -- (No offset stored: the model's first batch there, or everything lost, which the loaded marker
  -- tells.)
  if request.offset then
    local stood = redis.call('HGET', OFFSETS, request.offset.partition)
    -- A write that follows another of the same batch (sent before that one's answer came) needs
    -- it applied: the offset it recorded. Without it, this one is not applied either.
    if request.offset.follows and (not stood or greater(request.offset.first, stood)) then
      return { 'unfollowed', m.model }
    end
    if stood and greater(request.offset.first, stood) then return { 'behind', m.model, stood } end
  end
  -- Read fence: changes applied after their batch (deletes released by their transaction's END or
  -- by an operator) must not overtake the changes before them in their partition. A delete applied
  -- first would make those changes look like duplicates when they come, and a flow model would
  -- lose the moves they made. So the model must have read past each one's record (its stored
  -- offset beyond it). Short of it here, Redis lost writes since the caller looked.
  if request.readPast then
    for _, p in ipairs(request.readPast) do
      local stood = redis.call('HGET', OFFSETS, p[1])
      if not stood or not greater(stood, p[2]) then return { 'unread', m.model, p[1], stood or '' } end
    end
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

for _, m in ipairs(members) do
  -- Counters, per hash: new totals are computed here; a total back at zero is deleted, as a group
  -- with no rows disappears from a GROUP BY.
  m.counter_writes, m.ranking_writes = {}, {}
  for _, entry in ipairs(m.counters) do
    local key, changes = KEYS[entry[1]], entry[2]
    local fields = {}
    for i, c in ipairs(changes) do
      if not is_integer_text(c[2]) then return { 'refused', 'a counter delta that is not an integer: ' .. tostring(c[2]) } end
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
      if c[3] > 0 then m.ranking_writes[#m.ranking_writes + 1] = { KEYS[c[3]], c[4], total } end
    end
    m.counter_writes[#m.counter_writes + 1] = { key, sets, deletes }
  end
  -- Extremes: every score added must be a number.
  for _, e in ipairs(m.extremes) do
    local added = e[3]
    for i = 1, #added, 2 do
      local score = tonumber(added[i])
      if type(added[i]) ~= 'string' or score == nil or score ~= score then
        return { 'refused', 'an extreme with a score that is not a number: ' .. tostring(added[i]) }
      end
    end
  end
  -- Distinct values, per (key, value): how many rows hold the value.
  m.distinct_writes = {}
  for _, d in ipairs(m.distincts) do
    if not is_integer_text(d[3]) then return { 'refused', 'a distinct delta that is not an integer: ' .. tostring(d[3]) } end
    local stored, problem = stored_integers(KEYS[d[1]], { d[2] })
    if not stored then return { 'refused', problem } end
    m.distinct_writes[#m.distinct_writes + 1] = { KEYS[d[1]], d[2], exact_add(stored[1], d[3]) }
  end
  local META = KEYS[m.meta]
  m.stored_meta = redis.call('HMGET', META, 'version', 'applied', 'duplicates')
  for i, field in ipairs({ 'version', 'applied', 'duplicates' }) do
    if m.stored_meta[i] and not is_integer_text(m.stored_meta[i]) then
      return { 'refused', META .. ' field ' .. field .. ' holds ' .. string.sub(m.stored_meta[i], 1, 40) .. ', not an integer' }
    end
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

local versions = { 'applied' }
for _, m in ipairs(members) do
  local META, OFFSETS, BUCKETS = KEYS[m.meta], KEYS[m.offsets], KEYS[m.buckets]
  for _, w in ipairs(m.counter_writes) do
    local key, sets, deletes = w[1], w[2], w[3]
    for first = 1, #sets, 2 * CHUNK do
      redis.call('HSET', key, unpack(sets, first, math.min(#sets, first + 2 * CHUNK - 1)))
    end
    for first = 1, #deletes, CHUNK do
      redis.call('HDEL', key, unpack(deletes, first, math.min(#deletes, first + CHUNK - 1)))
    end
  end
  -- The ranking's score orders what a double can tell apart; readers order ties exactly.
  for _, r in ipairs(m.ranking_writes) do
    if r[3] == '0' then redis.call('ZREM', r[1], r[2]) else redis.call('ZADD', r[1], score_of(r[3]), r[2]) end
  end
  for _, e in ipairs(m.extremes) do
    local key, removed, added = KEYS[e[1]], e[2], e[3]
    for first = 1, #removed, CHUNK do
      redis.call('ZREM', key, unpack(removed, first, math.min(#removed, first + CHUNK - 1)))
    end
    for first = 1, #added, 2 * CHUNK do
      redis.call('ZADD', key, unpack(added, first, math.min(#added, first + 2 * CHUNK - 1)))
    end
  end
  for _, d in ipairs(m.distinct_writes) do
    if exact_sign(d[3]) <= 0 then redis.call('HDEL', d[1], d[2]) else redis.call('HSET', d[1], d[2], d[3]) end
  end
  for _, b in ipairs(m.written) do
    redis.call('ZADD', BUCKETS, b[2], b[1])
    for i = 4, #b do redis.call('SADD', KEYS[b[3]], KEYS[b[i]]) end
  end
  -- Retention: buckets that start before retainFrom go, with every key written for them (this
  -- batch's too: its first changes may fall in buckets that its last ones expire).
  if m.retainFrom then
    local expired = redis.call('ZRANGEBYSCORE', BUCKETS, '-inf', '(' .. m.retainFrom)
    for _, label in ipairs(expired) do
      local set = m.bucketKeys .. label
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
  -- Versions stay below 2^53 (the clock in microseconds is about 1.8e15), so a Lua double holds
  -- them exactly; '%.0f' prints them without an exponent. A model's first version is the Redis
  -- clock in microseconds, not 1: after Redis lost its data, versions start above any a
  -- subscriber saw before (see positions.lua).
  if not m.stored_meta[1] then redis.call('HSET', META, 'version', clock_micros()) end
  local version = redis.call('HINCRBY', META, 'version', 1)
  redis.call('HINCRBY', META, 'applied', request.applied)
  redis.call('HINCRBY', META, 'duplicates', request.duplicates)
  local now = redis.call('TIME')
  local applied_at_ms = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))
  redis.call('HSET', META, 'appliedAtMs', applied_at_ms, 'maxCommitTimeMs', m.maxCommitTimeMs)
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
  local text = string.format('%.0f', version)
  if m.is_current then
    redis.call('SPUBLISH', m.channel, cjson.encode({ model = m.model, version = text }))
  end
  versions[#versions + 1] = text
end
return versions
