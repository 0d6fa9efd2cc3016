#!/usr/bin/env bash
# Installs the Debian packages this project needs, only when one is missing.
# Used by `make demo`, `make test` and .ci/run, so a fresh Debian 12 machine works.
set -euo pipefail
# libnss3-dev/libnspr4-dev: headers of Tools/nss-peer; firefox-esr: the NSS 3.125
# libraries it runs on (the DTLS 1.3 reference; Debian's libnss3 is 3.87).
PKGS=(libssl-dev libsrtp2-dev zlib1g-dev pkg-config openssl gnutls-bin libnss3-dev libnspr4-dev firefox-esr)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
