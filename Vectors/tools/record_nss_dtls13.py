#!/usr/bin/env python3
"""Records a DTLS 1.3 session between two NSS 3.125 peers (Tools/nss-peer)
through a loopback UDP relay: every datagram in order with its sender, the
key log NSS writes (SSLKEYLOGFILE), and the exporter both sides printed.
The result, Vectors/nss_dtls13_session.json, is an independent DTLS 1.3
vector: the record layer, the "dtls13" key schedule from the traffic
secrets, the Finished MACs and the exporter can all be checked against it.

usage: Vectors/tools/record_nss_dtls13.py [.build/nss-peer] > Vectors/nss_dtls13_sessions.json
"""
import json, os, select, socket, subprocess, sys, tempfile, time

peer = sys.argv[1] if len(sys.argv) > 1 else ".build/nss-peer"
fixtures = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "peers")
work = tempfile.mkdtemp()
der, pk8 = os.path.join(work, "ec.der"), os.path.join(work, "ec.pk8")
subprocess.run(["openssl", "x509", "-in", os.path.join(fixtures, "ec_cert.pem"), "-outform", "DER", "-out", der], check=True)
subprocess.run(["openssl", "pkcs8", "-topk8", "-nocrypt", "-in", os.path.join(fixtures, "ec_key.pem"), "-outform", "DER", "-out", pk8], check=True)

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def record(suite):
    server_port = free_port()
    relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); relay.bind(("127.0.0.1", 0))
    upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); upstream.bind(("127.0.0.1", 0))
    keylog = os.path.join(work, "keys-%s.txt" % suite)
    common = ["--cert", der, "--key", pk8, "--versions", "1.3", "--srtp", "--export-len", "60", "--tls13-suite", suite]
    env = dict(os.environ, SSLKEYLOGFILE=keylog)
    server = subprocess.Popen([peer, "--role", "server", "--port", str(server_port), "--send", "pong"] + common,
                              stdout=subprocess.PIPE, text=True, env=env)
    time.sleep(0.3)
    client = subprocess.Popen([peer, "--role", "client", "--connect-port", str(relay.getsockname()[1]), "--send", "ping"] + common,
                              stdout=subprocess.PIPE, text=True)
    datagrams, client_addr = [], None
    deadline = time.time() + 10
    while time.time() < deadline and (client.poll() is None or server.poll() is None):
        ready, _, _ = select.select([relay, upstream], [], [], 0.2)
        for s in ready:
            data, addr = s.recvfrom(65535)
            if s is relay:
                client_addr = addr
                datagrams.append({"from": "client", "hex": data.hex()})
                upstream.sendto(data, ("127.0.0.1", server_port))
            elif client_addr:
                datagrams.append({"from": "server", "hex": data.hex()})
                relay.sendto(data, client_addr)
    out_c, out_s = client.communicate(timeout=5)[0], server.communicate(timeout=5)[0]
    def field(text, name):
        return next((l.split("=", 1)[1] for l in text.splitlines() if l.startswith(name + "=")), None)
    assert field(out_c, "exporter") and field(out_c, "exporter") == field(out_s, "exporter"), "the two NSS peers disagree"
    connected = next((l for l in out_c.splitlines() if l.startswith("connected")), "")
    return {
        "id": "nss-3.125-" + suite,
        "connected": connected,
        "keylog": [l for l in open(keylog).read().splitlines() if l and not l.startswith("#")],
        "exporter_label": "EXTRACTOR-dtls_srtp",
        "exporter": field(out_c, "exporter"),
        "client_data": "ping",
        "server_data": "pong",
        "datagrams": datagrams,
    }

json.dump({
    "format": "dtls-srtp-conformance/1",
    "kind": "dtls13-session",
    "source": "Vectors/tools/record_nss_dtls13.py: two NSS 3.125 peers (Debian firefox-esr's libraries, Tools/nss-peer) "
              "through a loopback relay, mutual authentication with Tests/Fixtures/peers/ec_cert.pem on both sides, "
              "SRTP AES128_CM_SHA1_80, application data 'ping' (client) and 'pong' (server); secrets from NSS's SSLKEYLOGFILE",
    "cases": [record("1301"), record("1302"), record("1303")],
}, sys.stdout, indent=1)
print()
