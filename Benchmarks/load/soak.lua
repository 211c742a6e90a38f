-- wrk script for soak.sh: a steady mix of the requests a webhook sees, each answer checked against what that
-- request must get. Run with one connection per thread (-t N -c N): a connection sends its next request only
-- after the answer to the last one, so each thread knows which request an answer belongs to.
--
-- Mix (weights out of 20): 6 three-container pods, 3 one-container pods, 2 large pods (40 containers, long env
-- and managedFields), 2 dryRun pods, 2 Deployments (not rewritten), 1 ConfigMap, 2 /explain calls, 1 truncated
-- body, 1 body that is JSON but not an AdmissionReview.

local base_path = os.getenv("SOAK_POD") or "pod-review.json"
local file = assert(io.open(base_path, "rb"), "cannot open " .. base_path)
local pod3 = file:read("*a")
file:close()

local function review(object, kind, resource, group, dry_run)
  return '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"soak-1",'
    .. '"kind":{"group":"' .. group .. '","version":"v1","kind":"' .. kind .. '"},'
    .. '"resource":{"group":"' .. group .. '","version":"v1","resource":"' .. resource .. '"},'
    .. '"operation":"CREATE","namespace":"soak","dryRun":' .. tostring(dry_run) .. ',"object":' .. object .. '}}'
end

local function container(i, image, env_count)
  local env = {}
  for e = 1, env_count do
    env[#env + 1] = '{"name":"VAR_' .. e .. '","value":"' .. string.rep("v", 40) .. '"}'
  end
  return '{"name":"c' .. i .. '","image":"' .. image .. '","imagePullPolicy":"IfNotPresent","env":['
    .. table.concat(env, ",") .. '],"resources":{"limits":{"cpu":"500m","memory":"256Mi"}}}'
end

local function pod(count, env_count, managed)
  local images = { "nginx:1.27", "quay.io/team/app:2.1", "ghcr.io/org/tool@sha256:" .. string.rep("a", 64),
    "gcr.io/legacy-project-1/api:7", "busybox" }
  local list = {}
  for i = 1, count do list[#list + 1] = container(i, images[(i - 1) % #images + 1], env_count) end
  local fields = {}
  for i = 1, managed do
    fields[#fields + 1] = '{"manager":"controller-' .. i .. '","operation":"Update","apiVersion":"v1",'
      .. '"time":"2026-11-20T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},'
      .. '"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"c' .. i .. '\\"}":{".":{},"f:image":{}}}}}}'
  end
  return '{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"soak-","namespace":"soak",'
    .. '"labels":{"app":"soak"},"managedFields":[' .. table.concat(fields, ",") .. ']},'
    .. '"spec":{"containers":[' .. table.concat(list, ",") .. ']}}'
end

local deployment = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"soak"},'
  .. '"spec":{"replicas":2,"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":['
  .. container(1, "nginx:1.27", 2) .. ']}}}}'
local configmap = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"soak"},"data":{"k":"v"}}'

-- name, path, body, expected status, text the answer must contain
local kinds = {
  { "pod-3", "/mutate", pod3, 200, '"allowed":true' },
  { "pod-1", "/mutate", review(pod(1, 3, 1), "Pod", "pods", "", false), 200, '"patch"' },
  { "pod-large", "/mutate", review(pod(40, 30, 40), "Pod", "pods", "", false), 200, '"patch"' },
  { "pod-dry-run", "/mutate", review(pod(3, 3, 2), "Pod", "pods", "", true), 200, '"patch"' },
  { "deployment", "/mutate", review(deployment, "Deployment", "deployments", "apps", false), 200, '"allowed":true' },
  { "configmap", "/mutate", review(configmap, "ConfigMap", "configmaps", "", false), 200, '"allowed":true' },
  { "explain", "/explain", '{"image":"nginx:1.27","namespace":"soak"}', 200, '"stages"' },
  { "truncated", "/mutate", string.sub(pod3, 1, math.floor(#pod3 / 2)), 400, '"error"' },
  { "not-a-review", "/mutate", '{"apiVersion":"v1","kind":"Pod","request":7}', 400, '"error"' },
}
local schedule = { 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7, 7, 8, 9 }

local requests = {}
for i, kind in ipairs(kinds) do
  requests[i] = wrk.format("POST", kind[2], { ["Content-Type"] = "application/json" }, kind[3])
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  position = 0
  current = 0
  counts = {}
  failures = {}
  for i = 1, #kinds do
    counts[i] = 0
    failures[i] = 0
  end
  first_failure = ""
  statuses = {}
end

function request()
  position = position % #schedule + 1
  current = schedule[position]
  return requests[current]
end

function response(status, headers, body)
  local kind = kinds[current]
  counts[current] = counts[current] + 1
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= kind[4] or not string.find(body, kind[5], 1, true) then
    failures[current] = failures[current] + 1
    if first_failure == "" then
      first_failure = kind[1] .. ": status " .. status .. ": " .. string.sub(body, 1, 200)
    end
  end
end

function done(summary, latency, requests_)
  local total, failed = 0, 0
  local lines = {}
  for i, kind in ipairs(kinds) do
    local n, f = 0, 0
    for _, thread in ipairs(threads) do
      n = n + thread:get("counts")[i]
      f = f + thread:get("failures")[i]
    end
    total = total + n
    failed = failed + f
    lines[#lines + 1] = string.format("%s=%d/%d", kind[1], n - f, n)
  end
  local by_status = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do by_status[status] = (by_status[status] or 0) + n end
  end
  local status_lines = {}
  for status, n in pairs(by_status) do status_lines[#status_lines + 1] = string.format("%d=%d", status, n) end
  table.sort(status_lines)
  local example = ""
  for _, thread in ipairs(threads) do
    local text = thread:get("first_failure")
    if text ~= "" then example = text end
  end
  io.write(string.format("SOAK requests=%d failed=%d errors=%d p50_us=%.0f p99_us=%.0f max_us=%.0f\n", total, failed,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
  io.write("SOAK answers " .. table.concat(lines, " ") .. "\n")
  io.write("SOAK statuses " .. table.concat(status_lines, " ") .. "\n")
  if example ~= "" then io.write("SOAK first failure: " .. example .. "\n") end
end
