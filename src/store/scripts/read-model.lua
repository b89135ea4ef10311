-- Reads a read model's state at one instant (scripts run atomically): its meta and, for each
-- requested time bucket (or the single bucket of a model without time buckets), the counters,
-- min/max and distinct counts per group and the top-N ranking. Integers stay strings. A min/max
-- member starts with its exact value in an order-preserving encoding (extreme-member.ts): the
-- first is the least. It reads the generation readers use (a rebuild writes another one beside it
-- until it switches), and says which, with the fingerprint of the definition it was built with.
-- Codec: read-model-script.ts. KEYS[1]: the model's generations hash. ARGV[1]: the key layout
-- (keys.ts modelKeyLayout, JSON), ARGV[2]: the request (JSON)
--   { bucketed, from, to, extremes: [[measure, "min"|"max"]], distincts: [measure], ranking: measure or "", limit,
--     rowsField: what each group's row-count field starts with (delta-set.ts) }
-- Returns { 'snapshot', JSON of the state }.
local layout = cjson.decode(ARGV[1])
local request = cjson.decode(ARGV[2])
local x = layout.suffix
local generation = redis.call('HGET', KEYS[1], 'current') or '0'
local base = layout.tag
if generation ~= '0' then base = layout.generationPrefix .. generation end
local result = {
  meta = redis.call('HGETALL', base .. x.meta),
  -- Records this generation could not apply (dead letters that concern it).
  missed = redis.call('SCARD', base .. x.missed),
  generation = generation,
  definition = redis.call('HGET', KEYS[1], 'definition:' .. generation) or '',
  buckets = {},
}

local labels = {}
if request.bucketed then
  labels = redis.call('ZRANGEBYSCORE', base .. x.buckets, request.from, request.to, 'WITHSCORES')
else
  labels = { layout.noBucket, '' }
end

for i = 1, #labels, 2 do
  local label = labels[i]
  local bucket = { label = label, start = labels[i + 1], counters = redis.call('HGETALL', base .. x.counters .. label), extremes = {}, distincts = {} }
  for j = 1, #bucket.counters, 2 do
    local field = bucket.counters[j]
    if string.sub(field, 1, #request.rowsField) == request.rowsField then
      local group = string.sub(field, #request.rowsField + 1)
      for _, e in ipairs(request.extremes) do
        local key = base .. x.extremes .. e[1] .. ':' .. label .. ':' .. group
        local member
        if e[2] == 'min' then member = redis.call('ZRANGE', key, 0, 0) else member = redis.call('ZRANGE', key, -1, -1) end
        if member[1] then table.insert(bucket.extremes, { e[1], group, member[1] }) end
      end
      for _, measure in ipairs(request.distincts) do
        local count = redis.call('HLEN', base .. x.distinct .. measure .. ':' .. label .. ':' .. group)
        table.insert(bucket.distincts, { measure, group, tostring(count) })
      end
    end
  end
  if request.ranking ~= '' then
    -- A double orders totals exactly only below 2^53: when the last place's score is beyond,
    -- every group tied with it there comes too, and the reader orders them by exact totals.
    local key = base .. x.ranking .. request.ranking .. ':' .. label
    local top = redis.call('ZREVRANGE', key, 0, request.limit - 1, 'WITHSCORES')
    local ranking = {}
    for k = 1, #top, 2 do ranking[#ranking + 1] = top[k] end
    local last = top[#top]
    if last and math.abs(tonumber(last)) >= 9007199254740992 then
      for _, group in ipairs(redis.call('ZREVRANGEBYSCORE', key, last, last)) do ranking[#ranking + 1] = group end
    end
    bucket.ranking = ranking
  end
  table.insert(result.buckets, bucket)
end
return { 'snapshot', cjson.encode(result) }
