#!lua name=seismo
-- Seismo's in-database processing. Loaded with FUNCTION LOAD REPLACE at start; the
-- Python constant seismo.engine.functions.LIBRARY_VERSION must equal LIBRARY_VERSION.
--
-- Per-window keys are derived from the key prefix ('' or '{ns}:'), so with a namespace
-- every key of an installation shares one hash slot: '<prefix>w:<window id>:<part>'.

local LIBRARY_VERSION = '7'

local function window_key(prefix, w, part)
  return prefix .. 'w:' .. w .. ':' .. part
end

local function incr(tbl, key, by)
  tbl[key] = (tbl[key] or 0) + by
end

local function list_add(tbl, key, value)
  local list = tbl[key]
  if list == nil then
    list = {}
    tbl[key] = list
  end
  list[#list + 1] = value
end

local function set_add(tbl, key, value)
  local set = tbl[key]
  if set == nil then
    set = {}
    tbl[key] = set
  end
  set[value] = true
end

-- One window's pending writes, gathered from a whole call before any is sent, so that a
-- batch costs one command per distinct key, not one per event.
local function new_window()
  return {
    counts = {},     -- field -> integer increment
    floats = {},     -- field -> float increment
    latency = {[''] = {}},   -- '' (system) or service -> list of response times
    topk = {},       -- 'service endpoint' -> increment
    distinct = {[''] = {}},  -- '' or service -> set of 'service endpoint'
    services = {},   -- set
    metrics = {},    -- set
  }
end

local function window_of(windows, w)
  local win = windows[w]
  if win == nil then
    win = new_window()
    windows[w] = win
  end
  return win
end

local function status_class(code)
  if code >= 500 then return 'status_5xx' end
  if code >= 400 then return 'status_4xx' end
  return nil
end

-- A stream entry's field list: the event's fields in ``names`` order, absent ones left
-- out, tables as JSON. Numbers go to Redis as they are: it writes them in their shortest
-- form, as tostring would, for less work.
local function stream_fields(ev, names)
  local fields, n = {}, 0
  for i = 1, #names do
    local name = names[i]
    local value = ev[name]
    if value ~= nil and value ~= cjson.null then
      fields[n + 1] = name
      fields[n + 2] = type(value) == 'table' and cjson.encode(value) or value
      n = n + 2
    end
  end
  return fields
end

-- The per-service counter names of one call, built once per service rather than per event.
local function service_names(g, svc)
  local names = g.service_names[svc]
  if names == nil then
    local base = 's:' .. svc .. ':'
    names = {requests = base .. 'requests', status_4xx = base .. 'status_4xx',
      status_5xx = base .. 'status_5xx', time = base .. 'time',
      outbound = base .. 'outbound_time'}
    g.service_names[svc] = names
  end
  return names
end

local APP_FIELDS = {'timestamp', 'service', 'endpoint', 'response_time', 'status_code',
  'payload_size', 'caller', 'user_id', 'session_id', 'metrics', 'attributes'}
local BUSINESS_FIELDS = {'timestamp', 'metric_name', 'value', 'expected_range', 'service',
  'metadata'}
local LOG_FIELDS = {'timestamp', 'level', 'message', 'service', 'trace_id', 'context'}

-- Gathers one application event into the call's aggregates.
local function gather_app(ev, win, g)
  local svc, code = ev.service, ev.status_code
  local item = svc .. ':' .. ev.endpoint
  incr(g.endpoint_cms, item, 1)
  incr(g.status_cms, code, 1)
  if g.pairs[item] == nil then g.pairs[item] = {win = win, service = svc} end
  local caller = ev.caller
  if caller ~= nil and caller ~= cjson.null and caller ~= '' then
    local call = caller .. ':' .. svc
    if g.pairs[call] == nil then g.pairs[call] = {win = win, service = svc} end
  end
  if win == nil then return end
  local names = service_names(g, svc)
  local counts = win.counts
  counts.requests = (counts.requests or 0) + 1
  incr(counts, names.requests, 1)
  local class = status_class(code)
  if class then
    incr(counts, class, 1)
    incr(counts, names[class], 1)
  end
  local latency = win.latency
  local all = latency['']
  all[#all + 1] = ev.response_time
  list_add(latency, svc, ev.response_time)
  -- Time spent in the service's requests, and in the calls it made (the callee's response
  -- time, counted at the caller): their difference is the service's own time.
  local floats = win.floats
  incr(floats, 'time', ev.response_time)
  incr(floats, names.time, ev.response_time)
  if caller ~= nil and caller ~= cjson.null and caller ~= '' then
    incr(floats, 'outbound_time', ev.response_time)
    incr(floats, service_names(g, caller).outbound, ev.response_time)
  end
  local pair_item = svc .. ' ' .. ev.endpoint
  local topk = win.topk
  topk[pair_item] = (topk[pair_item] or 0) + 1
  win.distinct[''][pair_item] = true
  set_add(win.distinct, svc, pair_item)
  win.services[svc] = true
  if type(ev.metrics) == 'table' then
    for name, value in pairs(ev.metrics) do
      local field = 'c:' .. svc .. '.' .. name
      win.metrics[field] = true
      incr(counts, field .. ':count', 1)
      incr(win.floats, field .. ':sum', value)
    end
  end
end

local function gather_business(ev, win, g)
  incr(g.business_cms, ev.metric_name, 1)
  if win == nil then return end
  local field = 'm:' .. ev.metric_name
  incr(win.counts, 'business_observations', 1)
  incr(win.counts, field .. ':count', 1)
  incr(win.floats, field .. ':sum', ev.value)
  win.metrics[field] = true
  local range = ev.expected_range
  local outside = type(range) == 'table' and (ev.value < range[1] or ev.value > range[2])
  if outside then
    incr(win.counts, 'business_out_of_range', 1)
    incr(win.counts, field .. ':out_of_range', 1)
  end
  if ev.service ~= nil and ev.service ~= cjson.null then
    win.services[ev.service] = true
    incr(win.counts, 's:' .. ev.service .. ':business_observations', 1)
    if outside then incr(win.counts, 's:' .. ev.service .. ':business_out_of_range', 1) end
  end
end

local LOG_FEATURE = {error = 'log_errors', critical = 'log_errors', warning = 'log_warnings'}

local function gather_log(ev, win)
  if win == nil then return end
  incr(win.counts, 'logs', 1)
  local feature = LOG_FEATURE[ev.level]
  local svc = ev.service
  if svc ~= nil and svc ~= cjson.null then
    win.services[svc] = true
    incr(win.counts, 's:' .. svc .. ':logs', 1)
    if feature then incr(win.counts, 's:' .. svc .. ':' .. feature, 1) end
  end
  if feature then incr(win.counts, feature, 1) end
end

local function flat_pairs(tbl)
  local out, n = {}, 0
  for key, value in pairs(tbl) do
    out[n + 1] = tostring(key)
    out[n + 2] = value
    n = n + 2
  end
  return out
end

local function set_members(set)
  local out = {}
  for member in pairs(set) do out[#out + 1] = member end
  return out
end

-- Lua's unpack stops at a few thousand values: a long argument list is sent in chunks of
-- CHUNK items (``width`` values each: 1 for plain lists, 2 for item/increment pairs) after
-- the ``head`` arguments (key, options), and the replies are concatenated.
local CHUNK = 1000

local function call_chunked(command, head, values, width)
  local replies, step = {}, CHUNK * width
  for first = 1, #values, step do
    local args = {command}
    for i = 1, #head do args[#args + 1] = head[i] end
    for i = first, math.min(first + step - 1, #values) do args[#args + 1] = values[i] end
    local reply = redis.call(unpack(args))
    if type(reply) == 'table' then
      for _, r in ipairs(reply) do replies[#replies + 1] = r end
    end
  end
  return replies
end

-- Creates a per-window structure on first use; CMS/TDIGEST/TOPK fail on a missing key.
local function ensure(key, ttl, create)
  if redis.call('EXISTS', key) == 0 then
    create(key)
    redis.call('EXPIRE', key, ttl)
  end
end

local function create_tdigest(key) redis.call('TDIGEST.CREATE', key, 'COMPRESSION', 100) end
local function create_topk(key) redis.call('TOPK.RESERVE', key, 5, 256, 4, 0.9) end

local function flush_window(prefix, w, win, ttl)
  local counts_key = window_key(prefix, w, 'counts')
  local touched = {}
  for field, by in pairs(win.counts) do redis.call('HINCRBY', counts_key, field, by) end
  for field, by in pairs(win.floats) do redis.call('HINCRBYFLOAT', counts_key, field, by) end
  if next(win.counts) ~= nil or next(win.floats) ~= nil then touched[#touched + 1] = counts_key end
  for svc, values in pairs(win.latency) do
    if #values > 0 then
      local key = window_key(prefix, w, svc == '' and 'latency' or 'latency:' .. svc)
      ensure(key, ttl, create_tdigest)
      call_chunked('TDIGEST.ADD', {key}, values, 1)
    end
  end
  if next(win.topk) ~= nil then
    local key = window_key(prefix, w, 'endpoints')
    ensure(key, ttl, create_topk)
    call_chunked('TOPK.INCRBY', {key}, flat_pairs(win.topk), 2)
  end
  for svc, items in pairs(win.distinct) do
    if next(items) ~= nil then
      local key = window_key(prefix, w, svc == '' and 'distinct' or 'distinct:' .. svc)
      call_chunked('PFADD', {key}, set_members(items), 1)
      touched[#touched + 1] = key
    end
  end
  for name, set in pairs({services = win.services, metrics = win.metrics}) do
    if next(set) ~= nil then
      local key = window_key(prefix, w, name)
      call_chunked('SADD', {key}, set_members(set), 1)
      touched[#touched + 1] = key
    end
  end
  for _, key in ipairs(touched) do redis.call('EXPIRE', key, ttl) end
end

-- CF.INSERTNX answers 1 for a pair never seen before: a "new interaction" of the window
-- (and service) where the batch first met it.
local function record_pairs(cf_key, found)
  local items = {}
  for item in pairs(found) do items[#items + 1] = item end
  if #items == 0 then return end
  local added = call_chunked('CF.INSERTNX', {cf_key, 'NOCREATE', 'ITEMS'}, items, 1)
  for i, item in ipairs(items) do
    local first = found[item]
    if added[i] == 1 and first.win ~= nil then
      incr(first.win.counts, 'new_interactions', 1)
      incr(first.win.counts, 's:' .. first.service .. ':new_interactions', 1)
    end
  end
end

local function incr_sketch(key, counts)
  if next(counts) ~= nil then call_chunked('CMS.INCRBY', {key}, flat_pairs(counts), 2) end
end

local function append(stream, maxlen, fields)
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', unpack(fields))
end

-- Event types: the collector's own names, and the batch item names it passes through as is.
local KIND = {app = 'app', application = 'app', metric = 'app', business = 'business',
  business_metric = 'business', log = 'log'}

-- seismo_ingest: applies a list of validated events in one round trip.
-- KEYS[1] service-calls (CF)        KEYS[2] endpoint-frequency (CMS)
-- KEYS[3] status-codes (CMS)        KEYS[4] business-metrics (CMS)
-- KEYS[5] detailed-metrics (stream) KEYS[6] business-metrics-stream
-- KEYS[7] log-metrics-stream        KEYS[8] engine state (hash)
-- KEYS[9] batch marker ('<prefix>batch:<id>'), only for a batch that carries an id
-- ARGV[1] key prefix    ARGV[2] window length (ms)   ARGV[3] stream MAXLEN (approximate)
-- ARGV[4] TTL of per-window keys (s)   ARGV[5] batch marker TTL (s)
-- ARGV[6] JSON list of events: {"type", "timestamp": epoch ms, ...}; type app|business|log
--         (or the batch item names application|metric|business_metric, meaning the same)
-- Returns {accepted, late, duplicate, late positions (0-based)}: late events (window already
-- closed) update the sketches and streams and the state's late_events counter, but no
-- closed window.
local function ingest(keys, args)
  local prefix, window_ms, maxlen = args[1], tonumber(args[2]), args[3]
  local ttl = tonumber(args[4])
  if keys[9] then
    local fresh = redis.call('SET', keys[9], '1', 'NX', 'EX', args[5])
    if not fresh then
      -- A write even for a duplicate: a WAIT after this call then confirms that replicas
      -- have everything up to here, the first attempt's events included (replication is
      -- in order), not merely that this connection wrote nothing.
      redis.call('EXPIRE', keys[9], args[5])
      return {0, 0, 1, {}}
    end
  end
  local events = cjson.decode(args[6])
  local last_closed = tonumber(redis.call('HGET', keys[8], 'last_closed') or '-1')
  local g = {endpoint_cms = {}, status_cms = {}, business_cms = {}, pairs = {},
    service_names = {}}
  local windows, late = {}, 0
  local late_positions = {}
  for i, ev in ipairs(events) do
    local w = math.floor(ev.timestamp / window_ms)
    local win = nil
    if w > last_closed then
      win = window_of(windows, w)
    else
      late = late + 1
      late_positions[late] = i - 1
    end
    local kind = KIND[ev.type]
    if kind == 'app' then
      gather_app(ev, win, g)
      append(keys[5], maxlen, stream_fields(ev, APP_FIELDS))
    elseif kind == 'business' then
      gather_business(ev, win, g)
      append(keys[6], maxlen, stream_fields(ev, BUSINESS_FIELDS))
    else
      gather_log(ev, win)
      append(keys[7], maxlen, stream_fields(ev, LOG_FIELDS))
    end
  end
  record_pairs(keys[1], g.pairs)
  incr_sketch(keys[2], g.endpoint_cms)
  incr_sketch(keys[3], g.status_cms)
  incr_sketch(keys[4], g.business_cms)
  for w, win in pairs(windows) do flush_window(prefix, w, win, ttl) end
  if late > 0 then redis.call('HINCRBY', keys[8], 'late_events', late) end
  return {#events, late, 0, late_positions}
end

-- Window closing ---------------------------------------------------------------------
-- A window w covers [w * window_ms, (w + 1) * window_ms) and may be closed once its end
-- plus the grace period has passed. Its fingerprint is computed here, from the window's
-- own structures, so no raw event ever leaves Redis.

local function hash_numbers(key)
  local flat = redis.call('HGETALL', key)
  local out = {}
  for i = 1, #flat, 2 do out[flat[i]] = tonumber(flat[i + 1]) end
  return out
end

-- cjson cannot encode NaN or infinities; a feature is always a finite number.
local function finite(x)
  if x ~= x or x == math.huge or x == -math.huge then return 0 end
  return x
end

local function share(part, whole)
  if whole == 0 then return 0 end
  return part / whole
end

-- p50, p95 and p99 of a window's t-digest; 0 when nothing was measured (idle window).
-- RedisBloom answers NaN for every quantile of a digest holding a single observation, which
-- read as "0 ms": a service called once in a window had no latency, and its next ordinary
-- call "rose from 0 ms". That observation is every quantile (TDIGEST.MAX).
local function quantiles(key)
  if redis.call('EXISTS', key) == 0 then return {0, 0, 0} end
  local q = redis.call('TDIGEST.QUANTILE', key, 0.5, 0.95, 0.99)
  local out, single = {}, nil
  for i = 1, 3 do
    local x = tonumber(q[i])
    if x == nil or x ~= x then
      single = single or tonumber(redis.call('TDIGEST.MAX', key)) or 0
      x = single
    end
    out[i] = finite(x)
  end
  return out
end

-- The heaviest item's count in a TopK; 0 for a missing one.
local function top_count(key)
  if redis.call('EXISTS', key) == 0 then return 0 end
  local listed = redis.call('TOPK.LIST', key, 'WITHCOUNT')
  local best = 0
  for i = 2, #listed, 2 do best = math.max(best, tonumber(listed[i])) end
  return best
end

-- A service's own time per request: its requests' time less the time of the calls it made
-- in the window (never below 0: calls made in parallel overlap), 0 without requests.
local function own_time(time, outbound, requests)
  if requests == 0 then return 0 end
  return finite(math.max(0, time - outbound) / requests)
end

-- The features shared by the system and each service: counters named '<p><field>' in the
-- window's counts hash ('' for the system, 's:<service>:' for one service).
local function traffic_features(counts, p, seconds, latency_key, distinct_key)
  local function count(field) return counts[p .. field] or 0 end
  local requests = count('requests')
  local q = quantiles(latency_key)
  return {
    request_count = requests,
    request_rate = requests / seconds,
    error_rate_4xx = share(count('status_4xx'), requests),
    error_rate_5xx = share(count('status_5xx'), requests),
    latency_p50 = q[1],
    latency_p95 = q[2],
    latency_p99 = q[3],
    latency_own = own_time(count('time'), count('outbound_time'), requests),
    distinct_endpoints = redis.call('PFCOUNT', distinct_key),
    new_interactions = count('new_interactions'),
    log_count = count('logs'),
    log_errors = count('log_errors'),
    log_warnings = count('log_warnings'),
    business_observations = count('business_observations'),
    business_out_of_range = count('business_out_of_range'),
  }
end

-- {name: {count, mean, out_of_range}} for every business ('m:<name>') and custom
-- ('c:<service>.<name>') metric seen in the window.
local function metric_aggregates(counts, fields)
  local out = {}
  for _, field in ipairs(fields) do
    local n = counts[field .. ':count'] or 0
    out[string.sub(field, 3)] = {
      count = n,
      mean = finite(share(counts[field .. ':sum'] or 0, n)),
      out_of_range = counts[field .. ':out_of_range'] or 0,
    }
  end
  return out
end

-- Checks that 'features' computes exactly the declared 'names' ('declared' is the same
-- names as a set): a feature computed here but missing from the Python feature table, or
-- declared there but not computed here, is a code error, never a silently wrong vector.
local function check_declared(features, names, declared)
  for name in pairs(features) do
    if not declared[name] then error('seismo_close_windows: undeclared feature ' .. name) end
  end
  for _, name in ipairs(names) do
    if features[name] == nil then error('seismo_close_windows: unknown feature ' .. name) end
  end
end

-- The values of 'names' from 'features', in that order.
local function ordered(features, names)
  local out = {}
  for i, name in ipairs(names) do out[i] = features[name] end
  return out
end

-- 'features' rebuilt in the order of 'names' (the JSON object's key order stays as it was).
local function select_features(features, names)
  local out = {}
  for _, name in ipairs(names) do out[name] = features[name] end
  return out
end

local function name_set(names)
  local set = {}
  for _, name in ipairs(names) do set[name] = true end
  return set
end

-- Services that reported recently stay in the fingerprint with zeros while silent (a
-- service that stops reporting is a signal); 'known' maps service -> last window seen.
local function present_and_silent(known_key, present, w, memory)
  local services = {}
  for _, svc in ipairs(present) do
    services[svc] = true
    redis.call('HSET', known_key, svc, w)
  end
  local flat = redis.call('HGETALL', known_key)
  for i = 1, #flat, 2 do
    local svc, last = flat[i], tonumber(flat[i + 1])
    if not services[svc] then
      if last >= w - memory then services[svc] = true else redis.call('HDEL', known_key, svc) end
    end
  end
  return services
end

local function window_keys(prefix, w, present)
  local out = {}
  for _, part in ipairs({'counts', 'latency', 'endpoints', 'distinct', 'services', 'metrics'}) do
    out[#out + 1] = window_key(prefix, w, part)
  end
  for _, svc in ipairs(present) do
    out[#out + 1] = window_key(prefix, w, 'latency:' .. svc)
    out[#out + 1] = window_key(prefix, w, 'distinct:' .. svc)
  end
  return out
end

-- Appends window w's fingerprint to the system-fingerprints stream 'stream'.
local function append_fingerprint(stream, c, w, system, services, metrics, late_events)
  redis.call('XADD', stream, 'MAXLEN', '~', c.maxlen, '*',
    'window_start', string.format('%d', w * c.window_ms),
    'window_end', string.format('%d', (w + 1) * c.window_ms),
    'names', c.names_json, 'data', cjson.encode(ordered(system, c.names)),
    'services', cjson.encode(services), 'metrics', cjson.encode(metrics),
    'late_events', late_events)
end

-- The system-wide counters of a window's counts hash (every field but the 's:' ones):
-- a shard's share of the system features, summed over shards by the merge step.
-- The counts a partial carries to the merge: the system's, and each service's times and
-- requests (a caller's outbound time is counted on its callees' shards, so a service's own
-- time is computed again at the merge from every shard's).
local OWN_TIME_FIELDS = {time = true, outbound_time = true, requests = true}

local function system_counts(counts)
  local out = {}
  for field, value in pairs(counts) do
    if string.sub(field, 1, 2) ~= 's:' or OWN_TIME_FIELDS[string.match(field, ':([^:]+)$')] then
      out[field] = value
    end
  end
  return out
end

local function partial_key(prefix, w, part)
  return prefix .. 'partial:' .. w .. ':' .. part
end

-- A shard's closed window, kept for the merge step: the per-service features (exact: a
-- service lives in one shard), the system counters, and the system t-digest and
-- HyperLogLog renamed aside so the merge can copy them (they expire with the window's TTL).
local function store_partial(keys, c, w, counts, present, services, late_events)
  local prefix = c.prefix
  local partial = {counts = system_counts(counts), services = services, present = #present,
    top = top_count(window_key(prefix, w, 'endpoints')), late = late_events,
    metrics = redis.call('SMEMBERS', window_key(prefix, w, 'metrics'))}
  redis.call('HSET', keys[2], w, cjson.encode(partial))
  for _, part in ipairs({'latency', 'distinct'}) do
    local key = window_key(prefix, w, part)
    if redis.call('EXISTS', key) == 1 then
      redis.call('RENAME', key, partial_key(prefix, w, part))
      redis.call('EXPIRE', partial_key(prefix, w, part), c.ttl)
    end
  end
end

-- Computes window w's fingerprint (a shard's partial window in partial mode), appends it
-- to the stream (the shard's partials hash) and deletes the window's structures.
local function close_window(keys, c, w, late_events)
  local prefix = c.prefix
  local counts = hash_numbers(window_key(prefix, w, 'counts'))
  local present = redis.call('SMEMBERS', window_key(prefix, w, 'services'))
  local services = {}
  for svc in pairs(present_and_silent(keys[3], present, w, c.memory)) do
    local p = 's:' .. svc .. ':'
    local features = traffic_features(counts, p, c.seconds,
      window_key(prefix, w, 'latency:' .. svc), window_key(prefix, w, 'distinct:' .. svc))
    check_declared(features, c.service_names, c.service_set)
    services[svc] = select_features(features, c.service_names)
  end
  if c.partial then
    store_partial(keys, c, w, counts, present, services, late_events)
  else
    local system = traffic_features(counts, '', c.seconds, window_key(prefix, w, 'latency'),
      window_key(prefix, w, 'distinct'))
    system.top_endpoint_share = share(top_count(window_key(prefix, w, 'endpoints')),
      system.request_count)
    system.active_services = #present
    check_declared(system, c.names, c.system_set)
    local metrics = metric_aggregates(counts, redis.call('SMEMBERS', window_key(prefix, w, 'metrics')))
    append_fingerprint(keys[2], c, w, system, services, metrics, late_events)
  end
  redis.call('UNLINK', unpack(window_keys(prefix, w, present)))
end

local function server_now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The window before the first one this call closes. A first-ever close starts at the
-- oldest window within the look-back that holds data (else at the newest closable one); a
-- backlog longer than the look-back (whose structures have expired) is skipped.
local function start_after(prefix, last, newest, lookback)
  if last == nil then
    for w = newest - lookback + 1, newest do
      if redis.call('EXISTS', window_key(prefix, w, 'counts')) == 1 then return w - 1, 0 end
    end
    return newest - 1, 0
  end
  if newest - last > lookback then return newest - lookback, newest - lookback - last end
  return last, 0
end

-- A shard's partial windows not yet merged, flat: window id, partial JSON, DUMP of its
-- system t-digest (or ''), its system HyperLogLog (or ''); those at or before 'merged' (the
-- merge step's last window) are deleted instead.
local function pending_partials(keys, prefix, merged)
  local flat = redis.call('HGETALL', keys[2])
  local out = {}
  for i = 1, #flat, 2 do
    local w = tonumber(flat[i])
    local latency, distinct = partial_key(prefix, w, 'latency'), partial_key(prefix, w, 'distinct')
    if merged ~= nil and w <= merged then
      redis.call('HDEL', keys[2], flat[i])
      redis.call('UNLINK', latency, distinct)
    else
      out[#out + 1] = flat[i]
      out[#out + 1] = flat[i + 1]
      out[#out + 1] = redis.call('EXISTS', latency) == 1 and redis.call('DUMP', latency) or ''
      out[#out + 1] = redis.call('GET', distinct) or ''
    end
  end
  return out
end

-- seismo_close_windows: closes, in order and exactly once, every window whose end plus
-- the grace period has passed, appending one fingerprint per window.
-- KEYS[1] engine state (hash: last_closed, late_events, skipped_windows)
-- KEYS[2] system-fingerprints (stream)   KEYS[3] known services (hash: service -> window)
-- ARGV[1] key prefix   ARGV[2] window length (ms)   ARGV[3] grace (ms)
-- ARGV[4] now (epoch ms) or '' for the server's clock   ARGV[5] stream MAXLEN (approximate)
-- ARGV[6] most windows closed by one call   ARGV[7] look-back (windows)
-- ARGV[8] windows a silent service stays in the fingerprint
-- ARGV[9] JSON list of system feature names   ARGV[10] JSON list of per-service names
--         (seismo.fingerprint.features: exactly the features computed here, or an error)
-- Partial mode (one shard of several; KEYS[2] is then the shard's partials hash):
-- ARGV[11] 'partial'   ARGV[12] the merge step's last window ('' if none yet)
-- ARGV[13] TTL (s) of the kept t-digests and HyperLogLogs
-- Returns {closed, last_closed, skipped, now_ms}, in partial mode followed by the shard's
-- pending partials (see pending_partials).
local function close_windows(keys, args)
  local c = {prefix = args[1], window_ms = tonumber(args[2]), maxlen = args[5],
    memory = tonumber(args[8]), names = cjson.decode(args[9]), names_json = args[9],
    service_names = cjson.decode(args[10]), partial = args[11] == 'partial',
    ttl = tonumber(args[13])}
  c.seconds = c.window_ms / 1000
  c.system_set, c.service_set = name_set(c.names), name_set(c.service_names)
  local now = tonumber(args[4]) or server_now_ms()
  local newest = math.floor((now - tonumber(args[3])) / c.window_ms) - 1
  local stored = redis.call('HGET', keys[1], 'last_closed')
  local last, skipped = start_after(c.prefix, tonumber(stored), newest, tonumber(args[7]))
  if skipped > 0 then redis.call('HINCRBY', keys[1], 'skipped_windows', skipped) end
  local closed = 0
  for w = last + 1, math.min(newest, last + tonumber(args[6])) do
    local late = tonumber(redis.call('HGET', keys[1], 'late_events') or '0')
    if late > 0 then redis.call('HINCRBY', keys[1], 'late_events', -late) end
    close_window(keys, c, w, late)
    closed, last = closed + 1, w
  end
  if stored == false or tonumber(stored) ~= last then redis.call('HSET', keys[1], 'last_closed', last) end
  local reply = {closed, last, skipped, now}
  if c.partial then
    for _, value in ipairs(pending_partials(keys, c.prefix, tonumber(args[12]))) do
      reply[#reply + 1] = value
    end
  end
  return reply
end

-- Merge step ---------------------------------------------------------------------------
-- Several shards each close their windows into partials; the merge joins one window's
-- partials into the system fingerprint under the installation's prefix. Counts are summed,
-- the t-digests merged (TDIGEST.MERGE of the shards' copies, never averaged quantiles), the
-- HyperLogLogs merged; per-service features are taken as the shards computed them.

local function copy_into(key, payload, how, ttl)
  if payload == '' or redis.call('EXISTS', key) == 1 then return end
  if how == 'RESTORE' then
    redis.call('RESTORE', key, ttl * 1000, payload)
  else
    redis.call('SET', key, payload, 'EX', ttl)
  end
end

local function merged_window(keys, c, w)
  local mkey = c.prefix .. 'merge:' .. w
  local flat = redis.call('HGETALL', mkey)
  local counts, services, metric_set = {}, {}, {}
  local present, top, late = 0, 0, 0
  local digests, logs, parts = {}, {}, {mkey}
  for i = 1, #flat, 2 do
    local shard, p = flat[i], cjson.decode(flat[i + 1])
    for field, value in pairs(p.counts) do counts[field] = (counts[field] or 0) + value end
    for svc, features in pairs(p.services) do services[svc] = features end
    for _, field in ipairs(p.metrics) do metric_set[field] = true end
    present, top, late = present + p.present, math.max(top, p.top), late + p.late
    for part, list in pairs({latency = digests, distinct = logs}) do
      local key = mkey .. ':' .. part .. ':' .. shard
      if redis.call('EXISTS', key) == 1 then
        list[#list + 1] = key
        parts[#parts + 1] = key
      end
    end
  end
  local latency, distinct = mkey .. ':latency', mkey .. ':distinct'
  parts[#parts + 1], parts[#parts + 2] = latency, distinct
  if #digests > 0 then redis.call('TDIGEST.MERGE', latency, #digests, unpack(digests)) end
  if #logs > 0 then redis.call('PFMERGE', distinct, unpack(logs)) end
  for svc, features in pairs(services) do
    local p = 's:' .. svc .. ':'
    features.latency_own = own_time(counts[p .. 'time'] or 0, counts[p .. 'outbound_time'] or 0,
      counts[p .. 'requests'] or 0)
  end
  local system = traffic_features(counts, '', c.seconds, latency, distinct)
  system.top_endpoint_share = share(top, system.request_count)
  system.active_services = present
  check_declared(system, c.names, c.system_set)
  append_fingerprint(keys[2], c, w, system, services, metric_aggregates(counts, set_members(metric_set)), late)
  redis.call('UNLINK', unpack(parts))
end

-- seismo_merge_windows: takes the shards' pending partials and appends, in order and
-- exactly once, the fingerprint of every window all shards have closed.
-- KEYS[1] engine state (hash: last_closed = the last merged window)
-- KEYS[2] system-fingerprints (stream)
-- ARGV[1] installation key prefix   ARGV[2] window length (ms)   ARGV[3] stream MAXLEN
-- ARGV[4] JSON list of system feature names   ARGV[5] JSON list: each shard's last_closed
-- ARGV[6] TTL (s) of the merge keys   ARGV[7] most windows merged by one call
-- ARGV[8..] groups of five: shard index, window id, partial JSON, t-digest DUMP or '',
--           HyperLogLog or ''
-- Returns {merged, last_closed}.
local function merge_windows(keys, args)
  local c = {prefix = args[1], window_ms = tonumber(args[2]), maxlen = args[3],
    names = cjson.decode(args[4]), names_json = args[4]}
  c.seconds, c.system_set = c.window_ms / 1000, name_set(c.names)
  local ttl = tonumber(args[6])
  local stored = tonumber(redis.call('HGET', keys[1], 'last_closed'))
  local first = nil
  for i = 8, #args, 5 do
    local shard, w = args[i], tonumber(args[i + 1])
    if stored == nil or w > stored then
      local mkey = c.prefix .. 'merge:' .. w
      redis.call('HSETNX', mkey, shard, args[i + 2])
      redis.call('EXPIRE', mkey, ttl)
      copy_into(mkey .. ':latency:' .. shard, args[i + 3], 'RESTORE', ttl)
      copy_into(mkey .. ':distinct:' .. shard, args[i + 4], 'SET', ttl)
      if first == nil or w < first then first = w end
    end
  end
  local upto = nil
  for _, closed in ipairs(cjson.decode(args[5])) do
    if upto == nil or closed < upto then upto = closed end
  end
  local last = stored or (first and first - 1)
  if last == nil or upto == nil then return {0, stored or -1} end
  local merged = 0
  for w = last + 1, math.min(upto, last + tonumber(args[7])) do
    if redis.call('EXISTS', c.prefix .. 'merge:' .. w) == 1 then
      merged_window(keys, c, w)
      merged = merged + 1
    end
    last = w
  end
  if stored ~= last then redis.call('HSET', keys[1], 'last_closed', last) end
  return {merged, last}
end

local function version()
  return LIBRARY_VERSION
end

redis.register_function('seismo_ingest', ingest)
redis.register_function('seismo_close_windows', close_windows)
redis.register_function('seismo_merge_windows', merge_windows)
redis.register_function{function_name = 'seismo_version', callback = version,
  flags = {'no-writes'}}
