#!/usr/bin/env python3
"""Converts the raw facts in Tests/Fixtures/vectors-raw (see its README for the
sources and how each file was cross-checked) into the documented
Vectors/ format (see Vectors/README.md). Data only: nothing here generates code.

    python3 Vectors/tools/convert.py [RAW_DIR]

Every derived value (the SRTP_AES128_CM_HMAC_SHA1_32 exporter split, the
RFC 7714 AEAD inputs cut out of the RFC packets) is re-checked here with
Python's hmac / pyca cryptography before it is written.
"""
import hmac, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
RAW = sys.argv[1] if len(sys.argv) > 1 else os.path.join(OUT, "..", "Tests", "Fixtures", "vectors-raw")
FORMAT = "dtls-srtp-conformance/1"


def raw(name):
    with open(os.path.join(RAW, name)) as f:
        return json.load(f)


def write(name, kind, title, source, code_path, cases, notes=()):
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), f"duplicate ids in {name}"
    doc = {"format": FORMAT, "kind": kind, "title": title, "source": source,
           "code_path": code_path, "notes": list(notes), "cases": cases}
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    skipped = sum(1 for c in cases if "skip" in c)
    print(f"{name}: {len(cases)} cases ({skipped} marked skip)")


def p_hash(h, secret, seed, n):
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, h).digest()
        out += hmac.new(secret, a + seed, h).digest()
    return out[:n]


H = bytes.fromhex

# ---------------------------------------------------------------- TLS PRF
prf = raw("tls12_prf.json")
cases = []
for r in prf["ietf_list_vectors"]:
    c = {"id": f"ietf-test-label-{r['hash']}", "source": "IETF TLS WG list msg03416 via randombit/botan src/tests/data/kdf/tls_prf.vec",
         "hash": r["hash"], "secret": r["secret"], "label": r["label_ascii"], "seed": r["seed"], "output": r["output"]}
    if r["hash"] == "sha224":
        c["skip"] = "unsupported: DTLSCrypto.HashAlgorithm has no SHA-224 (no TLS 1.2 suite the engine offers uses it)"
    cases.append(c)
for r in prf["openssl_nist_vectors"]:
    slug = r["label_ascii"].replace(" ", "-")
    cases.append({"id": f"nist-{slug}-{r['hash']}", "source": "openssl test/recipes/30-test_evp_data/evpkdf_tls12_prf.txt (NIST) commit 32b43b91",
                  "hash": r["hash"], "secret": r["secret"], "label": r["label_ascii"], "seed": r["seed"], "output": r["output"]})
ems = raw("tls12_ems_exporter.json")
for i, r in enumerate(ems["ems_label_prf_openssl"]):
    cases.append({"id": f"openssl-ems-label-{r['hash']}-{i}", "source": "openssl test/recipes/30-test_evp_data/evpkdf_tls12_prf.txt commit 32b43b91",
                  "hash": r["hash"], "secret": r["secret"], "label": r["label_ascii"], "seed": r["seed"], "output": r["output"]})
ill = raw("tls12_illustrated_handshake_pion.json")
cases.append({"id": "illustrated-tls12-master-secret", "source": "pion/dtls pkg/crypto/prf/prf_test.go TestMasterSecret (The Illustrated TLS 1.2 Connection)",
              "hash": "sha256", "secret": ill["x25519"]["pre_master_secret"], "label": "master secret",
              "seed": ill["client_random"] + ill["server_random"], "output": ill["master_secret"]})
for c in cases:
    if "skip" not in c:
        h = c["hash"]
        assert p_hash(h, H(c["secret"]), c["label"].encode() + H(c["seed"]), len(H(c["output"]))) == H(c["output"]), c["id"]
write("tls12_prf.json", "tls12-prf",
      "TLS 1.2 PRF (RFC 5246 section 5) with P_SHA256/384/512 (P_SHA224 recorded, unsupported)",
      "RFC 5246 section 5; " + prf["source"],
      "DTLSCrypto.TLSPRF.derive(_:secret:label:seed:count:)", cases,
      ["label is ASCII; secret, seed and output are hex.",
       "The engine has no non-EMS master secret function, so the classic 'master secret' rows run through TLSPRF directly."])

