#!/usr/bin/env bash
# Soak test: the webhook under a steady mix of requests for a long time, checking every answer and watching
# memory. See soak.lua for the mix (pods of three sizes, dryRun, Deployments, ConfigMaps, /explain, truncated
# and non-AdmissionReview bodies) and what each must be answered with.
#
# Builds the server as the image ships it (release, --static-swift-stdlib, in .build-static; LINK=dynamic for the
# dynamically linked release in .build-release) unless BIN names a binary, starts it on 127.0.0.1 with a
# development certificate, warms up for WARMUP seconds, then runs wrk in slices of SLICE seconds until DURATION
# seconds have passed, printing one row per slice: throughput, p50/p99, failed answers and the server's RSS.
# At the end: requests by kind, failed answers (must be 0) and RSS growth from the end of warm-up (must stay
# within a few percent: more means a leak). Exits 1 if any answer was wrong or the server died.
#
# Usage: Benchmarks/load/soak.sh
# Environment: DURATION=600 SLICE=60 WARMUP=30 CONNECTIONS=4 PORT=18543 PROBE_PORT=18180 LOG_LEVEL=warning
#              BIN=path/to/k8s-image-replacer NO_BUILD=1 LINK=dynamic OUT=/tmp/soak
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
mkdir -p "$out"

command -v wrk > /dev/null || { echo "wrk is needed (Debian package wrk)" >&2; exit 1; }
command -v curl > /dev/null || { echo "curl is needed" >&2; exit 1; }

. "$here/server.sh"
bin="$(server_binary)"
start_server "$bin"
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
