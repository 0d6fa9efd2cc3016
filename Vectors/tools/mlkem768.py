"""Builds Vectors/mlkem768.json.

Known answers (op keygen, decaps): the first four tests of the C2SP/CCTV
"accumulated" ML-KEM stream (d, z, m and an invalid ciphertext drawn in
that order from SHAKE-128 of the empty string), with ek, the ciphertext,
the shared secret and the implicit-rejection secret computed by kyber-py
1.2.0 (PyPI), a pure-Python FIPS 203 (final) implementation independent of
BoringSSL. CCTV's own published values (intermediate, unlucky, the
accumulated hash) target FIPS 203 ipd, which lacks the final standard's
domain separation in K-PKE.KeyGen, so they cannot be used as they are; the
NIST ACVP-Server JSON files read here did not pair up across versions.

Negative cases (op invalid_eks): C2SP/CCTV ML-KEM/modulus/ML-KEM-768.txt.gz
@ 6ec11f7d, 780 encapsulation keys that fail the modulus check (unchanged
from ipd to final). They differ from one shared key in one or two bytes
each, so they are stored as that key plus byte patches (offset, value); the
shared key itself passes the check (op valid_ek, a positive control).

The recorded ClientHello (op client_hello_shares) is the one NSS 3.125
(firefox-esr's libraries, Firefox's DTLS stack) sent: `nss-peer --role
client --versions 1.3 --srtp --groups 11ec,001d --key-shares 2`, as a JSON
list of hex datagrams (recorded 2026-12-01).

usage: mlkem768.py CCTV_ML-KEM_DIR NSS_CLIENTHELLO_JSON > Vectors/mlkem768.json
"""
import gzip, json, sys
from collections import Counter

def kv(path):
    out = {}
    for line in open(path):
        if " = " in line:
            key, value = line.rstrip("\n").split(" = ", 1)
            out.setdefault(key.strip(), value.strip())
    return out

import hashlib
from kyber_py.ml_kem import ML_KEM_768
cctv, nss = sys.argv[1], sys.argv[2]
cases = []
stream = hashlib.shake_128(b"").digest(4 * (32 + 32 + 32 + 1088))
pos = 0
def take(n):
    global pos
    out = stream[pos:pos + n]
    pos += n
    return out
for i in range(4):
    d, z, m, bad = take(32), take(32), take(32), take(1088)
    ek, dk = ML_KEM_768._keygen_internal(d, z)
    k, ct = ML_KEM_768._encaps_internal(ek, m)
    assert ML_KEM_768.decaps(dk, ct) == k
    rejected = ML_KEM_768.decaps(dk, bad)
    src = f"derived: C2SP/CCTV accumulated ML-KEM stream, test {i}; values from kyber-py 1.2.0 (FIPS 203)"
    cases.append({"id": f"accumulated-{i}-keygen", "source": src, "op": "keygen", "seed": (d + z).hex(), "ek": ek.hex()})
    cases.append({"id": f"accumulated-{i}-decaps", "source": src, "op": "decaps", "seed": (d + z).hex(), "ciphertext": ct.hex(),
                  "shared_secret": k.hex(), "invalid_ciphertext": bad.hex(), "rejection_secret": rejected.hex()})
keys = [bytes.fromhex(l.strip()) for l in gzip.open(f"{cctv}/modulus/ML-KEM-768.txt.gz", "rt") if l.strip()]
base = bytes(Counter(k[i] for k in keys).most_common(1)[0][0] for i in range(len(keys[0])))
patches = [[[i, k[i]] for i in range(len(k)) if k[i] != base[i]] for k in keys]
cases.append({"id": "cctv-modulus-base", "source": "derived: the byte-wise majority of C2SP/CCTV ML-KEM/modulus/ML-KEM-768.txt.gz",
              "op": "valid_ek", "ek": base.hex()})
cases.append({"id": "cctv-modulus-780", "source": "C2SP/CCTV ML-KEM/modulus/ML-KEM-768.txt.gz @ 6ec11f7d (780 keys)",
              "op": "invalid_eks", "base": base.hex(), "patches": patches})
cases.append({"id": "nss-3.125-clienthello-x25519mlkem768",
              "source": "recorded: NSS 3.125 (firefox-esr 153's libraries) DTLS 1.3 ClientHello, groups 11ec,001d, two key shares",
              "op": "client_hello_shares", "datagrams": json.load(open(nss))})
print(json.dumps({
    "format": "dtls-srtp-conformance/1", "kind": "mlkem768",
    "title": "ML-KEM-768 (FIPS 203): key generation from a seed, decapsulation, implicit rejection, the encapsulation key check",
    "source": "C2SP/CCTV ML-KEM (accumulated stream inputs, modulus); kyber-py 1.2.0 (FIPS 203) for the known answers; a recorded NSS 3.125 ClientHello",
    "code_path": "DTLSCrypto.MLKEM768KeyPair(seed:), .encapsulationKey, .decapsulate; MLKEM768KeyPair.encapsulate(to:); DTLS.ClientHelloCollector and HybridGroup.respond for the recorded ClientHello",
    "notes": ["seed = d || z (64 bytes), the FIPS 203 ML-KEM.KeyGen_internal inputs",
              "decaps cases also open a random ciphertext: the result must be the vector's rejection secret, J(z || c) = SHAKE256(z || c, 32) (implicit rejection)",
              "encapsulation is randomized in swift-crypto's API (no way to inject m), so it is checked by round trip against the vector's key",
              "client_hello_shares: the X25519MLKEM768 share is 1184 + 32 bytes, its encapsulation key passes FIPS 203's check, its last 32 bytes are the X25519 share sent beside it (NSS reuses the key), and our server answers it with 1088 + 32 bytes"],
    "cases": cases}, indent=1))
