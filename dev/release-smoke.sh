#!/usr/bin/env bash
# Builds the executable as the image ships it (release, --static-swift-stdlib, in .build-static) and checks that it
# starts and answers: `rules`, `explain`, and `serve --dev` on loopback answering /readyz and a /mutate with a
# patch, then stopping on SIGTERM with status 0.
#
# Why: the tests run the debug build, and a release build can fail where the debug one does not (a task-local
# holding a bare closure crashed the static release build at start, 2026-12-08). CI runs this after the tests.
# Only 127.0.0.1 is used; every wait is bounded; the server it starts is stopped on exit.
# Environment: PORT=18543 PROBE_PORT=18180 NO_BUILD=1 (use the binary already in .build-static)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-18543}"
probe_port="${PROBE_PORT:-18180}"

build=(swift build -c release --static-swift-stdlib --scratch-path .build-static --product k8s-image-replacer)
if [ -z "${NO_BUILD:-}" ]; then
    dev/install-deps.sh
    "${build[@]}"
fi
bin="$("${build[@]}" --show-bin-path)/k8s-image-replacer"
[ -x "$bin" ] || { echo "release-smoke: no binary at $bin" >&2; exit 1; }
fail() { echo "release-smoke: $*" >&2; exit 1; }

"$bin" rules | grep -q "apiVersion: k8s-image-replacer/v1" || fail "rules did not print the embedded rules"
"$bin" explain nginx:1.27 | grep -q "result: mirror.gcr.io/library/nginx:1.27" || fail "explain did not rewrite nginx"

work="$(mktemp -d "${TMPDIR:-/tmp}/k8s-image-replacer-smoke.XXXXXX")"
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2> /dev/null; then kill -KILL "$server" 2> /dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
"$bin" serve --dev --host 127.0.0.1 --port "$port" --probe-port "$probe_port" --dev-cert-dir "$work/certs" \
    --shutdown-delay 0 > "$work/server.out" 2> "$work/server.log" &
server=$!
ready=""
for _ in $(seq 1 300); do
    kill -0 "$server" 2> /dev/null || { cat "$work/server.log" >&2; fail "serve exited at start"; }
    if curl -fsS --max-time 1 "http://127.0.0.1:$probe_port/readyz" > /dev/null 2>&1; then ready=1; break; fi
    sleep 0.1
done
[ -n "$ready" ] || { cat "$work/server.log" >&2; fail "serve was not ready within 30 s"; }
answer="$(curl -fsS --max-time 5 --cacert "$work/certs/ca.crt" -H 'Content-Type: application/json' \
    --data-binary @Benchmarks/load/pod-review.json "https://127.0.0.1:$port/mutate")" || fail "/mutate failed"
case "$answer" in
*'"allowed":true'*'"patch"'* | *'"patch"'*'"allowed":true'*) ;;
*) fail "/mutate did not admit the review with a patch: $answer" ;;
esac
kill -TERM "$server"
status=0
for _ in $(seq 1 100); do kill -0 "$server" 2> /dev/null || break; sleep 0.1; done
if kill -0 "$server" 2> /dev/null; then fail "serve did not stop within 10 s of SIGTERM"; fi
wait "$server" || status=$?
server=""
[ "$status" -eq 0 ] || { cat "$work/server.log" >&2; fail "serve exited with status $status after SIGTERM"; }
echo "release-smoke: ok ($bin: rules, explain, serve --dev answering /readyz and /mutate, SIGTERM)"
