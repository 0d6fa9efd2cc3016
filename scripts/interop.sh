#!/usr/bin/env bash
# Interop of the `dtls-srtp` command with OpenSSL and GnuTLS over real
# loopback UDP (127.0.0.1 only). Every process is bounded with `timeout`.
#   our client  -> openssl s_server   6 suites (+ SRTP profiles), KM compared, data both ways
#   s_client    -> our server --echo  6 suites, KM compared, echo, NSS key log lines equal
#   gnutls-cli  -> our server --echo  ECDHE-ECDSA/ECDHE-RSA/DHE-RSA x AES-128/256-GCM, AES128_CM_SHA1_80
#   our client  -> our server --echo  SRTP/SRTCP forwarded back, per suite
#   NSS 3.125 (nss-peer) <-> ours  DTLS 1.2 both roles, KM compared, data both ways; our DTLS 1.3 client -> NSS's
#                                  1.3 server per suite; a 1.3-only NSS client gets protocol_version from our 1.2 server
#   error lines: unknown suite, bad address, unreadable cert, fingerprint mismatch (alert)
# Prints one PASS/FAIL line per case and "N passed, M failed"; exits non-zero on any failure.
# Usage: scripts/interop.sh [path/to/dtls-srtp]   (KEEP=1 keeps the temp dir)
set -u
cd "$(dirname "$0")/.."
BIN="${1:-.build/debug/dtls-srtp}"
[ -x "$BIN" ] || { echo "no binary at $BIN (run swift build)"; echo "0 passed, 1 failed"; exit 1; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
for tool in openssl gnutls-cli; do command -v $tool >/dev/null || { echo "missing $tool (scripts/install-deps.sh)"; echo "0 passed, 1 failed"; exit 1; }; done
T=$(mktemp -d); PASS=0; FAIL=0
cleanup() { jobs -p | xargs -r kill 2>/dev/null; [ "${KEEP:-0}" = 1 ] && echo "logs in $T" || rm -rf "$T"; }
trap cleanup EXIT
report() { # name ok detail
  if [ "$2" = 1 ]; then PASS=$((PASS+1)); echo "PASS $1 $3"; else FAIL=$((FAIL+1)); echo "FAIL $1 $3"; fi; }
# Ports: a random base, one fresh port per case; a bind failure shows as FAIL.
PORT=$(( 20000 + (RANDOM % 20000) ))
nextport() { PORT=$((PORT+1)); while ss -uln 2>/dev/null | grep -q ":$PORT "; do PORT=$((PORT+1)); done; }
upper() { tr a-f A-F; }
field() { sed -n "s/^$1: //p" "$2" | head -1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/ec_key.pem" \
  -out "$T/ec_cert.pem" -days 30 -subj /CN=interop-ec 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/rsa_key.pem" -out "$T/rsa_cert.pem" -days 30 \
  -subj /CN=interop-rsa 2>/dev/null
# Our own identities, so each side can pin the other's fingerprint.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/our_ec_key.pem" \
  -out "$T/our_ec_cert.pem" -days 30 -subj /CN=ours-ec 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/our_rsa_key.pem" -out "$T/our_rsa_cert.pem" -days 30 \
  -subj /CN=ours-rsa 2>/dev/null

SUITES="ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 DHE-RSA-AES128-GCM-SHA256 DHE-RSA-AES256-GCM-SHA384"
ct() { case "$1" in *ECDSA*) echo ec;; *) echo rsa;; esac; }
kmlen() { case "$1" in SRTP_AEAD_AES_128_GCM) echo 56;; SRTP_AEAD_AES_256_GCM) echo 88;; *) echo 60;; esac; }

