#!lua name=seismo_limits

-- Seismo's rate limits: a token bucket per API key, shared by every collector process.
-- A library of its own beside ``seismo``: each Function touches one key, so it runs on any
-- node of a Redis Cluster.

-- seismo_take_token: take ARGV[3] tokens from one bucket, refilled at ARGV[1] per second
-- up to ARGV[2]; the clock is the server's (TIME), so collectors on hosts with skewed
-- clocks share one notion of time.
--   KEYS[1]  the bucket hash (fields tokens, ts), expired once it would be full again
--   ARGV[1]  rate: tokens added per second (> 0)
--   ARGV[2]  burst: the bucket's size
--   ARGV[3]  cost of this request
-- Returns {1, 0} when taken, {0, ms to wait until enough tokens are back} when not.
local function take_token(keys, args)
  local rate = tonumber(args[1])
  local burst = tonumber(args[2])
  local cost = tonumber(args[3])
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local state = redis.call('HMGET', keys[1], 'tokens', 'ts')
  local tokens = tonumber(state[1]) or burst
  local last = tonumber(state[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - last) * rate / 1000)
  local taken, wait_ms = 0, 0
  if tokens >= cost then
    tokens = tokens - cost
    taken = 1
  else
    wait_ms = math.ceil((cost - tokens) * 1000 / rate)
  end
  redis.call('HSET', keys[1], 'tokens', string.format('%.6f', tokens), 'ts', now)
  redis.call('PEXPIRE', keys[1], math.ceil(burst * 1000 / rate) + 1000)
  return {taken, wait_ms}
end

redis.register_function('seismo_take_token', take_token)
