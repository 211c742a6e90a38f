#!/usr/bin/env bash
# Makes a private CA and a serving certificate for the webhook's Service with openssl, and stores them as a
# kubernetes.io/tls Secret (tls.crt, tls.key, and ca.crt for dev/webhook-patch-ca-bundle.sh).
#
# Older webhooks asked the API server to sign a CertificateSigningRequest; that needed the legacy signer of
# certificates.k8s.io/v1beta1, which was removed in Kubernetes 1.22, and no built-in signer of the v1 API
# issues serving certificates for Services. A CA of our own works on every version, and the webhook
# configuration trusts it through its caBundle. (`k8s-image-replacer certs` does the same without openssl.)
#
#   dev/webhook-create-signed-cert.sh                                 # apply the Secret with kubectl
#   dev/webhook-create-signed-cert.sh --dry-run --out ./certs         # keep the files, print the Secret
set -euo pipefail

usage() {
  cat <<USAGE
usage: $0 [--service S] [--namespace N] [--secret NAME] [--days D] [--cluster-domain DOMAIN] [--out DIR] [--dry-run]

  --service         the webhook's Service (default: k8s-image-replacer)
  --namespace       its namespace (default: k8s-image-replacer-system)
  --secret          the Secret to create or update (default: k8s-image-replacer-tls)
  --days            validity of the CA and the certificate (default: 365)
  --cluster-domain  the cluster's DNS domain (default: cluster.local)
  --out DIR         keep ca.crt, ca.key, tls.crt and tls.key in DIR (default: a temporary directory, removed)
  --dry-run         do not call kubectl: print the Secret's YAML on standard output

The certificate names S, S.N, S.N.svc and S.N.svc.DOMAIN. Without --dry-run, kubectl creates the namespace
if it is missing and applies the Secret; the webhook reloads a replaced certificate by itself.
USAGE
}

die() { echo "error: $*" >&2; exit 1; }

service=k8s-image-replacer
namespace=k8s-image-replacer-system
secret=k8s-image-replacer-tls
days=365
domain=cluster.local
out=""
dry_run=false

while [ $# -gt 0 ]; do
  case "$1" in
    --service) service="${2:?--service needs a value}"; shift 2 ;;
    --namespace) namespace="${2:?--namespace needs a value}"; shift 2 ;;
    --secret) secret="${2:?--secret needs a value}"; shift 2 ;;
    --days) days="${2:?--days needs a value}"; shift 2 ;;
    --cluster-domain) domain="${2:?--cluster-domain needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a value}"; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

label='^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'
for pair in "service:$service" "namespace:$namespace"; do
  value="${pair#*:}"
  [[ "$value" =~ $label && ${#value} -le 63 ]] || die "--${pair%%:*} \"$value\" is not a DNS label (lowercase letters, digits, '-')"
done
[[ "$secret" =~ ^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$ ]] || die "--secret \"$secret\" is not a valid Secret name"
[[ "$days" =~ ^[1-9][0-9]*$ ]] || die "--days must be a positive number"
command -v openssl >/dev/null || die "openssl is not installed (Debian: apt-get install openssl; or use \`k8s-image-replacer certs\`)"
$dry_run || command -v kubectl >/dev/null || die "kubectl is not installed; use --dry-run to print the Secret instead"

if [ -n "$out" ]; then
  mkdir -p "$out"
  work="$(mktemp -d)"
else
  work="$(mktemp -d)"
  out="$work/certs"
  mkdir -p "$out"
fi
trap 'rm -rf "$work"' EXIT
umask 077

names="DNS:$service,DNS:$service.$namespace,DNS:$service.$namespace.svc,DNS:$service.$namespace.svc.$domain"
cat >"$work/openssl.cnf" <<CONF
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $names
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CONF

# ECDSA P-256: accepted by every API server and by the webhook, and fast to make. Names are checked against
# the SANs only; the common names stay short because X.509 limits them to 64 characters.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/ca.key" 2>/dev/null
openssl req -x509 -new -sha256 -days "$days" -key "$out/ca.key" -config "$work/openssl.cnf" -extensions ca \
  -subj "/O=k8s-image-replacer/CN=k8s-image-replacer CA $(date -u +%Y%m%dT%H%M%SZ)" -out "$out/ca.crt"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/tls.key" 2>/dev/null
openssl req -new -sha256 -key "$out/tls.key" -config "$work/openssl.cnf" \
  -subj "/O=k8s-image-replacer/CN=$service" -out "$work/tls.csr"
openssl x509 -req -sha256 -days "$days" -in "$work/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
  -set_serial "0x$(openssl rand -hex 16)" -extfile "$work/openssl.cnf" -extensions server -out "$out/tls.crt" 2>/dev/null
chmod 644 "$out/ca.crt" "$out/tls.crt"
openssl verify -CAfile "$out/ca.crt" "$out/tls.crt" >/dev/null || die "the new certificate does not verify against its CA"

b64() { base64 <"$1" | tr -d '\n\r'; }
manifest="$work/secret.yaml"
cat >"$manifest" <<SECRET
apiVersion: v1
kind: Secret
metadata:
  name: $secret
  namespace: $namespace
  labels:
    app.kubernetes.io/name: k8s-image-replacer
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$out/tls.crt")
  tls.key: $(b64 "$out/tls.key")
  ca.crt: $(b64 "$out/ca.crt")
SECRET

if $dry_run; then
  cat "$manifest"
  echo "certificate for ${names//DNS:/} written to $out (not applied: --dry-run)" >&2
  exit 0
fi

kubectl get namespace "$namespace" >/dev/null 2>&1 || kubectl create namespace "$namespace" >&2
kubectl apply -f "$manifest" >&2
echo "secret $namespace/$secret holds the certificate for ${names//DNS:/}" >&2
echo "next: dev/webhook-patch-ca-bundle.sh --namespace $namespace --secret $secret < dev/mutating-webhook-template.yaml | kubectl apply -f -" >&2
