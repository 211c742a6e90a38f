#!/usr/bin/env bash
# Digest-stage benchmarks against a real registry: starts Debian's docker-registry on 127.0.0.1, pushes a tiny
# image as bench/app:v1 through the registry API, runs the DigestBenchmarks suite with BENCH_REGISTRY set, and
# stops the registry. Loopback only; every step is bounded.
#
#     Benchmarks/load/digest-bench.sh [extra `swift package benchmark` arguments]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v docker-registry >/dev/null || { echo "error: docker-registry is not installed (dev/install-deps.sh)" >&2; exit 1; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
registry="127.0.0.1:$port"
cat > "$work/config.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/storage}}
http: {addr: $registry, secret: bench-only}
YAML
docker-registry serve "$work/config.yml" >"$work/registry.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://$registry/v2/" >/dev/null && break; sleep 0.1; done
curl -sf "http://$registry/v2/" >/dev/null || { echo "error: the registry did not start" >&2; exit 1; }

push_blob() {
  local file=$1 digest location separator
  digest="sha256:$(sha256sum "$file" | cut -d' ' -f1)"
  location=$(curl -sfi -X POST "http://$registry/v2/bench/app/blobs/uploads/" | tr -d '\r' | awk 'tolower($1)=="location:" {print $2}')
  case $location in http*) ;; *) location="http://$registry$location" ;; esac
  separator='?'; [[ $location == *\?* ]] && separator='&'
  curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$file" "$location${separator}digest=$digest" >/dev/null
  echo "$digest $(stat -c %s "$file")"
}
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' > "$work/config.json"
printf 'benchmark layer' > "$work/layer"
read -r config_digest config_size < <(push_blob "$work/config.json")
read -r layer_digest layer_size < <(push_blob "$work/layer")
manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$config_digest\",\"size\":$config_size},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$layer_digest\",\"size\":$layer_size}]}"
curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data "$manifest" \
  "http://$registry/v2/bench/app/manifests/v1" >/dev/null

cd "$here/.."
BENCH_REGISTRY=$registry swift package --allow-writing-to-package-directory benchmark --target DigestBenchmarks "$@"
