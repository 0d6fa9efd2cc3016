#!/usr/bin/env python3
"""Drives headless Chromium against `dtls-srtp browser-demo` and checks the result.

Chromium is controlled over --remote-debugging-pipe (the DevTools protocol on
file descriptors 3 and 4, NUL-separated JSON), so nothing beyond the Python
standard library is needed. The page does the WebRTC work itself; this script
only waits, reads the demo's GET /status (server figures plus the browser's
getStats figures the page posted), asserts, and takes a screenshot.
"""
import argparse, base64, json, os, queue, subprocess, sys, threading, time, urllib.request

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--url", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--offer-out")
    ap.add_argument("--status-out")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--min-frames", type=int, default=30)
    ap.add_argument("--settle", type=float, default=3, help="seconds to keep running once everything passed")
    a = ap.parse_args()

    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    def child_fds():
        # Move both ends out of the way first: dup2 onto the same number
        # would keep close-on-exec set.
        r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)
        os.dup2(r, 3, inheritable=True)
        os.dup2(w, 4, inheritable=True)
    flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             f"--user-data-dir={a.profile}", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
             "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
             "--autoplay-policy=no-user-gesture-required", "--window-size=1280,1000",
             "--remote-debugging-pipe", "--disk-cache-size=1", a.url]
    log = open(os.path.join(a.profile, "chromium.log"), "w")
    chrome = subprocess.Popen([a.chromium] + flags, preexec_fn=child_fds,
                              stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=False)
    os.close(to_chrome_r); os.close(from_chrome_w)
    incoming = queue.Queue()
    def reader():
        buf = b""
        while True:
            chunk = os.read(from_chrome_r, 1 << 20)
            if not chunk:
                incoming.put(None); return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                incoming.put(json.loads(msg))
    threading.Thread(target=reader, daemon=True).start()
    next_id = [0]
    def cdp(method, params=None, session=None, timeout=20):
        next_id[0] += 1
        msg = {"id": next_id[0], "method": method, "params": params or {}}
        if session: msg["sessionId"] = session
        os.write(to_chrome_w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                m = incoming.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                break
            if m is None: raise RuntimeError("chromium closed the pipe")
            if m.get("id") == next_id[0]:
                if "error" in m: raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
        raise RuntimeError(f"{method}: no answer in {timeout}s")

    checks = []
    def check(name, ok, detail=""):
        checks.append((name, bool(ok)))
        print(("PASS " if ok else "FAIL ") + name + (f"  ({detail})" if detail else ""), flush=True)

    status = {}
    session = None
    try:
        page = None
        for _ in range(50):
            targets = cdp("Target.getTargets")["targetInfos"]
            page = next((t for t in targets if t["type"] == "page"), None)
            if page: break
            time.sleep(0.2)
        if not page: raise RuntimeError("no page target")
        session = cdp("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        status_url = a.url.rstrip("/") + "/status"
        deadline = time.time() + a.timeout
        passed_at = None
        while time.time() < deadline:
            time.sleep(1)
            try:
                status = json.load(urllib.request.urlopen(status_url, timeout=5)).get("latest", {})
            except Exception as e:
                continue
            b = status.get("browser", {})
            if b.get("error"):
                print("page error: " + b["error"], flush=True); break
            ready = (b.get("dtlsTransportState") == "connected" and (b.get("framesDecoded") or 0) >= a.min_frames
                     and (b.get("audioPacketsReceived") or 0) > 50 and status.get("dtls", {}).get("fingerprintVerified"))
            if ready and passed_at is None: passed_at = time.time()
            if passed_at and time.time() - passed_at >= a.settle: break
        try:
            status = json.load(urllib.request.urlopen(status_url, timeout=5)).get("latest", {})
        except Exception:
            pass
        if a.offer_out:
            try:
                r = cdp("Runtime.evaluate", {"expression": "window.offerSDP || ''", "returnByValue": True}, session)
                open(a.offer_out, "w").write(r["result"].get("value", ""))
            except Exception as e:
                print("could not read the offer: %s" % e)
        shot = cdp("Page.captureScreenshot", {"format": "png"}, session, timeout=30)
        os.makedirs(os.path.dirname(os.path.abspath(a.screenshot)), exist_ok=True)
        with open(a.screenshot, "wb") as f: f.write(base64.b64decode(shot["data"]))
        print(f"screenshot: {a.screenshot}")
    except Exception as e:
        check("drive chromium", False, str(e))
    finally:
        try: cdp("Browser.close", timeout=5)
        except Exception: pass
        try: chrome.wait(timeout=10)
        except subprocess.TimeoutExpired:
            chrome.kill(); chrome.wait()

    if a.status_out:
        json.dump(status, open(a.status_out, "w"), indent=2, sort_keys=True)
    b = status.get("browser", {})
    d = status.get("dtls", {})
    m = status.get("media", {})
    # getStats' srtpCipher: Chromium 156 uses the RFC 5764/7714 names; older
    # versions used libsrtp's. Both map to the IANA code point.
    chrome_profiles = {"SRTP_AES128_CM_HMAC_SHA1_80": 1, "SRTP_AES128_CM_HMAC_SHA1_32": 2,
                       "SRTP_AEAD_AES_128_GCM": 7, "SRTP_AEAD_AES_256_GCM": 8,
                       "AES_CM_128_HMAC_SHA1_80": 1, "AES_CM_128_HMAC_SHA1_32": 2,
                       "AEAD_AES_128_GCM": 7, "AEAD_AES_256_GCM": 8}
    check("browser reports the DTLS transport connected", b.get("dtlsTransportState") == "connected" and b.get("dtlsState") == "connected",
          f"transport={b.get('dtlsTransportState')} dtlsState={b.get('dtlsState')}")
    check("browser's cipher is the one the server logged", d.get("cipherSuite") and b.get("dtlsCipher") == d.get("cipherSuite"),
          f"browser={b.get('dtlsCipher')} server={d.get('cipherSuite')}")
    check("browser's SRTP profile is the one the server logged",
          d.get("srtpProfileId") and chrome_profiles.get(b.get("srtpCipher")) == d.get("srtpProfileId"),
          f"browser={b.get('srtpCipher')} server={d.get('srtpProfile')}")
    check("browser's DTLS version is the server's", d.get("versionHex") and (b.get("tlsVersion") or "").upper() == d.get("versionHex"),
          f"browser={b.get('tlsVersion')} server={d.get('version')}")
    check("server verified the browser's certificate against the offer's a=fingerprint", d.get("fingerprintVerified") is True,
          f"{d.get('peerFingerprint')} in {status.get('offerFingerprints')}")
    check("browser saw the server certificate announced in the answer",
          d.get("localFingerprint") and (b.get("remoteFingerprint") or "").lower() == d.get("localFingerprint", "").lower(),
          f"browser={b.get('remoteFingerprint')}")
    check(f"browser decoded at least {a.min_frames} echoed video frames", (b.get("framesDecoded") or 0) >= a.min_frames,
          f"framesDecoded={b.get('framesDecoded')} {b.get('frameWidth')}x{b.get('frameHeight')} packets={b.get('videoPacketsReceived')}")
    check("browser received and decoded echoed audio",
          (b.get("audioPacketsReceived") or 0) > 50 and (b.get("audioSamplesReceived") or 0) > 0,
          f"packets={b.get('audioPacketsReceived')} samples={b.get('audioSamplesReceived')} energy={b.get('audioEnergy')}")
    check("server forwarded RTP and RTCP", (m.get("rtpForwarded") or 0) > 100 and (m.get("rtcpForwarded") or 0) > 0,
          f"rtp={m.get('rtpForwarded')} rtcp={m.get('rtcpForwarded')} pli={m.get('pliForwarded')}")
    check("ICE: authenticated checks, nominated pair", status.get("ice", {}).get("nominated") is True
          and status.get("ice", {}).get("successResponses", 0) > 0, json.dumps(status.get("ice", {})))
    passed = sum(1 for _, ok in checks if ok)
    failed = len(checks) - passed
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 and passed > 0 else 1)

if __name__ == "__main__":
    main()
