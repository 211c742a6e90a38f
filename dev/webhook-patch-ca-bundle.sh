#!/usr/bin/env bash
# Fills the caBundle placeholder of a webhook configuration template (standard input) with the base64 of the
# CA that signed the webhook's certificate, and writes the result to standard output.
#
#   dev/webhook-patch-ca-bundle.sh < dev/mutating-webhook-template.yaml | kubectl apply -f -
#   dev/webhook-patch-ca-bundle.sh --ca ./certs/ca.crt < dev/mutating-webhook-template.yaml > webhook.yaml
#
# Without --ca, the CA is read with kubectl from the Secret made by dev/webhook-create-signed-cert.sh.
# With --namespace, the template's namespace (k8s-image-replacer-system) is replaced as well, as
# `k8s-image-replacer manifests --namespace` does.
set -euo pipefail

default_namespace=k8s-image-replacer-system
namespace=$default_namespace
secret=k8s-image-replacer-tls
ca=""

die() { echo "error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --ca) ca="${2:?--ca needs a file}"; shift 2 ;;
    --namespace) namespace="${2:?--namespace needs a value}"; shift 2 ;;
    --secret) secret="${2:?--secret needs a value}"; shift 2 ;;
    -h | --help)
      echo "usage: $0 [--ca FILE | --secret NAME] [--namespace N] < template.yaml > filled.yaml"
      exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

[[ "$namespace" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ && ${#namespace} -le 63 ]] || die "--namespace \"$namespace\" is not a DNS label"
[ -t 0 ] && die "give the template on standard input: $0 < dev/mutating-webhook-template.yaml"

if [ -n "$ca" ]; then
  [ -r "$ca" ] || die "cannot read $ca"
  bundle="$(base64 <"$ca" | tr -d '\n\r')"
else
  command -v kubectl >/dev/null || die "kubectl is not installed; give the CA file with --ca"
  bundle="$(kubectl get secret "$secret" -n "$namespace" -o 'jsonpath={.data.ca\.crt}')" \
    || die "cannot read ca.crt from secret $namespace/$secret (made by dev/webhook-create-signed-cert.sh?)"
fi
[ -n "$bundle" ] || die "the CA is empty"
# The API server only says "x509: certificate signed by unknown authority" later; check the PEM now.
printf '%s' "$bundle" | base64 -d 2>/dev/null | head -n 1 | grep -q -- '-----BEGIN CERTIFICATE-----' \
  || die "the CA is not a PEM certificate"

sed -e "s|\${CA_BUNDLE}|$bundle|g" -e "s|$default_namespace|$namespace|g"
