#!/usr/bin/env bash
# Load test of the webhook's /mutate endpoint on loopback, next to a do-nothing baseline on the same TLS port.
#
# Builds the server as the image ships it (release, --static-swift-stdlib, in .build-static, apart from the debug
# .build), starts it with a development certificate on 127.0.0.1 and `--benchmark-endpoints`, waits for /readyz,
# then runs wrk over keep-alive TLS:
#   1. POST /mutate with a 3-container Pod AdmissionReview (pod-review.json) and the five-stage rules.yaml;
#   2. POST /noop with the same body: same TLS, HTTP and body reading, a fixed answer, no JSON and no engine;
#   3. POST /noop-review with the same body: also reads the review with /mutate's JSON reader and answers with its
#      uid (the least any webhook does), no engine, patch, log line or metrics;
#   4. POST /mutate again, paced to half of run 1's throughput, for the latency a webhook sees when not saturated.
# The server's RSS (VmRSS) is sampled at start, every second under load, and after. Only 127.0.0.1 is used, every
# loop is bounded, and the server this script started is stopped on exit.
#
# Usage: Benchmarks/load/mutate-load.sh            (from anywhere in the repository)
# Environment: DURATION=20 CONNECTIONS=32 THREADS=2 PORT=18443 PROBE_PORT=18080 LOG_LEVEL=info NO_BUILD=1 BIN=path
#              LINK=dynamic (the dynamically linked release instead) OUT=/tmp/mutate-load (raw wrk and server output)
# wrk and the server share the machine's cores: on a 2-core machine the figures are for both together.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
duration="${DURATION:-20}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-2}"
port="${PORT:-18443}"
probe_port="${PROBE_PORT:-18080}"
log_level="${LOG_LEVEL:-info}"
out="${OUT:-${TMPDIR:-/tmp}/mutate-load}"
mkdir -p "$out"

sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
if ! command -v wrk > /dev/null; then
    echo "installing wrk (Debian package)" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk
fi
command -v curl > /dev/null || { echo "curl is needed" >&2; exit 1; }

. "$here/server.sh"
bin="$(server_binary)"
sampler=""
start_server "$bin" --benchmark-endpoints
rss_start="$(rss_kb)"

ca="$out/certs/ca.crt"
base="https://127.0.0.1:$port"
answer="$(curl -fsS --cacert "$ca" --max-time 5 -H 'Content-Type: application/json' \
    --data-binary @"$here/pod-review.json" "$base/mutate")"
case "$answer" in
*'"patch"'*) ;;
*) echo "/mutate did not answer with a patch: $answer" >&2; exit 1 ;;
esac
baseline="$(curl -fsS --cacert "$ca" --max-time 5 -H 'Content-Type: application/json' \
    --data-binary @"$here/pod-review.json" "$base/noop-review")"
case "$baseline" in
*'"allowed":true'*) ;;
*) echo "/noop-review did not admit the review: $baseline" >&2; exit 1 ;;
esac

# Samples RSS once a second until killed or until the run is surely over.
sample_rss() {
    for _ in $(seq 1 $((duration + 10))); do
        rss_kb >> "$1" 2> /dev/null || return 0
        sleep 1
    done
}

# The server's user + system CPU time so far, in clock ticks (fields 14 and 15 of /proc/PID/stat; the command
# name in field 2 has no spaces here).
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$server/stat"
}

# run NAME URL SCRIPT [BODY [DELAY_MS]]: a short warm-up, then the measured run.
run() {
    local name="$1" url="$2" script="$3" body="${4:-}" pause="${5:-}"
    (cd "$here" && WRK_BODY="$body" WRK_DELAY_MS="$pause" wrk -t "$threads" -c "$connections" -d 3s -s "$script" "$url" > /dev/null)
    : > "$out/$name.rss"
    sample_rss "$out/$name.rss" &
    sampler=$!
    cpu_ticks > "$out/$name.cpu"
    (cd "$here" && WRK_BODY="$body" WRK_DELAY_MS="$pause" wrk -t "$threads" -c "$connections" -d "${duration}s" --latency \
        -s "$script" "$url") > "$out/$name.wrk"
    cpu_ticks >> "$out/$name.cpu"
    kill "$sampler" 2> /dev/null || true
    wait "$sampler" 2> /dev/null || true
    sampler=""
}