# ---------------------------------------------------------------- key schedule
cases = []
for r in ems["ems_acvp"]:
    src = f"usnistgov/ACVP-Server TLS-v1.2-KDF-RFC7627 internalProjection.json tcId {r['acvp_tcId']}"
    cases.append({"id": f"acvp-rfc7627-tc{r['acvp_tcId']}-{r['hash']}-ems", "source": src, "op": "extended_master_secret",
                  "hash": r["hash"], "pre_master_secret": r["pre_master_secret"], "session_hash": r["session_hash"],
                  "master_secret": r["master_secret"]})
    for key_length in (16, 32):
        n = 2 * key_length + 8
        cases.append({"id": f"acvp-rfc7627-tc{r['acvp_tcId']}-{r['hash']}-key-block-k{key_length}", "source": src, "op": "key_block",
                      "hash": r["hash"], "master_secret": r["master_secret"], "client_random": r["client_random"],
                      "server_random": r["server_random"], "key_length": key_length,
                      "key_block_prefix": r["key_block_128_bytes"][:2 * n]})
nist_kx = prf["openssl_nist_vectors"][1]
assert nist_kx["label_ascii"] == "key expansion"
for key_length in (16, 32):
    n = 2 * key_length + 8
    cases.append({"id": f"nist-key-expansion-k{key_length}", "source": "openssl evpkdf_tls12_prf.txt (NIST) commit 32b43b91; seed = server_random || client_random",
                  "op": "key_block", "hash": "sha256", "master_secret": nist_kx["secret"],
                  "server_random": nist_kx["seed"][:64], "client_random": nist_kx["seed"][64:], "key_length": key_length,
                  "key_block_prefix": nist_kx["output"][:2 * n]})
kb = ill["key_block_first_40_bytes"]
src = "pion/dtls pkg/crypto/prf/prf_test.go commit 66a28794 (The Illustrated TLS 1.2 Connection, tls12.xargs.org)"
cases.append({"id": "illustrated-x25519-pre-master-secret", "source": src, "op": "x25519",
              "private_key": ill["x25519"]["client_private_key"], "peer_public_key": ill["x25519"]["server_public_key"],
              "shared_secret": ill["x25519"]["pre_master_secret"]})
cases.append({"id": "illustrated-key-block", "source": src, "op": "key_block", "hash": "sha256",
              "master_secret": ill["master_secret"], "client_random": ill["client_random"], "server_random": ill["server_random"],
              "key_length": 16, "key_block_prefix": kb["client_write_key"] + kb["server_write_key"] + kb["client_write_iv"] + kb["server_write_iv"]})
hm = ill["handshake_messages"]
order = ["clientHello", "serverHello", "serverCertificate", "serverKeyExchange", "serverHelloDone", "clientKeyExchange"]
cases.append({"id": "illustrated-transcript-hash", "source": src, "op": "transcript_hash", "hash": "sha256",
              "messages": [hm[k] for k in order], "transcript_hash": ill["handshake_hash_sha256"]})
cases.append({"id": "illustrated-client-finished", "source": src, "op": "finished", "hash": "sha256", "client": True,
              "master_secret": ill["master_secret"], "transcript_hash": ill["handshake_hash_sha256"],
              "verify_data": ill["client_finished_verify_data"]})
write("tls12_key_schedule.json", "tls12-key-schedule",
      "TLS 1.2 key schedule: RFC 7627 extended master secret, key_block (RFC 5246 6.3) in the AEAD layout, Finished, X25519 pre-master secret",
      ems["source"]["ems"] + "; " + prf["source"] + "; " + ill["source"],
      "DTLS.KeySchedule.extendedMasterSecret / trafficKeys / finished; DTLSCrypto.ECDHPrivateKey(.x25519) + sharedSecret; DTLSCrypto.Digest.hash",
      cases,
      ["op=key_block compares KeySchedule.trafficKeys (client key | server key | client salt | server salt, 2*key_length+8 bytes) "
       "with the first bytes of the published key_block.",
       "op=transcript_hash hashes the concatenation of the TLS-form handshake messages (type || uint24 length || body)."])

# ---------------------------------------------------------------- exporter
cases = []
pe = ems["exporter_pion_dtls"]
for client, server, exp, view in ((pe["remote_random_when_server"], pe["local_random_when_server"], pe["expected_server_view"], "server-view"),
                                  (pe["local_random_when_server"], pe["remote_random_when_server"], pe["expected_client_view"], "client-view")):
    cases.append({"id": f"pion-export-keying-material-{view}", "source": ems["source"]["exporter_pion"], "op": "export",
                  "hash": "sha256", "master_secret": pe["master_secret"], "client_random": client, "server_random": server,
                  "label": pe["label"], "length": pe["length"], "keying_material": exp})
