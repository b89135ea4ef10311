-- The helpers every Readout script shares, placed before each script's own code (lua-script.ts).
-- Every key a script touches is named by TypeScript (store/keys.ts) and handed over in KEYS or,
-- for keys found only inside the script (a bucket's label, a transaction's id), as a prefix the
-- script completes; every reply is a table whose first element names its kind, decoded by the
-- script's codec beside it (an unknown kind is an error there, never a guess).

-- Is decimal string a > b? (LSNs, offsets and versions exceed what a Lua double holds exactly.)
-- An absent or empty b is less than anything.
local function greater(a, b)
  if not b or b == '' then return true end
  if #a ~= #b then return #a > #b end
  return a > b
end

-- The Redis clock in microseconds, as text: where versions start (it is below 2^53).
local function clock_micros()
  local now = redis.call('TIME')
  return now[1] .. string.format('%06d', tonumber(now[2]))
end

-- Exact integers of any size as decimal strings ("-1200", "0"). Lua numbers are doubles, exact
-- only below 2^53, and Redis's HINCRBY stops at 2^63: a sum of numeric(38,18) amounts passes both.
-- Additions are done on 7-digit chunks (a chunk sum stays far below 2^53).

local CHUNK_DIGITS = 7
local CHUNK_BASE = 10000000
-- Both operands within 15 characters: the sum is below 2 * 10^15 < 2^53, exact as a double.
local SMALL = 15

local function is_integer_text(text)
  return type(text) == 'string' and string.find(text, '^%-?%d+$') ~= nil
end

-- Sign and digits without leading zeros ("-007" -> true, "7"; "-0" -> false, "0").
local function split_sign(text)
  local negative = string.sub(text, 1, 1) == '-'
  local digits = string.gsub(negative and string.sub(text, 2) or text, '^0+', '')
  if digits == '' then return false, '0' end
  return negative, digits
end

local function compare_magnitudes(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end

-- The chunks of a magnitude, least significant first.
local function chunks_of(digits)
  local chunks = {}
  for last = #digits, 1, -CHUNK_DIGITS do
    chunks[#chunks + 1] = tonumber(string.sub(digits, math.max(1, last - CHUNK_DIGITS + 1), last))
  end
  return chunks
end

local function digits_of(chunks)
  local top = #chunks
  while top > 1 and chunks[top] == 0 do top = top - 1 end
  local parts = { string.format('%d', chunks[top]) }
  for i = top - 1, 1, -1 do parts[#parts + 1] = string.format('%07d', chunks[i]) end
  return table.concat(parts)
end

local function add_magnitudes(a, b)
  local x, y, sum, carry = chunks_of(a), chunks_of(b), {}, 0
  for i = 1, math.max(#x, #y) do
    local chunk = (x[i] or 0) + (y[i] or 0) + carry
    carry = chunk >= CHUNK_BASE and 1 or 0
    sum[i] = chunk - carry * CHUNK_BASE
  end
  if carry > 0 then sum[#sum + 1] = carry end
  return digits_of(sum)
end

-- a - b for magnitudes with a >= b.
local function subtract_magnitudes(a, b)
  local x, y, difference, borrow = chunks_of(a), chunks_of(b), {}, 0
  for i = 1, #x do
    local chunk = x[i] - (y[i] or 0) - borrow
    borrow = chunk < 0 and 1 or 0
    difference[i] = chunk + borrow * CHUNK_BASE
  end
  return digits_of(difference)
end

-- a + b, both integer texts; the result has no leading zeros and no "-0".
local function exact_add(a, b)
  if #a <= SMALL and #b <= SMALL then
    return string.format('%.0f', tonumber(a) + tonumber(b))
  end
  local a_negative, a_digits = split_sign(a)
  local b_negative, b_digits = split_sign(b)
  if a_negative == b_negative then
    local sum = add_magnitudes(a_digits, b_digits)
    return (a_negative and sum ~= '0') and ('-' .. sum) or sum
  end
  local order = compare_magnitudes(a_digits, b_digits)
  if order == 0 then return '0' end
  if order > 0 then
    local difference = subtract_magnitudes(a_digits, b_digits)
    return a_negative and ('-' .. difference) or difference
  end
  local difference = subtract_magnitudes(b_digits, a_digits)
  return b_negative and ('-' .. difference) or difference
end

local function exact_sign(text)
  if string.sub(text, 1, 1) == '-' then return -1 end
  if string.find(text, '^0+$') then return 0 end
  return 1
end

-- A sorted-set score for an exact integer: its own digits (Redis parses them to the nearest
-- double) or an infinity beyond the double range.
local function score_of(text)
  local negative, digits = split_sign(text)
  if #digits > 300 then return negative and '-inf' or 'inf' end
  return negative and ('-' .. digits) or digits
end
