#!/usr/bin/env bash
# Quick start: the webhook on loopback with the embedded default rules and a development certificate.
# Extra arguments go to `serve` (e.g. --rules my-rules.yaml --port 9443).
set -euo pipefail
cd "$(dirname "$0")/.."
dev/install-deps.sh
exec swift run k8s-image-replacer serve --dev "$@"