d = ems["dtls_srtp_exporter_derived"]
rows = list(d["profiles"])
# SRTP_AES128_CM_HMAC_SHA1_32 has the same key/salt sizes as _80: same 60 exporter bytes (derived here).
r80 = next(r for r in rows if "(0x0001)" in r["profile"])
rows.append(dict(r80, profile="SRTP_AES128_CM_HMAC_SHA1_32 (0x0002)"))
for r in rows:
    code = int(r["profile"].split("(0x")[1].rstrip(")"), 16)
    km = p_hash("sha256", H(d["master_secret"]), d["label"].encode() + H(d["client_random"] + d["server_random"]), r["length"])
    assert km.hex() == r["keying_material"], r["profile"]
    cases.append({"id": f"derived-exporter-split-{code:04x}", "source": "derived: computed here (python hmac PRF) from ACVP RFC7627 tcId 1 master secret and randoms; layout RFC 5764 section 4.2",
                  "op": "srtp_split", "profile": code, "hash": "sha256", "master_secret": d["master_secret"],
                  "client_random": d["client_random"], "server_random": d["server_random"], "label": d["label"],
                  "length": r["length"], "keying_material": r["keying_material"],
                  "client_write_master_key": r["client_write_SRTP_master_key"], "server_write_master_key": r["server_write_SRTP_master_key"],
                  "client_write_master_salt": r["client_write_SRTP_master_salt"], "server_write_master_salt": r["server_write_SRTP_master_salt"]})
write("rfc5705_rfc5764_exporter.json", "dtls-srtp-exporter",
      "RFC 5705 exporter (EXTRACTOR-dtls_srtp) and the RFC 5764 section 4.2 keying-material split for every SRTP profile",
      "RFC 5705 section 4, RFC 5764 section 4.2; " + ems["source"]["exporter_pion"] + "; " + ems["source"]["exporter_derived"],
      "DTLS.KeySchedule.export; DTLS.SRTPProtectionProfile.keyingMaterialLength; SRTP.SRTPProfile.keyingMaterialLength; "
      "SRTP.SRTPKeyingMaterial(profile:exportedKeyingMaterial:); SRTP.SRTPTransport(profile:exportedKeyingMaterial:isClient:)",
      cases,
      ["No published exporter KAT with a realistic master secret exists (see the raw README): the srtp_split rows are derived "
       "(computed here with Python hmac) and have no independent check; the pion rows are an independent KAT with an empty master secret.",
       "The 0x0002 row reuses the 0x0001 exporter output: both profiles have 16-byte keys and 14-byte salts."])

# ---------------------------------------------------------------- RFC 3711 B.2/B.3 + ACVP
k = raw("rfc3711_srtp_aescm_kdf.json")
lib = raw("libsrtp_srtp_driver_validate.json")
cases = []
b2 = k["rfc3711_B2_aes_cm_keystream"]
for b in b2["blocks"]:
    cases.append({"id": f"rfc3711-B.2-keystream-{b['counter_block'][-4:]}", "source": "RFC 3711 Appendix B.2",
                  "op": "aes_cm_keystream_block", "session_key": b2["session_key"], "counter_block": b["counter_block"],
                  "keystream_block": b["keystream_block"],
                  "skip": "no public path: the project exposes no AES-CM keystream (libsrtp's cipher is internal to SRTPSession, which only takes master keys)"})
b3 = k["rfc3711_B3_key_derivation"]
v0 = lib["vectors"][0]
assert v0["master_key"] == b3["master_key"] and v0["master_salt"] == b3["master_salt"]
di = v0["derived_intermediates"]
assert di["session_key"] == b3["derived"]["cipher_key"]["expected"]
assert di["session_salt"] == b3["derived"]["cipher_salt"]["expected"]
assert di["session_auth_key"] == b3["derived"]["auth_key_20"]["expected"]
cases.append({"id": "rfc3711-B.3-kdf-via-srtp-session", "source": "RFC 3711 Appendix B.3 (keys); packet: cisco/libsrtp test/srtp_driver.c srtp_validate() commit 9073dfe9",
              "op": "kdf_via_srtp_packet", "profile": 1, "packet_type": "rtp",
              "master_key": b3["master_key"], "master_salt": b3["master_salt"],
              "cipher_key": b3["derived"]["cipher_key"]["expected"], "cipher_salt": b3["derived"]["cipher_salt"]["expected"],
              "auth_key": b3["derived"]["auth_key_20"]["expected"],
              "plaintext": v0["plaintext"], "protected": v0["protected"],
              "note": "indirect: SRTPSession is keyed with the B.3 master key/salt; libsrtp derives the session keys itself. "
                      "The expected packet was re-computed in Python from exactly the B.3 cipher key, salt and 20-byte auth key, "
                      "so a wrong derived key, salt or auth key changes the packet. The session keys themselves are not observable."})
