#!/usr/bin/env bash
# Generates a lab PKI into DIR (default config/examples/certs): a CA and one
# certificate+key per device, for the RBS's mutually authenticated TLS.
# Idempotent: an existing, still-valid set is kept.
#   scripts/gen-certs.sh [DIR] [DEVICE ...]     (devices default: deviceA deviceB)
set -euo pipefail
dir=${1:-"$(cd "$(dirname "$0")/.." && pwd)/config/examples/certs"}
shift || true
devices=("$@")
[ ${#devices[@]} -gt 0 ] || devices=(deviceA deviceB)
mkdir -p "$dir"
cd "$dir"

valid() { [ -s "$1" ] && openssl x509 -in "$1" -noout -checkend 86400 >/dev/null 2>&1; }

if ! valid ca.pem || [ ! -s ca.key ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout ca.key -out ca.pem -days 3650 -subj "/O=warmgate lab/CN=warmgate lab CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  rm -f ./*.srl
  for d in "${devices[@]}"; do rm -f "$d.pem" "$d.key"; done
fi
for d in "${devices[@]}"; do
  if valid "$d.pem" && [ -s "$d.key" ] && openssl verify -CAfile ca.pem "$d.pem" >/dev/null 2>&1; then
    continue
  fi
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d.key" -out "$d.csr" -subj "/O=warmgate lab/CN=$d" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:%s\n' "$d" > "$d.ext"
  openssl x509 -req -in "$d.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out "$d.pem" -days 825 -extfile "$d.ext" 2>/dev/null
  rm -f "$d.csr" "$d.ext"
done
chmod 600 ./*.key
echo "certificates in $dir: ca.pem ${devices[*]/%/.pem}"
