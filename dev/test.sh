#!/usr/bin/env bash
# Runs the whole test suite: installs what the build needs, then `swift test`.
# Extra arguments go to `swift test` (e.g. --filter PrefixMatcherTests).
set -euo pipefail
cd "$(dirname "$0")/.."
dev/install-deps.sh
exec swift test "$@"