cases.append({"id": "rfc3711-B.3-auth-key-94-bytes", "source": "RFC 3711 Appendix B.3", "op": "kdf_output",
              "master_key": b3["master_key"], "master_salt": b3["master_salt"], "label": 1, "length": 94,
              "expected": b3["derived"]["auth_key_94"]["expected"],
              "skip": "no public path: a 94-byte auth key is never derived by any supported profile (HMAC-SHA1 uses 20 bytes) and the KDF is internal to libsrtp"})
for i, r in enumerate(k["acvp_srtp_kdf_nonzero_kdr"]["rows"]):
    cases.append({"id": f"acvp-srtp-kdf-{i:02d}-label{r['label']}", "source": "openssl evpkdf_srtp.txt (usnistgov/ACVP-Server kdf-components-srtp-1.0)",
                  "op": "kdf_output", "master_key": r["master_key"], "master_salt": r["master_salt"], "kdr": r["kdr"],
                  "index": r["index"], "label": r["label"], "expected": r["expected"],
                  "skip": "not applicable: key derivation rate != 0, which DTLS-SRTP never uses (RFC 5764 4.1.2), and the KDF has no public entry point"})
write("rfc3711_srtp_kdf.json", "srtp-kdf",
      "RFC 3711 B.2 AES-CM keystream and B.3 key derivation; NIST ACVP SRTP-KDF rows",
      k["source"],
      "SRTP.SRTPSession(profile:masterKey:masterSalt:direction:).protectRTP/unprotectRTP (B.3, indirectly); the rest has no public path",
      cases,
      ["B.2 and the raw KDF rows need a public KDF / keystream entry point; they are kept as data and reported as skipped."])

# ---------------------------------------------------------------- libsrtp packets
cases = []
for v in lib["vectors"]:
    name = v["name"]
    short = name.split(" (")[0]
    packet_type = "rtcp" if "RTCP" in name else "rtp"
    profile = {"aes_cm_128_hmac_sha1_80": 1, "aead_aes_128_gcm": 7}.get(short)
    c = {"id": f"libsrtp-{short}-{packet_type}", "source": "cisco/libsrtp test/srtp_driver.c commit 9073dfe9: " + name,
         "profile": profile, "packet_type": packet_type, "master_key": v["master_key"], "master_salt": v["master_salt"],
         "plaintext": v["plaintext"], "protected": v["protected"]}
    if profile is None:
        c["skip"] = f"unsupported: {short} is not a DTLS-SRTP protection profile (IANA registry), so SRTPProfile cannot express it"
    cases.append(c)
write("libsrtp_validation.json", "srtp-packet",
      "libsrtp srtp_driver known-answer SRTP/SRTCP packets",
      lib["source"],
      "SRTP.SRTPSession protectRTP/unprotectRTP/protectRTCP/unprotectRTCP (outbound and inbound sessions, replay window 128)",
      cases,
      ["profile is the RFC 5764/7714 code point; null means no DTLS-SRTP profile exists for that libsrtp policy.",
       "Each case is checked three ways: protect(plaintext) == protected, unprotect(protected) == plaintext, "
       "and unprotect of the protected packet with its last byte flipped fails with authenticationFailed."])

