-- Reads a read model's state at one instant (scripts run atomically): its meta and, for each
-- requested time bucket (or the single "-" bucket), the counters, min/max and distinct counts
-- per group and the top-N ranking. Returns JSON; integers stay strings.
-- It reads the generation readers use (a rebuild writes another one beside it until it switches),
-- and says which, with the fingerprint of the definition that generation was built with.
-- KEYS[1]: the model's generations hash. ARGV[1]: the model's hash tag, ARGV[2]: request JSON
--   { bucketed, from, to, extremes: [[measure, "min"|"max"]], distincts: [measure], ranking: measure or "", limit }
local request = cjson.decode(ARGV[2])
local generation = redis.call('HGET', KEYS[1], 'current') or '0'
local tag = ARGV[1]
if generation ~= '0' then tag = tag .. ':g' .. generation end
local result = {
  meta = redis.call('HGETALL', tag .. ':meta'),
  generation = generation,
  definition = redis.call('HGET', KEYS[1], 'definition:' .. generation) or '',
  buckets = {},
}

local labels = {}
if request.bucketed then
  labels = redis.call('ZRANGEBYSCORE', tag .. ':buckets', request.from, request.to, 'WITHSCORES')
else
  labels = { '-', '' }
end

for i = 1, #labels, 2 do
  local label = labels[i]
  local bucket = { label = label, start = labels[i + 1], counters = redis.call('HGETALL', tag .. ':agg:' .. label), extremes = {}, distincts = {} }
  for j = 1, #bucket.counters, 2 do
    local field = bucket.counters[j]
    if string.sub(field, 1, 6) == '_rows|' then
      local group = string.sub(field, 7)
      for _, e in ipairs(request.extremes) do
        local key = tag .. ':ext:' .. e[1] .. ':' .. label .. ':' .. group
        local member
        if e[2] == 'min' then member = redis.call('ZRANGE', key, 0, 0) else member = redis.call('ZRANGE', key, -1, -1) end
        if member[1] then table.insert(bucket.extremes, { e[1], group, member[1] }) end
      end
      for _, measure in ipairs(request.distincts) do
        local count = redis.call('HLEN', tag .. ':dst:' .. measure .. ':' .. label .. ':' .. group)
        table.insert(bucket.distincts, { measure, group, tostring(count) })
      end
    end
  end
  if request.ranking ~= '' then
    bucket.ranking = redis.call('ZREVRANGE', tag .. ':rank:' .. request.ranking .. ':' .. label, 0, request.limit - 1)
  end
  table.insert(result.buckets, bucket)
end
return cjson.encode(result)
