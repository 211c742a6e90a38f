#!/usr/bin/env bash
# Soak test: the webhook under a steady mix of requests for a long time, checking every answer and watching
# memory. See soak.lua for the mix (pods of three sizes, dryRun, Deployments, ConfigMaps, /explain, truncated
# and non-AdmissionReview bodies) and what each must be answered with.
#
# Builds the server in release mode (in .build-release) unless BIN names a binary, starts it on 127.0.0.1 with a
# development certificate, warms up for WARMUP seconds, then runs wrk in slices of SLICE seconds until DURATION
# seconds have passed, printing one row per slice: throughput, p50/p99, failed answers and the server's RSS.
# At the end: requests by kind, failed answers (must be 0) and RSS growth from the end of warm-up (must stay
# within a few percent: more means a leak). Exits 1 if any answer was wrong or the server died.
#
# Usage: Benchmarks/load/soak.sh
# Environment: DURATION=600 SLICE=60 WARMUP=30 CONNECTIONS=4 PORT=18543 PROBE_PORT=18180 LOG_LEVEL=warning
#              BIN=path/to/k8s-image-replacer OUT=/tmp/soak
# CONNECTIONS is also wrk's thread count (one connection per thread; soak.lua explains why).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
duration="${DURATION:-600}"
slice="${SLICE:-60}"
warmup="${WARMUP:-30}"
connections="${CONNECTIONS:-4}"
port="${PORT:-18543}"
probe_port="${PROBE_PORT:-18180}"
log_level="${LOG_LEVEL:-warning}"
out="${OUT:-${TMPDIR:-/tmp}/soak}"
certs="$out/certs"
mkdir -p "$out" "$certs"

command -v wrk > /dev/null || { echo "wrk is needed (Debian package wrk)" >&2; exit 1; }
command -v curl > /dev/null || { echo "curl is needed" >&2; exit 1; }

bin="${BIN:-}"
if [ -z "$bin" ]; then
    scratch="$root/.build-release"
    echo "building the server (release, --scratch-path $scratch)" >&2
    (cd "$root" && swift build -c release --scratch-path "$scratch" --product k8s-image-replacer >&2)
    bin="$(cd "$root" && swift build -c release --scratch-path "$scratch" --show-bin-path)/k8s-image-replacer"
fi
[ -x "$bin" ] || { echo "no server binary at $bin" >&2; exit 1; }

if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$probe_port/healthz"; then
    echo "port $probe_port is already serving; set PROBE_PORT/PORT to free ports" >&2
    exit 1
fi

"$bin" serve --dev --host 127.0.0.1 --port "$port" --probe-port "$probe_port" --dev-cert-dir "$certs" \
    --rules "$here/rules.yaml" --log-level "$log_level" > "$out/server.out" 2> "$out/server.log" &
server=$!
stop() {
    if kill -0 "$server" 2> /dev/null; then
        kill -TERM "$server" 2> /dev/null || true
        for _ in $(seq 1 100); do kill -0 "$server" 2> /dev/null || break; sleep 0.1; done
        kill -0 "$server" 2> /dev/null && kill -KILL "$server" 2> /dev/null || true
    fi
    wait "$server" 2> /dev/null || true
}
trap stop EXIT

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$server/status"; }

ready=""
for _ in $(seq 1 600); do # at most 60 s
    kill -0 "$server" 2> /dev/null || { echo "the server exited; see $out/server.log" >&2; exit 1; }
    if curl -fsS --max-time 1 "http://127.0.0.1:$probe_port/readyz" > /dev/null 2>&1; then ready=1; break; fi
    sleep 0.1
done
[ -n "$ready" ] || { echo "the server did not become ready within 60 s" >&2; exit 1; }
rss_boot="$(rss_kb)"
url="https://127.0.0.1:$port"

# slice SECONDS FILE: one wrk run of the mix.
slice() {
    (cd "$here" && wrk -t "$connections" -c "$connections" -d "${1}s" --timeout 10s -s soak.lua "$url") > "$2"
}
field() { sed -n "s/.*[ ]$1=\([0-9]*\).*/\1/p" "$2" | head -1; }

echo "warming up for ${warmup}s" >&2
slice "$warmup" "$out/warmup.wrk"
rss_start="$(rss_kb)"

echo "machine: $(nproc) cores, $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2 }'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "mix: soak.lua; $connections connections; slices of ${slice}s for ${duration}s; server log level $log_level"
printf '%8s %10s %9s %9s %8s %10s\n' "t (s)" "req/s" "p50 (us)" "p99 (us)" "failed" "RSS (KiB)"
elapsed=0
total=0
failed=0
errors=0
index=0
while [ "$elapsed" -lt "$duration" ]; do
    length=$(( duration - elapsed < slice ? duration - elapsed : slice ))
    index=$((index + 1))
    file="$out/slice-$index.wrk"
    slice "$length" "$file"
    kill -0 "$server" 2> /dev/null || { echo "the server died during slice $index; see $out/server.log" >&2; exit 1; }
    elapsed=$((elapsed + length))
    requests="$(field requests "$file")"
    bad="$(field failed "$file")"
    socket_errors="$(field errors "$file")"
    total=$((total + requests))
    failed=$((failed + bad))
    errors=$((errors + socket_errors))
    printf '%8d %10s %9s %9s %8s %10s\n' "$elapsed" "$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$file")" \
        "$(field p50_us "$file")" "$(field p99_us "$file")" "$bad" "$(rss_kb)"
    grep -h "SOAK first failure" "$file" || true
done
rss_end="$(rss_kb)"

echo "answers in the last slice, right/all by kind: $(sed -n 's/^SOAK answers //p' "$out/slice-$index.wrk")"
echo "HTTP status of every answer: $(cat "$out"/slice-*.wrk | sed -n 's/^SOAK statuses //p' | tr ' ' '\n' |
    awk -F= '{ n[$1] += $2 } END { for (s in n) printf "%s=%d ", s, n[s] }')"
echo "requests: $total; wrong answers: $failed; socket errors: $errors"
awk -v b="$rss_boot" -v s="$rss_start" -v e="$rss_end" 'BEGIN {
    printf "server RSS: %d KiB after start, %d KiB after warm-up, %d KiB at the end (%+.1f%% since warm-up)\n",
        b, s, e, 100 * (e - s) / s }'
echo "raw output: $out"
[ "$failed" -eq 0 ] && [ "$errors" -eq 0 ]