# ---------------------------------------------------------------- RFC 7714
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
g = raw("rfc7714_srtp_aead_gcm.json")
cases = []
for alg, c in g["cases"].items():
    bits = "128" if "128" in alg else "256"
    key = c["session_key"]
    rtp, rtcp = c["rtp"], c["rtcp"]
    pk = H(rtp["plaintext_packet"]); hlen = len(H(rtp["aad"]))
    rows = [
        (f"rfc7714-16-srtp-aes{bits}-encrypt", "RFC 7714 section 16 (SRTP AEAD encryption)", rtp["iv_computed"], rtp["aad"],
         pk[hlen:].hex(), H(rtp["encrypted_packet"])[hlen:].hex(), rtp["plaintext_packet"], rtp["encrypted_packet"]),
        (f"rfc7714-16-srtp-aes{bits}-auth-only", "RFC 7714 section 16 (SRTP AEAD authentication only)", rtp["iv_computed"],
         rtp["plaintext_packet"], "", H(rtp["auth_only_packet"])[len(pk):].hex(), rtp["plaintext_packet"], rtp["auth_only_packet"]),
    ]
    ck = H(rtcp["plaintext_packet"]); trailer = rtcp["e_flag_and_index_trailer_encrypted"]
    enc = H(rtcp["encrypted_packet"])
    assert enc[-4:].hex() == trailer
    rows.append((f"rfc7714-17-srtcp-aes{bits}-encrypt", "RFC 7714 section 17 (SRTCP AEAD encryption)", rtcp["iv_computed"],
                 rtcp["aad_encrypted_mode"], ck[8:].hex(), enc[8:-4].hex(), rtcp["plaintext_packet"], rtcp["encrypted_packet"]))
    ao = H(rtcp["auth_only_packet"]); idx = rtcp["srtcp_index"]
    assert ao[-4:].hex() == idx
    rows.append((f"rfc7714-17-srtcp-aes{bits}-auth-only", "RFC 7714 section 17 (SRTCP AEAD authentication only, E=0)", rtcp["iv_computed"],
                 rtcp["plaintext_packet"] + idx, "", ao[len(ck):-4].hex(), rtcp["plaintext_packet"], rtcp["auth_only_packet"]))
    for (cid, src, iv, aad, pt, ct, pin, pout) in rows:
        assert AESGCM(H(key)).encrypt(H(iv), H(pt), H(aad)).hex() == ct, cid
        cases.append({"id": cid, "source": src + "; bytes from pion/srtp srtp_cipher_aead_aes_gcm_rfc_test.go commit df5f1a88",
                      "key": key, "nonce": iv, "aad": aad, "plaintext": pt, "ciphertext_and_tag": ct,
                      "packet_in": pin, "packet_out": pout})
write("rfc7714_aead_gcm.json", "aead-aes-gcm",
      "RFC 7714 sections 16 and 17: AEAD_AES_128_GCM and AEAD_AES_256_GCM SRTP/SRTCP examples (AEAD primitive check)",
      g["source"],
      "DTLSCrypto.AESGCM seal/open (AEAD primitive check, NOT through SRTPSession: the RFC examples are given at the session-key "
      "level and SRTPSession only accepts master keys)",
      cases,
      ["nonce and aad are the RFC 7714 IV (salt XOR SSRC/ROC/SEQ or SRTCP index) and AAD (header; header || E|index for SRTCP; whole packet for auth-only); "
       "they are data here, the runner does not construct them.",
       "packet_in / packet_out are the RFC packets the AEAD inputs were cut from (documentation; not checked)."])

# ---------------------------------------------------------------- RFC 7919
f = raw("rfc7919_ffdhe.json")
cases = []
for name in ("ffdhe2048", "ffdhe3072"):
    grp = f[name]
    p = H(grp["p"])
    assert int.from_bytes(p, "big") == 2 * int.from_bytes(H(grp["q"]), "big") + 1
    base = {"source": "RFC 7919 " + ("Appendix A.1" if name == "ffdhe2048" else "Appendix A.2") + "; " + f["source"][:0] + "hex cross-checked against pyca/cryptography fixtures_dh.py",
            "group": name, "named_group": int(grp["named_group_codepoint"], 16), "p": grp["p"],
            "g": f"{grp['g']:02x}" if isinstance(grp["g"], int) else grp["g"]}
    cases.append(dict(base, id=f"{name}-prime-and-generator", check="parameters"))
    cases.append(dict(base, id=f"{name}-matching", check="matching"))
    cases.append(dict(base, id=f"{name}-server-chosen-parameters", check="server_parameters"))
    pm1 = (int.from_bytes(p, "big") - 1).to_bytes(len(p), "big").hex()
    for label, y in (("zero", "00"), ("one", "01"), ("p-minus-1", pm1), ("p", grp["p"])):
        cases.append(dict(base, id=f"{name}-reject-peer-{label}", check="reject_peer_value", peer_value=y,
                          source=base["source"] + "; RFC 7919 section 5.1 (peer value must satisfy 1 < y < p-1)"))
    cases.append(dict(base, id=f"{name}-accept-peer-two", check="accept_peer_value", peer_value="02",
                      source=base["source"] + "; RFC 7919 section 5.1"))