summary() {
    local name="$1" file="$out/$1.wrk"
    local rps p50 p99 errors peak
    rps="$(awk '/^Requests\/sec:/ { print $2 }' "$file")"
    p50="$(awk '$1 == "50%" { print $2 }' "$file")"
    p99="$(awk '$1 == "99%" { print $2 }' "$file")"
    errors="$(awk '/Non-2xx|Socket errors/ { $1 = $1; printf "%s; ", $0 }' "$file")"
    peak="$(sort -n "$out/$name.rss" | tail -1)"
    # Server CPU per request: the ticks the measured run cost over the requests wrk completed in it (wrk's
    # count is a little short of what the server answered, so this errs high by a fraction of a percent).
    cpu="$(awk -v hz="$(getconf CLK_TCK)" -v n="$(awk '/requests in/ { print $1 }' "$file")" \
        'NR == 1 { a = $1 } NR == 2 { b = $1 } END { if (n > 0) printf "%.0f", (b - a) * 1e6 / hz / n }' "$out/$name.cpu")"
    printf '%-22s %10s req/s   p50 %-9s p99 %-9s server CPU %4s us/req   peak RSS %6s KiB   %s\n' \
        "$name" "$rps" "$p50" "$p99" "${cpu:-?}" "$peak" "${errors:-no errors}"
}

run mutate "$base/mutate" mutate.lua "$here/pod-review.json"
sleep 2
rss_after_mutate="$(rss_kb)"
run noop "$base/noop" mutate.lua "$here/pod-review.json"
run noop-review "$base/noop-review" mutate.lua "$here/pod-review.json"
peak="$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$out/mutate.wrk")"
# Each connection waits DELAY ms before each request and then for the answer, so it sends one request every
# DELAY + latency ms. Start from a latency guess of 1 ms, then calibrate twice with short paced runs: the rate a
# run reaches tells the latency at that load, and the delay is set so that C connections send half of the peak.
# (mutate.lua meets a fractional delay on average.) The row shows the rate the measured run actually reached.
[ "$peak" -gt 0 ] || { echo "the /mutate run completed no requests; see $out/mutate.wrk" >&2; exit 1; }
target=$((peak / 2))
# At least 0.1 ms: a delay of 0 would turn pacing off (mutate.lua paces only for a positive delay).
pause="$(awk -v c="$connections" -v t="$target" 'BEGIN { q = c * 1000 / t - 1; if (q < 0.1) q = 0.1; printf "%.2f", q }')"
for _ in 1 2; do
    reached="$(cd "$here" && WRK_BODY="$here/pod-review.json" WRK_DELAY_MS="$pause" \
        wrk -t "$threads" -c "$connections" -d 3s -s mutate.lua "$base/mutate" | awk '/^Requests\/sec:/ { print $2 }')"
    pause="$(awk -v c="$connections" -v t="$target" -v r="${reached:-0}" -v p="$pause" \
        'BEGIN { if (r <= 0) { printf "%.2f", p; exit } l = c * 1000 / r - p; q = c * 1000 / t - l; if (q < 0.1) q = 0.1; printf "%.2f", q }')"
done
run mutate-half-peak "$base/mutate" mutate.lua "$here/pod-review.json" "$pause"
sleep 2
rss_end="$(rss_kb)"

echo
echo "machine: $(nproc) cores, $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2 }'), $(swift --version 2>&1 | head -1), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "wrk: $threads threads, $connections connections, ${duration}s, keep-alive TLS to 127.0.0.1 (wrk and the server share the cores)"
echo "body: $(wc -c < "$here/pod-review.json") bytes; answer: ${#answer} bytes; server log level: $log_level"
# How the binary is linked and where its request handlers ran (the `serving` line's executor field).
libraries="$(ldd "$bin" 2> /dev/null || true)"
runtime="Swift runtime linked in"
case "$libraries" in *libswiftCore*) runtime="Swift runtime in shared libraries" ;; esac
executor="$(sed -n 's/.* executor=\([a-z-]*\).*/\1/p' "$out/server.log" | head -1)"
echo "server: $bin ($runtime); request handlers on: ${executor:-not logged at log level $log_level}"
summary mutate
summary noop
summary noop-review
summary mutate-half-peak
echo "half-peak pacing: each connection waits ${pause} ms on average before each request (aim: ${target} req/s, half of ${peak})"
awk -v m="$(awk '/^Requests\/sec:/ { print $2 }' "$out/mutate.wrk")" -v n="$(awk '/^Requests\/sec:/ { print $2 }' "$out/noop.wrk")" \
    'BEGIN { if (n > 0) printf "mutate / noop throughput: %.1f %%\n", 100 * m / n }'
awk -v m="$(awk '/^Requests\/sec:/ { print $2 }' "$out/mutate.wrk")" -v n="$(awk '/^Requests\/sec:/ { print $2 }' "$out/noop-review.wrk")" \
    'BEGIN { if (n > 0) printf "mutate / noop-review throughput: %.1f %%\n", 100 * m / n }'
echo "server RSS: start ${rss_start} KiB, after /mutate load ${rss_after_mutate} KiB, end ${rss_end} KiB"
echo "raw output: $out"
