-- distinct-alerts.lua — wrk's script for scenario 36: each request is the payload
-- of TEMPLATE (one firing alert) with the fingerprint 0000000000000000 in it replaced
-- by one never sent before, so each answer is a new decision, never a duplicate.
--   wrk -t N -c N -d LIMIT -s distinct-alerts.lua URL -- QUOTA TEMPLATE
-- One connection per thread (-c = -t), and a thread stops once QUOTA of its requests
-- were answered: its connection has nothing in flight then, so what was answered is
-- exactly what was sent. done() prints one JSON line; a request wrk had to send
-- again (a socket error) shows in "errors", which the scenario requires to be 0.
-- "sent" counts request() calls: one more than was sent, as wrk calls it once on
-- the first thread to check the script before any connection.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  quota = tonumber(args[1])
  local f = assert(io.open(args[2], "r"))
  template = f:read("*a")
  f:close()
  sent, ok, other = 0, 0, 0
end

function request()
  sent = sent + 1
  local body = template:gsub("0000000000000000", string.format("%04x%012x", id, sent), 1)
  return wrk.format("POST", "/", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else other = other + 1 end
  if ok + other >= quota then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local s, o, x = 0, 0, 0
  for _, t in ipairs(threads) do
    s, o, x = s + t:get("sent"), o + t:get("ok"), x + t:get("other")
  end
  local e = summary.errors
  io.write(string.format('{"sent":%d,"ok":%d,"other":%d,"seconds":%.3f,' ..
    '"errors":%d,"p99_ms":%.1f}\n', s, o, x, summary.duration / 1e6,
    e.connect + e.read + e.write + e.timeout, latency:percentile(99) / 1e3))
end
