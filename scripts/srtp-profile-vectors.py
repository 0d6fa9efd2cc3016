#!/usr/bin/env python3
"""SRTP/SRTCP packets for every DTLS-SRTP profile, computed from the RFCs.

An independent implementation (Python + pyca/cryptography AES, hashlib HMAC)
of RFC 3711 (AES-CM, HMAC-SHA1, KDF with kdr = 0, SRTCP index 1 with E=1)
and RFC 7714 (AES-GCM, 16-byte tags), used to pin the libcrypto backend in
Tests/SRTPTests/ProfileVectorTests.swift. It first reproduces libsrtp's own
srtp_driver packets (Vectors/libsrtp_validation.json: AES128_CM_HMAC_SHA1_80
and AEAD_AES_128_GCM), then prints the same RTP and RTCP plaintexts for
SRTP_AES128_CM_HMAC_SHA1_32 and SRTP_AEAD_AES_256_GCM, for which no
published packet-level vector exists. The printed packets were also
produced byte for byte by Debian's libsrtp2 2.5.0 on its built-in NSS
crypto (cross-checked when they were added).

    python3 scripts/srtp-profile-vectors.py
"""
import hashlib
import hmac
import json
import os
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def aes_ctr(key, iv16, data):
    e = Cipher(algorithms.AES(key), modes.CTR(iv16)).encryptor()
    return e.update(data) + e.finalize()


def kdf(master_key, master_salt, label, length):
    """RFC 3711 4.3.1 with kdr = 0; the salt is zero-padded to 14 bytes
    (RFC 7714 section 11: GCM's 12-byte master salt, as libsrtp does)."""
    salt = master_salt + bytes(14 - len(master_salt))
    x = bytearray(salt)
    x[7] ^= label  # key_id = label || r (r = 0, 48 bits), right-aligned
    return aes_ctr(master_key, bytes(x) + b"\x00\x00", bytes(length))


def session_keys(master_key, master_salt, rtcp, aead):
    base = 3 if rtcp else 0
    enc = kdf(master_key, master_salt, base + 0, len(master_key))
    salt = kdf(master_key, master_salt, base + 2, 12 if aead else 14)
    auth = None if aead else kdf(master_key, master_salt, base + 1, 20)
    return enc, salt, auth


def cm_iv(salt14, ssrc, index):
    v = int.from_bytes(salt14, "big") << 16
    v ^= ssrc << 64
    v ^= index << 16
    return v.to_bytes(16, "big")


def gcm_iv(salt12, ssrc, roc_or_zero, low):
    """RFC 7714 8.1 / 9.1: 00 00 || SSRC || ROC (or 00 00 || 0) || SEQ (or index)."""
    if low > 0xFFFF:  # SRTCP: 2 zero octets then the 31-bit index
        iv = bytes(2) + ssrc.to_bytes(4, "big") + bytes(2) + low.to_bytes(4, "big")
    else:
        iv = bytes(2) + ssrc.to_bytes(4, "big") + roc_or_zero.to_bytes(4, "big") + low.to_bytes(2, "big")
    return bytes(a ^ b for a, b in zip(iv, salt12))


def protect_rtp(profile, mk, ms, pkt):
    aead = profile in (7, 8)
    enc, salt, auth = session_keys(mk, ms, False, aead)
    seq = int.from_bytes(pkt[2:4], "big")
    ssrc = int.from_bytes(pkt[8:12], "big")
    hdr, payload = pkt[:12], pkt[12:]  # no CSRC, no extension
    roc = 0
    if aead:
        return hdr + AESGCM(enc).encrypt(gcm_iv(salt, ssrc, roc, seq), payload, hdr)
    body = hdr + aes_ctr(enc, cm_iv(salt, ssrc, (roc << 16) | seq), payload)
    tag = hmac.new(auth, body + roc.to_bytes(4, "big"), hashlib.sha1).digest()
    return body + tag[: 10 if profile == 1 else 4]


def protect_rtcp(profile, mk, ms, pkt, index=1):
    aead = profile in (7, 8)
    enc, salt, auth = session_keys(mk, ms, True, aead)
    ssrc = int.from_bytes(pkt[4:8], "big")
    hdr, payload = pkt[:8], pkt[8:]
    trailer = (0x80000000 | index).to_bytes(4, "big")  # E = 1
    if aead:
        iv = bytes(2) + ssrc.to_bytes(4, "big") + bytes(2) + index.to_bytes(4, "big")
        iv = bytes(a ^ b for a, b in zip(iv, salt))
        return hdr + AESGCM(enc).encrypt(iv, payload, hdr + trailer) + trailer
    body = hdr + aes_ctr(enc, cm_iv(salt, ssrc, index), payload) + trailer
    return body + hmac.new(auth, body, hashlib.sha1).digest()[:10]  # RTCP: 80-bit tag for both CM profiles


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "Vectors", "libsrtp_validation.json")) as f:
        cases = json.load(f)["cases"]
    checked = 0
    for c in cases:
        if c["profile"] not in (1, 7):
            continue
        mk, ms = bytes.fromhex(c["master_key"]), bytes.fromhex(c["master_salt"])
        pt = bytes.fromhex(c["plaintext"])
        f = protect_rtcp if c["packet_type"] == "rtcp" else protect_rtp
        got = f(c["profile"], mk, ms, pt).hex()
        if got != c["protected"]:
            sys.exit(f"{c['id']}: computed {got}, libsrtp {c['protected']}")
        checked += 1
    assert checked == 4
    print(f"reproduced {checked} libsrtp srtp_driver packets", file=sys.stderr)

    rtp = bytes.fromhex("800f1234decafbadcafebabe" + "ab" * 16)
    rtcp = bytes.fromhex("81c8000bcafebabe" + "ab" * 16)
    # AES-128: the master key and salt of libsrtp's srtp_validate; AES-256:
    # the AES-128-GCM vector's key extended to 32 bytes, with its salt.
    out = []
    k32 = bytes.fromhex("e1f97a0d3e018be0d64fa32c06de4139")
    s32 = bytes.fromhex("0ec675ad498afeebb6960b3aabe6")
    k256 = bytes(range(32))
    s256 = bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaab")
    for name, profile, mk, ms in (("SRTP_AES128_CM_HMAC_SHA1_32", 2, k32, s32),
                                  ("SRTP_AEAD_AES_256_GCM", 8, k256, s256)):
        out.append({"profile": name, "master_key": mk.hex(), "master_salt": ms.hex(),
                    "rtp": rtp.hex(), "srtp": protect_rtp(profile, mk, ms, rtp).hex(),
                    "rtcp": rtcp.hex(), "srtcp": protect_rtcp(profile, mk, ms, rtcp).hex()})
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