write("rfc7919_ffdhe.json", "ffdhe-group",
      "RFC 7919 ffdhe2048 / ffdhe3072 group parameters and peer-value validation",
      f["source"],
      "DTLSCrypto.FFDHEGroup (.prime, .generator, matching(prime:generator:)), DTLSCrypto.FFDHPrivateKey(group:) / (prime:generator:) / sharedSecret(peerPublicKey:); DTLS.NamedGroup",
      cases,
      ["check=parameters: FFDHEGroup.prime / generator equal p / g and NamedGroup has the code point;",
       "check=matching: matching(prime:generator:) finds the group (also with a leading zero byte) and refuses g=5;",
       "check=server_parameters: FFDHPrivateKey(prime:generator:) with these p,g yields a public value 1 < y < p-1 and two keys agree;",
       "check=reject_peer_value / accept_peer_value: sharedSecret(peerPublicKey:) on a key of the group."])

# ---------------------------------------------------------------- demux
dm = raw("demux_rfc7983_rfc5761.json")
cases = []
for i, r in enumerate(dm["table"]):
    cases.append({"id": f"demux-{i:02d}-{r['first_byte_hex']}{r['second_byte_hex'] or ''}", "source": "RFC 7983 section 7; RFC 5761 section 4 (row derived from the rule table)",
                  "datagram": r["first_byte_hex"] + (r["second_byte_hex"] or ""), "expected": r["class"], "comment": r["comment"]})
write("rfc7983_demux.json", "demux",
      "RFC 7983 section 7 first-byte demultiplexing and RFC 5761 section 4 RTP/RTCP split",
      dm["source"], "DTLSEndpoint.Demultiplexer.classify(_:) -> DatagramKind", cases,
      ["expected is one of STUN, ZRTP, DTLS, TURN_CHANNEL, RTP, RTCP, DROP (DROP = DatagramKind.unknown)."] + dm["notes"])

# ---------------------------------------------------------------- handshake records
hs = raw("dtls12_handshake_records.json")
cases = []
REC_SRC = "recorded WebRTC handshake records from a Go test file in the public code index (id 1820152243, repository unknown); see the file-level source"
# ServerHello picks server_version feff: from the ServerHello on, these records are a DTLS 1.0 session.
# DTLS 1.0 (TLS 1.1 syntax) has no SignatureAndHashAlgorithm in digitally-signed, CertificateVerify
# and CertificateRequest, so the DTLS 1.2-only parsers must refuse those three messages.
DTLS10_FORM = {"certificate_request", "certificate_verify", "server_key_exchange"}
msg_names = {1: "client_hello", 2: "server_hello", 3: "hello_verify_request", 11: "certificate", 12: "server_key_exchange",
             13: "certificate_request", 15: "certificate_verify", 16: "client_key_exchange"}
for key, r in hs["records"].items():
    c = {"id": f"record-{key.replace('_', '-')}", "source": REC_SRC, "op": "record_roundtrip",
         "record": r["record_hex"], "content_type": r["record"]["content_type"], "version": r["record"]["version"],
         "epoch": r["record"]["epoch"], "sequence_number": r["record"]["seq"],
         "msg_type": r["handshake"]["msg_type"], "message_length": r["handshake"]["length"],
         "message_seq": r["handshake"]["message_seq"], "fragment_offset": r["handshake"]["fragment_offset"],
         "fragment_length": r["handshake"]["fragment_length"], "message": msg_names[r["handshake"]["msg_type"]]}
    if c["message"] in DTLS10_FORM:
        c["form"] = "dtls1.0"
        c["expect_parse"] = "reject"
    if "client_hello" in r:
        ch = r["client_hello"]
        c["expect"] = {"cipher_suites": len(ch["cipher_suites"]), "extensions": [e["type"] for e in ch["extensions"]],
                       "random": ch["random"], "cookie": ch["cookie"]}
    cases.append(c)
f1 = hs["records"]["server_key_exchange_fragment_1_of_2"]; f2 = hs["records"]["server_key_exchange_fragment_2_of_2"]
cases.append({"id": "reassemble-server-key-exchange", "source": REC_SRC + " (fragments at offsets 0 and 230 of 327)",
              "op": "reassemble", "form": "dtls1.0", "expect_parse": "reject", "records": [f2["record_hex"], f1["record_hex"]], "msg_type": 12, "message_length": 327,
              "message": "server_key_exchange", "key_exchange": "ecdhe", "named_group": 23, "public_key_length": 65,
              "engine_reassembler": False,
              "note": "fed in reverse order to the engine's HandshakeReassembler, then parsed and re-serialized"})
