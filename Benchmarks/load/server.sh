# Shared by mutate-load.sh and soak.sh (sourced, not run): finds or builds the release server, starts it on
# loopback with a development certificate, waits until it is ready, and stops it on exit.
#
# The caller sets: root (repository), here (this folder), out (output folder), port, probe_port, log_level.
# Provides: server_binary, start_server EXTRA_ARGS..., rss_kb, and sets $server (the PID) and an EXIT trap that
# also kills $sampler when the caller has set it.

# server_binary: $BIN if set; else the release build the image ships (--static-swift-stdlib, in .build-static),
# built first unless NO_BUILD is set. LINK=dynamic builds the dynamically linked release in .build-release instead.
server_binary() {
    if [ -n "${BIN:-}" ]; then
        [ -x "$BIN" ] || { echo "no server binary at $BIN" >&2; return 1; }
        echo "$BIN"
        return
    fi
    local scratch="$root/.build-static" flags=(--static-swift-stdlib)
    case "${LINK:-static}" in
    static) ;;
    dynamic)
        scratch="$root/.build-release"
        flags=()
        ;;
    *) echo "LINK must be static or dynamic, not ${LINK}" >&2; return 1 ;;
    esac
    if [ -z "${NO_BUILD:-}" ]; then
        echo "building the server (release ${flags[*]:-dynamic}, --scratch-path $scratch)" >&2
        (cd "$root" && swift build -c release "${flags[@]}" --scratch-path "$scratch" --product k8s-image-replacer >&2)
    fi
    local bin
    bin="$(cd "$root" && swift build -c release "${flags[@]}" --scratch-path "$scratch" --show-bin-path)/k8s-image-replacer"
    [ -x "$bin" ] || { echo "no server binary at $bin; run without NO_BUILD" >&2; return 1; }
    echo "$bin"
}

stop_server() {
    [ -n "${sampler:-}" ] && kill "$sampler" 2> /dev/null || true
    if [ -n "${server:-}" ] && kill -0 "$server" 2> /dev/null; then
        kill -TERM "$server" 2> /dev/null || true
        for _ in $(seq 1 100); do kill -0 "$server" 2> /dev/null || break; sleep 0.1; done
        kill -0 "$server" 2> /dev/null && kill -KILL "$server" 2> /dev/null || true
    fi
    [ -n "${server:-}" ] && wait "$server" 2> /dev/null || true
}

# start_server BINARY [serve options...]: starts it and returns once /readyz answers (at most 60 s).
start_server() {
    local bin="$1"
    shift
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$probe_port/healthz"; then
        echo "port $probe_port is already serving; set PROBE_PORT/PORT to free ports" >&2
        return 1
    fi
    mkdir -p "$out/certs"
    "$bin" serve --dev --host 127.0.0.1 --port "$port" --probe-port "$probe_port" --dev-cert-dir "$out/certs" \
        --rules "$here/rules.yaml" --log-level "$log_level" "$@" > "$out/server.out" 2> "$out/server.log" &
    server=$!
    trap stop_server EXIT
    for _ in $(seq 1 600); do
        kill -0 "$server" 2> /dev/null || { echo "the server exited; see $out/server.log" >&2; cat "$out/server.log" >&2; return 1; }
        curl -fsS --max-time 1 "http://127.0.0.1:$probe_port/readyz" > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "the server did not become ready within 60 s" >&2
    return 1
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$server/status"; }
