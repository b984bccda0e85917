-- wrk script of bench/inbound.py. Every request is a POST of IH_BODY as JSON.
-- With IH_DELIVERIES (a file of "webhook-id<TAB>webhook-timestamp<TAB>signature"
-- lines), each request carries the next pre-signed delivery: threads take every
-- IH_THREADS-th line from their own offset, so no delivery is sent twice.
-- Without it, every request is the same.
-- done() prints one JSON line with the count, the errors and the latency
-- distribution: its quantiles every half percent, in microseconds.

local body = os.getenv("IH_BODY")
local deliveries_file = os.getenv("IH_DELIVERIES") or ""
local thread_count = tonumber(os.getenv("IH_THREADS") or "1")
local next_id = 0

function setup(thread)
   thread:set("thread_id", next_id)
   next_id = next_id + 1
end

-- The requests are formatted once, before the run, so that the load tool spends
-- the same little time on each request whatever the target.
local requests = {}
local position = 1

function init(args)
   local headers = { ["Content-Type"] = "application/json" }
   if deliveries_file ~= "" then
      for line in io.lines(deliveries_file) do
         local msg_id, timestamp, signature = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
         headers["webhook-id"] = msg_id
         headers["webhook-timestamp"] = timestamp
         headers["webhook-signature"] = signature
         requests[#requests + 1] = wrk.format("POST", nil, headers, body)
      end
   else
      requests[1] = wrk.format("POST", nil, headers, body)
   end
   position = 1 + thread_id % #requests
end

function request()
   if position > #requests then
      -- Out of fresh deliveries: repeat them (replays); bench/inbound.py makes
      -- enough of them and checks.
      position = 1 + thread_id % #requests
   end
   local formatted = requests[position]
   position = position + thread_count
   return formatted
end

function done(summary, latency, requests)
   local errors = summary.errors
   local quantiles = {}
   for step = 1, 200 do
      quantiles[step] = string.format("%d", latency:percentile(step / 2))
   end
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
      '"quantiles_us": [%s]}\n',
      summary.requests, summary.duration, errors.status,
      errors.connect + errors.read + errors.write + errors.timeout,
      table.concat(quantiles, ", ")))
end