# ---- 1. our client -> openssl s_server
client_vs_s_server() { # suite profile [our certificate type: ec|rsa, default the suite's]
  local S=$1 P=$2 C; C=$(ct "$1"); local OC=${3:-$C}; nextport; local D="$T/c2s-$S-$P-$OC"; mkdir -p "$D"
  (sleep 1.5; echo hello-from-s_server; sleep 4) | timeout 12 openssl s_server -dtls1_2 -accept "127.0.0.1:$PORT" \
     -cert "$T/${C}_cert.pem" -key "$T/${C}_key.pem" -cipher "$S" -use_srtp "$P" -verify 1 \
     -keymatexport EXTRACTOR-dtls_srtp -keymatexportlen "$(kmlen "$P")" -naccept 1 >"$D/srv" 2>&1 &
  local SP=$!; sleep 0.4
  (echo hello-from-dtls-srtp; sleep 2.5) | timeout 10 "$BIN" client --connect "127.0.0.1:$PORT" \
     --cert "$T/our_${OC}_cert.pem" --key "$T/our_${OC}_key.pem" --cipher-suites "$S" --srtp-profiles "$P" \
     --peer-fingerprint "$("$BIN" fingerprint "$T/${C}_cert.pem")" >"$D/out" 2>"$D/err"
  local RC=$?; wait $SP
  local OKM; OKM=$(sed -n 's/^ *Keying material: //p' "$D/srv" | head -1); local KM; KM=$(field keying-material "$D/err" | upper)
  local ok=0
  [ $RC = 0 ] && [ -n "$KM" ] && [ "$KM" = "$OKM" ] && grep -q "^CIPHER is $S" "$D/srv" \
    && grep -q "profile=$P" "$D/srv" && grep -q hello-from-dtls-srtp "$D/srv" && grep -q hello-from-s_server "$D/out" \
    && [ "$(field extended-master-secret "$D/err")" = yes ] && ok=1
  report "client->openssl-s_server" $ok "$S $P (our certificate: $OC)"
  [ $ok = 1 ] || { sed 's/^/    /' "$D/err"; tail -5 "$D/srv" | sed 's/^/    srv: /'; }
}
for S in $SUITES; do client_vs_s_server "$S" SRTP_AEAD_AES_128_GCM; done
client_vs_s_server ECDHE-ECDSA-AES128-GCM-SHA256 SRTP_AES128_CM_SHA1_80
client_vs_s_server ECDHE-ECDSA-AES256-GCM-SHA384 SRTP_AEAD_AES_256_GCM
client_vs_s_server ECDHE-RSA-AES128-GCM-SHA256 SRTP_AES128_CM_SHA1_32
# A DTLS 1.2 suite names the server's key: our ECDSA client reaches an RSA
# server, our RSA client an ECDSA server (mutual authentication, -verify 1).
client_vs_s_server ECDHE-RSA-AES128-GCM-SHA256 SRTP_AEAD_AES_128_GCM ec
client_vs_s_server DHE-RSA-AES256-GCM-SHA384 SRTP_AEAD_AES_128_GCM ec
client_vs_s_server ECDHE-ECDSA-AES128-GCM-SHA256 SRTP_AEAD_AES_128_GCM rsa

# ---- 2. openssl s_client -> our server (echo, keylog)
s_client_vs_server() { # suite profile
  local S=$1 P=$2 C; C=$(ct "$1"); nextport; local D="$T/s2c-$S-$P"; mkdir -p "$D"
  timeout 12 "$BIN" server --listen "127.0.0.1:$PORT" --echo --once --cert "$T/our_${C}_cert.pem" \
     --key "$T/our_${C}_key.pem" --cipher-suites "$S" --srtp-profiles "$P" \
     --peer-fingerprint "$("$BIN" fingerprint "$T/${C}_cert.pem")" --keylog "$D/ours.keylog" >"$D/out" 2>"$D/err" &
  local SP=$!; sleep 0.4
  (sleep 1; echo hello-from-s_client; sleep 1) | timeout 10 openssl s_client -dtls1_2 -connect "127.0.0.1:$PORT" \
     -cert "$T/${C}_cert.pem" -key "$T/${C}_key.pem" -cipher "$S" -use_srtp "$P" \
     -keymatexport EXTRACTOR-dtls_srtp -keymatexportlen "$(kmlen "$P")" -keylogfile "$D/openssl.keylog" >"$D/cli" 2>&1
  wait $SP; local RC=$?
  local OKM; OKM=$(sed -n 's/^ *Keying material: //p' "$D/cli" | head -1); local KM; KM=$(field keying-material "$D/err" | upper)
  local ok=0
  [ $RC = 0 ] && [ -n "$KM" ] && [ "$KM" = "$OKM" ] && grep -q "Cipher *: $S" "$D/cli" \
    && grep -q "^Echo: hello-from-s_client" "$D/cli" && grep -q "^peer-stats: .*app-in=1 app-out=1" "$D/err" && ok=1
  report "openssl-s_client->server" $ok "$S $P"
  [ $ok = 1 ] || { sed 's/^/    /' "$D/err"; tail -5 "$D/cli" | sed 's/^/    cli: /'; }
  local kok=0 OL; OL=$(grep '^CLIENT_RANDOM' "$D/openssl.keylog" 2>/dev/null | head -1)
  [ -n "$OL" ] && [ "$OL" = "$(head -1 "$D/ours.keylog" 2>/dev/null)" ] && kok=1
  report "keylog-equal(s_client,server)" $kok "$S"
}
for S in $SUITES; do s_client_vs_server "$S" SRTP_AEAD_AES_128_GCM; done
s_client_vs_server ECDHE-ECDSA-AES128-GCM-SHA256 SRTP_AES128_CM_SHA1_80