# Derived DTLS 1.2 re-encodings of the three DTLS 1.0-form messages: the recorded bytes with the
# TLS 1.2 fields inserted, so the real parameter / signature bytes still go through the 1.2 parsers.
DERIVED = "derived: DTLS 1.2 re-encoding of the recorded DTLS 1.0 message (fields inserted here); parser vector only, the signature is not valid under the inserted scheme"
ske = b""
for rec in (f1, f2):
    ske += H(rec["record_hex"])[25:]
assert len(ske) == 327 and ske[:4] == H("03001741") and ske[69:71] == H("0100")
cases.append({"id": "derived-server-key-exchange-dtls12-form", "source": DERIVED, "op": "body_roundtrip",
              "message": "server_key_exchange", "named_group": 23, "public_key_length": 65, "signature_scheme": 0x0401,
              "body": (ske[:69] + H("0401") + ske[69:]).hex(), "inserted": "signature scheme 0x0401 before the signature"})
cv = H(hs["records"]["certificate_verify"]["record_hex"])[25:]
cases.append({"id": "derived-certificate-verify-dtls12-form", "source": DERIVED, "op": "body_roundtrip",
              "message": "certificate_verify", "signature_scheme": 0x0403,
              "body": (H("0403") + cv).hex(), "inserted": "signature scheme 0x0403 before the signature"})
cr = H(hs["records"]["certificate_request"]["record_hex"])[25:]
assert cr == H("030102400000")
cases.append({"id": "derived-certificate-request-dtls12-form", "source": DERIVED, "op": "body_roundtrip",
              "message": "certificate_request", "body": (cr[:4] + H("00020403") + cr[4:]).hex(),
              "inserted": "supported_signature_algorithms {0x0403} after certificate_types"})
pc = hs["pion_dtls_client_hello_body"]
cases.append({"id": "pion-client-hello-body", "source": hs["source"]["pion"], "op": "body_roundtrip", "message": "client_hello",
              "body": pc["client_hello_body"],
              "expect": {"cipher_suites": len(pc["parsed"]["cipher_suites"]), "extensions": [e["type"] for e in pc["parsed"]["extensions"]],
                         "random": pc["parsed"]["random"], "cookie": pc["parsed"]["cookie"]}})
write("dtls12_handshake_messages.json", "dtls-handshake",
      "Recorded DTLS 1.2 handshake records (browser-like WebRTC): parse and re-serialize round trips, fragmented ServerKeyExchange",
      hs["source"]["records"] + "; " + hs["source"]["pion"],
      "DTLS.RecordView.split, RecordHeader, HandshakeFragmentView.split, HandshakeHeader, ClientHello, ServerHello, HelloVerifyRequest, "
      "CertificateMessage, ServerKeyExchange(parsing:keyExchange:), CertificateRequest, ClientKeyExchange(parsing:keyExchange:), CertificateVerify "
      "(init(parsing:) and write(to:))",
      cases,
      ["The records are not one session: parser vectors only, not a transcript. " + hs["not_found"],
       "The ServerHello selects server_version 0xfeff (DTLS 1.0): CertificateRequest, CertificateVerify and ServerKeyExchange "
       "are in DTLS 1.0 / TLS 1.1 syntax (no SignatureAndHashAlgorithm). Those cases carry form=dtls1.0 and expect_parse=reject: "
       "the DTLS 1.2-only parsers must refuse them, and the header round trip still runs. derived-*-dtls12-form cases re-encode "
       "them in DTLS 1.2 syntax.",
       "record_roundtrip: split the datagram into exactly one record, check header fields, parse the handshake fragment and message, "
       "re-serialize header + handshake header + message and compare with the original bytes."])

# ---------------------------------------------------------------- Wycheproof AES-GCM
w = raw("wycheproof/aes_gcm_test.json")
cases = []
for grp in w["testGroups"]:
    for t in grp["tests"]:
        c = {"id": f"tc{t['tcId']}", "source": f"C2SP/wycheproof testvectors_v1/aes_gcm_test.json tcId {t['tcId']}",
             "key": t["key"], "nonce": t["iv"], "aad": t["aad"], "plaintext": t["msg"], "ciphertext_and_tag": t["ct"] + t["tag"],
             "result": t["result"], "flags": t["flags"], "comment": t["comment"]}
        if grp["keySize"] == 192:
            c["skip"] = "unsupported: AES-192-GCM (AESGCM takes 128/256-bit keys; no TLS 1.2 or SRTP suite uses AES-192)"
        elif grp["ivSize"] != 96 and t["result"] == "valid":
            c["skip"] = "unsupported: nonce length other than 96 bits (AESGCM takes the 96-bit nonces RFC 5288 and RFC 7714 use)"
        assert grp["tagSize"] == 128
        cases.append(c)
