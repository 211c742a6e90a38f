#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, when they are missing.
# Used by dev/run.sh, dev/test.sh and CI; safe to run again.
set -euo pipefail

# libpcre2-dev, pkg-config: the CPCRE2 target. docker-registry (the distribution registry) and
# apache2-utils (htpasswd): the digest-pinning tests run real registries on loopback. openssl: the
# deployment tests check dev/webhook-create-signed-cert.sh's certificates and a TLS handshake with it.
# curl: dev/release-smoke.sh calls the release server on loopback.
packages=(libpcre2-dev pkg-config docker-registry apache2-utils openssl curl)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
