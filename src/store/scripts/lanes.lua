-- Which lane each model generation of one table writes with (store/lanes.ts). A generation keeps
-- the lane it was given. A new one joins the table's main lane while that lane remembers no row
-- yet (every member then reads the table from its start together) and holds no other generation
-- of the same model; otherwise it gets a lane of its own: it must read the table from its start
-- while the main lane's memory is at the partitions' ends.
-- Codec: lanes-script.ts. KEYS[1]: the table's lane registry ("model#generation" -> lane), KEYS[2]:
-- the main lane's rows. ARGV[1]: the main lane's id, then per generation: its field, its model's
-- name, the id of a lane of its own. Returns { 'lanes', the lane of each generation in order }.
local REGISTRY, MAIN_ROWS = KEYS[1], KEYS[2]
local main = ARGV[1]
local registered = redis.call('HGETALL', REGISTRY)
-- Models with a generation in the main lane (a lane cannot hold two generations of one model).
local in_main = {}
for i = 1, #registered, 2 do
  if registered[i + 1] == main then in_main[string.match(registered[i], '^(.*)#')] = true end
end
local main_empty = redis.call('HLEN', MAIN_ROWS) == 0
local lanes = { 'lanes' }
for i = 2, #ARGV, 3 do
  local field, model, own = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local lane = redis.call('HGET', REGISTRY, field)
  if not lane then
    if main_empty and not in_main[model] then lane = main else lane = own end
    redis.call('HSET', REGISTRY, field, lane)
    if lane == main then in_main[model] = true end
  end
  lanes[#lanes + 1] = lane
end
return lanes