write("wycheproof_aes_gcm.json", "aead-aes-gcm",
      "Wycheproof AES-GCM (all 316 cases; AES-192 and non-96-bit-nonce valid cases recorded as unsupported)",
      "C2SP/wycheproof testvectors_v1/aes_gcm_test.json (HEAD dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166), copy sha256 985e5ecc...dfe7",
      "DTLSCrypto.AESGCM(key:) seal/open", cases,
      ["result=valid: seal(plaintext) must give ciphertext_and_tag and open must give the plaintext back;",
       "result=invalid: open must throw (a nonce of the wrong size must be refused too)."])

# ---------------------------------------------------------------- Wycheproof ECDH
w = raw("wycheproof/ecdh_secp256r1_test.json")
prefix = H("3059301306072a8648ce3d020106082a8648ce3d030107034200")


def der(b, i):
    """(tag, content start, content end) of the DER element at i."""
    tag, n = b[i], b[i + 1]
    if n < 0x80:
        return tag, i + 2, i + 2 + n
    k = n & 0x7F
    length = int.from_bytes(b[i + 2:i + 2 + k], "big")
    return tag, i + 2 + k, i + 2 + k + length


def spki_point(b):
    """The public point of a well-formed SubjectPublicKeyInfo, else None."""
    try:
        tag, s0, e0 = der(b, 0)
        if tag != 0x30 or e0 != len(b):
            return None
        tag, s1, e1 = der(b, s0)
        if tag != 0x30:
            return None
        tag, s2, e2 = der(b, e1)
        if tag != 0x03 or e2 != e0 or b[s2] != 0:
            return None
        return b[s2 + 1:e2]
    except IndexError:
        return None
cases = []
for grp in w["testGroups"]:
    for t in grp["tests"]:
        spki = H(t["public"])
        scalar = H(t["private"]).lstrip(b"\x00")
        assert len(scalar) <= 32
        c = {"id": f"tc{t['tcId']}", "source": f"C2SP/wycheproof testvectors_v1/ecdh_secp256r1_test.json tcId {t['tcId']}",
             "private_key": scalar.rjust(32, b"\x00").hex(), "public_spki": t["public"], "shared": t["shared"],
             "result": t["result"], "flags": t["flags"], "comment": t["comment"]}
        if len(spki) == len(prefix) + 65 and spki.startswith(prefix):
            c["public_point"] = spki[len(prefix):].hex()
        elif {"WrongCurve", "CompressedPoint"} & set(t["flags"]) and spki_point(spki) is not None:
            # A point on another curve, or a compressed point: exactly what a peer could put
            # in a ClientKeyExchange; the engine must refuse it (acceptable: either outcome).
            c["public_point"] = spki_point(spki).hex()
            c["mapping"] = "BIT STRING content of the SPKI, fed as the raw peer point"
        else:
            c["skip"] = "not expressible as a raw point: SPKI-level encoding/parameter test (the API takes the raw uncompressed point of a ClientKeyExchange, RFC 8422 5.1)"
        cases.append(c)
write("wycheproof_ecdh_p256.json", "ecdh-p256",
      "Wycheproof ECDH secp256r1 (SPKI-encoded public keys mapped to raw uncompressed points)",
      "C2SP/wycheproof testvectors_v1/ecdh_secp256r1_test.json (HEAD dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166), copy sha256 cdb8bd5d...bec4",
      "DTLSCrypto.ECDHPrivateKey(group: .p256, privateKey:) + sharedSecret(peerPublicKey:)", cases,
      ["private_key is the Wycheproof DER integer with its sign byte dropped and left-padded to 32 bytes; "
       "public_point is the BIT STRING content of a named-curve P-256 SPKI (the same mapping as Tests/DTLSCryptoTests/ECDHTests.swift).",
       "result=valid: the shared secret must equal shared; invalid: sharedSecret must throw; acceptable: either, but a returned secret must equal shared."])