# ---- 3. gnutls-cli -> our server (GnuTLS 3.7: AES-CM SRTP profiles only)
gnutls_vs_server() { # KX CIPHER
  local KX=$1 CI=$2 C; case "$KX" in ECDHE-ECDSA) C=ec;; *) C=rsa;; esac; nextport; local D="$T/g-$KX-$CI"; mkdir -p "$D"
  local PRIO="NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+$CI:-KX-ALL:+$KX:-GROUP-ALL:+GROUP-SECP256R1:+GROUP-FFDHE2048"
  timeout 12 "$BIN" server --listen "127.0.0.1:$PORT" --echo --once --idle-timeout 4 --cert "$T/our_${C}_cert.pem" \
     --key "$T/our_${C}_key.pem" --srtp-profiles SRTP_AES128_CM_SHA1_80 >"$D/out" 2>"$D/err" &
  local SP=$!; sleep 0.4
  (sleep 1; echo hello-from-gnutls; sleep 1) | timeout 8 gnutls-cli --udp -p "$PORT" 127.0.0.1 --insecure \
     --x509certfile "$T/${C}_cert.pem" --x509keyfile "$T/${C}_key.pem" --priority "$PRIO" \
     --srtp-profiles SRTP_AES128_CM_HMAC_SHA1_80 --keymatexport EXTRACTOR-dtls_srtp --keymatexportsize 60 >"$D/cli" 2>&1
  wait $SP
  local GKM; GKM=$(sed -n 's/^- Key material: //p' "$D/cli" | upper); local KM; KM=$(field keying-material "$D/err" | upper)
  local ok=0
  [ -n "$KM" ] && [ "$KM" = "$GKM" ] && grep -q "^Echo: hello-from-gnutls" "$D/cli" \
    && [ "$(field srtp-profile "$D/err")" = SRTP_AES128_CM_HMAC_SHA1_80 ] && ok=1
  report "gnutls-cli->server" $ok "$KX $CI ($(field cipher-suite "$D/err"))"
  [ $ok = 1 ] || { sed 's/^/    /' "$D/err"; tail -8 "$D/cli" | sed 's/^/    cli: /'; }
}
for KX in ECDHE-ECDSA ECDHE-RSA DHE-RSA; do for CI in AES-128-GCM AES-256-GCM; do gnutls_vs_server $KX $CI; done; done

# ---- 4. our client -> our server: SRTP/SRTCP through the SFU-style echo loop
self_pair() { # suite profile
  local S=$1 P=$2; nextport; local D="$T/self-$S-$P"; mkdir -p "$D"
  timeout 12 "$BIN" server --listen "127.0.0.1:$PORT" --echo --once >"$D/out" 2>"$D/err" &
  local SP=$!; sleep 0.3
  local ARGS=(); case "$S" in *RSA*) ARGS=(--cert "$T/our_rsa_cert.pem" --key "$T/our_rsa_key.pem");; esac
  if [ ${#ARGS[@]} -gt 0 ]; then kill $SP; wait $SP 2>/dev/null
    timeout 12 "$BIN" server --listen "127.0.0.1:$PORT" --echo --once "${ARGS[@]}" >"$D/out" 2>"$D/err" & SP=$!; sleep 0.3; fi
  echo ping | timeout 10 "$BIN" client --connect "127.0.0.1:$PORT" --cipher-suites "$S" --srtp-profiles "$P" \
     --rtp 300 "${ARGS[@]}" >"$D/cout" 2>"$D/cerr"
  local RC=$?; wait $SP; local SRC=$?
  local ok=0
  [ $RC = 0 ] && [ $SRC = 0 ] && grep -q "^rtp-echoed: 300/300 rtcp-echoed: 3/3" "$D/cerr" && grep -q "^Echo: ping" "$D/cout" \
    && [ "$(field keying-material "$D/err")" = "$(field keying-material "$D/cerr")" ] \
    && grep -q "^peer-stats: rtp-in=300 rtp-out=300 rtcp-in=3 rtcp-out=3 auth-failures=0 replays=0 app-in=1 app-out=1" "$D/err" && ok=1
  report "client->server(srtp-echo)" $ok "$S $P"
  [ $ok = 1 ] || { sed 's/^/    c: /' "$D/cerr"; sed 's/^/    s: /' "$D/err"; }
}
self_pair ECDHE-ECDSA-AES128-GCM-SHA256 SRTP_AEAD_AES_128_GCM
self_pair ECDHE-ECDSA-AES256-GCM-SHA384 SRTP_AEAD_AES_256_GCM
self_pair ECDHE-RSA-AES128-GCM-SHA256 SRTP_AES128_CM_SHA1_80
self_pair DHE-RSA-AES256-GCM-SHA384 SRTP_AES128_CM_SHA1_32

# ---- 5. NSS 3.125 (firefox-esr's libraries, through Tools/nss-peer): the DTLS 1.3
# reference, here as an independent DTLS 1.2 peer in both roles. NSS offers
# only the AES-CM SRTP profiles, and its 1.2 exporter fails with SHA-384
# suites, so the rows use SHA-256 suites and SRTP_AES128_CM_SHA1_80.
NSS_PEER="${NSS_PEER:-.build/nss-peer}"
if [ -x "$NSS_PEER" ]; then
  for k in ec rsa; do
    openssl x509 -in "$T/${k}_cert.pem" -outform DER -out "$T/$k.der"
    openssl pkcs8 -topk8 -nocrypt -in "$T/${k}_key.pem" -outform DER -out "$T/$k.pk8"
  done
  nss_client_vs_server() { # suite
    local S=$1 C; C=$(ct "$1"); nextport; local D="$T/nss2s-$S"; mkdir -p "$D"
    timeout 12 "$BIN" server --listen "127.0.0.1:$PORT" --echo --once --cert "$T/our_${C}_cert.pem" \
       --key "$T/our_${C}_key.pem" --cipher-suites "$S" --srtp-profiles SRTP_AES128_CM_SHA1_80 \
       --peer-fingerprint "$("$BIN" fingerprint "$T/${C}_cert.pem")" >"$D/out" 2>"$D/err" &
    local SP=$!; sleep 0.4
    timeout 10 "$NSS_PEER" --role client --connect-port "$PORT" --cert "$T/$C.der" --key "$T/$C.pk8" --versions 1.2 \
       --srtp --export-len 60 --send hello-from-nss >"$D/nss" 2>&1
    local RC=$?; wait $SP
    local KM NKM; KM=$(field keying-material "$D/err" | upper); NKM=$(sed -n 's/^exporter=//p' "$D/nss" | upper)
    local ok=0
    [ $RC = 0 ] && [ -n "$KM" ] && [ "$KM" = "$NKM" ] && grep -q "^connected version=0303" "$D/nss" \
      && grep -q "srtp=0001" "$D/nss" && grep -q "^received=Echo: hello-from-nss" "$D/nss" && ok=1
    report "nss-client->server" $ok "$S SRTP_AES128_CM_SHA1_80 ($(head -1 "$D/nss"))"
    [ $ok = 1 ] || { sed 's/^/    /' "$D/err"; sed 's/^/    nss: /' "$D/nss"; }
  }
  client_vs_nss_server() { # suite
    local S=$1 C; C=$(ct "$1"); nextport; local D="$T/c2nss-$S"; mkdir -p "$D"
    timeout 12 "$NSS_PEER" --role server --port "$PORT" --cert "$T/$C.der" --key "$T/$C.pk8" --versions 1.2 \
       --srtp --export-len 60 --send hello-from-nss >"$D/nss" 2>&1 &
    local NP=$!; sleep 0.4
    (echo hello-from-dtls-srtp; sleep 2) | timeout 10 "$BIN" client --connect "127.0.0.1:$PORT" \
       --cert "$T/our_${C}_cert.pem" --key "$T/our_${C}_key.pem" --cipher-suites "$S" --srtp-profiles SRTP_AES128_CM_SHA1_80 \
       --peer-fingerprint "$("$BIN" fingerprint "$T/${C}_cert.pem")" >"$D/out" 2>"$D/err"
    local RC=$?; wait $NP; local NRC=$?
    local KM NKM; KM=$(field keying-material "$D/err" | upper); NKM=$(sed -n 's/^exporter=//p' "$D/nss" | upper)
    local ok=0
    [ $RC = 0 ] && [ $NRC = 0 ] && [ -n "$KM" ] && [ "$KM" = "$NKM" ] && grep -q "^connected version=0303" "$D/nss" \
      && grep -q "^received=hello-from-dtls-srtp" "$D/nss" && grep -q hello-from-nss "$D/out" && ok=1
    report "client->nss-server" $ok "$S SRTP_AES128_CM_SHA1_80 ($(head -1 "$D/nss"))"
    [ $ok = 1 ] || { sed 's/^/    /' "$D/err"; sed 's/^/    nss: /' "$D/nss"; }
  }
  for S in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-RSA-AES128-GCM-SHA256; do
    nss_client_vs_server "$S"; client_vs_nss_server "$S"
  done
  # DTLS 1.3 (RFC 9147): our client (the whole stack: handler, endpoint,
  # engine) against NSS's 1.3 server, each AES-GCM suite.
  client13_vs_nss_server() { # NSS suite code
    local N=$1; nextport; local D="$T/c13nss-$N"; mkdir -p "$D"
    timeout 12 "$NSS_PEER" --role server --port "$PORT" --cert "$T/ec.der" --key "$T/ec.pk8" --versions 1.3 \
       --srtp --export-len 60 --send hello-from-nss --tls13-suite "$N" >"$D/nss" 2>&1 &
    local NP=$!; sleep 0.4
    (echo hello-from-dtls-srtp; sleep 1.5) | timeout 10 "$BIN" client --connect "127.0.0.1:$PORT" --dtls-versions 1.3 \
       --cert "$T/our_ec_cert.pem" --key "$T/our_ec_key.pem" --srtp-profiles SRTP_AES128_CM_SHA1_80 \
       --peer-fingerprint "$("$BIN" fingerprint "$T/ec_cert.pem")" >"$D/out" 2>"$D/err"
    local RC=$?; wait $NP; local NRC=$?
    local KM NKM; KM=$(field keying-material "$D/err" | upper); NKM=$(sed -n 's/^exporter=//p' "$D/nss" | upper)
    local ok=0
    [ $RC = 0 ] && [ $NRC = 0 ] && [ -n "$KM" ] && [ "$KM" = "$NKM" ] && grep -q "^connected version=0304 cipher=$N group=x25519mlkem768" "$D/nss" \
      && [ "$(field group "$D/err")" = X25519MLKEM768 ] \
      && [ "$(field dtls-version "$D/err")" = 1.3 ] && grep -q "^received=hello-from-dtls-srtp" "$D/nss" && grep -q hello-from-nss "$D/out" && ok=1
    report "client-dtls13->nss-server" $ok "$(field cipher-suite "$D/err") $(field group "$D/err") ($(head -1 "$D/nss"))"
    [ $ok = 1 ] || { sed 's/^/    /' "$D/err"; sed 's/^/    nss: /' "$D/nss"; }
  }
  client13_vs_nss_server 1301
  client13_vs_nss_server 1302
  # Our server with its defaults (DTLS 1.3 and 1.2 on one socket): NSS's
  # 1.3 client sends only an X25519MLKEM768 share, which the server takes
  # after the stateless front door's HelloRetryRequest (cookie only).
  nss13_client_vs_server() { # NSS suite code
    local N=$1; nextport; local D="$T/nss13s-$N"; mkdir -p "$D"
    timeout 12 "$BIN" server --listen "127.0.0.1:$PORT" --echo --once --cert "$T/our_ec_cert.pem" \
       --key "$T/our_ec_key.pem" --srtp-profiles SRTP_AES128_CM_SHA1_80 \
       --peer-fingerprint "$("$BIN" fingerprint "$T/ec_cert.pem")" >"$D/out" 2>"$D/err" &
    local SP=$!; sleep 0.4
    timeout 10 "$NSS_PEER" --role client --connect-port "$PORT" --cert "$T/ec.der" --key "$T/ec.pk8" --versions 1.2,1.3 \
       --srtp --export-len 60 --send hello-from-nss --tls13-suite "$N" >"$D/nss" 2>&1
    local RC=$?; wait $SP
    local KM NKM; KM=$(field keying-material "$D/err" | upper); NKM=$(sed -n 's/^exporter=//p' "$D/nss" | upper)
    local ok=0
    [ $RC = 0 ] && [ -n "$KM" ] && [ "$KM" = "$NKM" ] && grep -q "^connected version=0304 cipher=$N group=x25519mlkem768 " "$D/nss" \
      && [ "$(field group "$D/err")" = X25519MLKEM768 ] \
      && [ "$(field dtls-version "$D/err")" = 1.3 ] && grep -q "^received=Echo: hello-from-nss" "$D/nss" && ok=1
    report "nss-client(1.3,1.2)->server(default)" $ok "$(field cipher-suite "$D/err") ($(head -1 "$D/nss"))"
    [ $ok = 1 ] || { sed 's/^/    /' "$D/err"; sed 's/^/    nss: /' "$D/nss"; }
  }
  nss13_client_vs_server 1301
  nss13_client_vs_server 1303
  # Our client with its defaults (both versions in one ClientHello) at an
  # NSS server that speaks both: 1.3.
  nextport; D="$T/c-nss-both"; mkdir -p "$D"
  timeout 12 "$NSS_PEER" --role server --port "$PORT" --cert "$T/ec.der" --key "$T/ec.pk8" --versions 1.2,1.3 \
     --srtp --export-len 60 --send hello-from-nss >"$D/nss" 2>&1 &
  NP=$!; sleep 0.4
  (echo hello-from-dtls-srtp; sleep 1.5) | timeout 10 "$BIN" client --connect "127.0.0.1:$PORT" \
     --cert "$T/our_ec_cert.pem" --key "$T/our_ec_key.pem" --srtp-profiles SRTP_AES128_CM_SHA1_80 \
     --peer-fingerprint "$("$BIN" fingerprint "$T/ec_cert.pem")" >"$D/out" 2>"$D/err"
  RC=$?; wait $NP; NRC=$?
  KM=$(field keying-material "$D/err" | upper); NKM=$(sed -n 's/^exporter=//p' "$D/nss" | upper)
  ok=0
  [ $RC = 0 ] && [ $NRC = 0 ] && [ -n "$KM" ] && [ "$KM" = "$NKM" ] && grep -q "^connected version=0304" "$D/nss" \
    && [ "$(field dtls-version "$D/err")" = 1.3 ] && grep -q hello-from-nss "$D/out" && ok=1
  report "client(default)->nss-server(1.2,1.3)" $ok "$(field dtls-version "$D/err") ($(head -1 "$D/nss"))"
  [ $ok = 1 ] || { sed 's/^/    /' "$D/err"; sed 's/^/    nss: /' "$D/nss"; }
  # A DTLS 1.3-only NSS client at our 1.2 server: protocol_version, not
  # "no cipher suite in common".
  nextport; D="$T/nss13-only"; mkdir -p "$D"
  timeout 8 "$BIN" server --listen "127.0.0.1:$PORT" --once --cert "$T/our_ec_cert.pem" --key "$T/our_ec_key.pem" \
     --dtls-versions 1.2 --peer-fingerprint "$("$BIN" fingerprint "$T/ec_cert.pem")" >"$D/out" 2>"$D/err" &
  SP=$!; sleep 0.4
  timeout 6 "$NSS_PEER" --role client --connect-port "$PORT" --cert "$T/ec.der" --key "$T/ec.pk8" --versions 1.3 \
     --timeout-ms 3000 >"$D/nss" 2>&1
  NRC=$?; wait $SP 2>/dev/null
  ok=0; [ $NRC != 0 ] && grep -q "SSL_ERROR_PROTOCOL_VERSION_ALERT" "$D/nss" && grep -q "protocol_version\|protocolVersion" "$D/err" && ok=1
  report "nss-1.3-only-client->1.2-server" $ok "$(grep -o 'SSL_ERROR_[A-Z_]*' "$D/nss" | head -1)"
  [ $ok = 1 ] || { sed 's/^/    /' "$D/err"; sed 's/^/    nss: /' "$D/nss"; }
else
  FAIL=$((FAIL+1)); echo "FAIL nss: no $NSS_PEER (make nss-peer builds it)"
fi

# ---- 6. errors: one line on stderr, non-zero exit
err_case() { # name expected-regex cmd...
  local name=$1 re=$2; shift 2
  timeout 15 "$@" >"$T/eout" 2>"$T/eerr" </dev/null; local RC=$?
  local ok=0; [ $RC != 0 ] && grep -qE "$re" "$T/eerr" && [ "$(grep -c '^error:' "$T/eerr")" = 1 ] && ok=1
  report "error:$name" $ok "rc=$RC $(grep '^error:' "$T/eerr" | head -1)"
}
err_case unknown-suite "unknown cipher suite 'NOPE'" "$BIN" client --connect 127.0.0.1:9 --cipher-suites NOPE
err_case bad-address "bad address" "$BIN" server --listen nonsense
err_case unreadable-cert "cannot read certificate" "$BIN" server --listen 127.0.0.1:0 --cert "$T/missing.pem" --key "$T/missing.pem"
nextport
timeout 10 "$BIN" server --listen "127.0.0.1:$PORT" --once --peer-fingerprint "sha-256 $(printf '00:%.0s' $(seq 31))00" >/dev/null 2>"$T/fperr" &
SP=$!; sleep 0.3
# DTLS 1.3 (the default): the client is connected once it sent its
# Finished, and learns of the server's verdict from the alert after it.
err_case fingerprint-mismatch "handshake failed.*alert|connection ended.*bad_certificate" "$BIN" client --connect "127.0.0.1:$PORT" --handshake-timeout 5
wait $SP; SRC=$?
# --rtp against a server that does not echo: the summary says packets are
# missing, and so must the exit code.
nextport
timeout 10 "$BIN" server --listen "127.0.0.1:$PORT" --once >/dev/null 2>"$T/noecho" &
NP=$!; sleep 0.3
err_case rtp-missing "not every RTP/RTCP packet came back" "$BIN" client --connect "127.0.0.1:$PORT" --rtp 20 --media-timeout 2
grep -q "^rtp-echoed: timeout\|^rtp-echoed: 0/20" "$T/eerr" || { FAIL=$((FAIL+1)); echo "FAIL error:rtp-missing summary line"; sed 's/^/    /' "$T/eerr"; }
wait $NP 2>/dev/null
ok=0; [ $SRC != 0 ] && grep -q "certificateRejected, alert bad_certificate\|bad_certificate\|badCertificate" "$T/fperr" && ok=1
report "error:server-rejects-fingerprint" $ok "rc=$SRC $(grep '^error:' "$T/fperr" | head -1)"

echo "$PASS passed, $FAIL failed"
[ $FAIL = 0 ]
