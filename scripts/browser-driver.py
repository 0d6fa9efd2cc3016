#!/usr/bin/env python3
"""Drives a headless browser against `dtls-srtp browser-demo` and checks the result.

Chromium is controlled over --remote-debugging-pipe (the DevTools protocol on
file descriptors 3 and 4, NUL-separated JSON), so nothing beyond the Python
standard library is needed; it also gives the screenshot. Firefox ESR is
started with a fresh profile whose user.js grants fake camera and microphone
and loopback ICE candidates; it needs no remote control at all. In both cases
the page does the WebRTC work itself (a max-bundle offer); this script only
waits, reads the demo's GET /status (server figures, the offer and answer, and
the browser's getStats figures the page posted) and asserts.
"""
import argparse, base64, json, os, queue, subprocess, sys, threading, time, urllib.request

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--browser", choices=["chromium", "firefox"], default="chromium")
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--firefox", default="firefox-esr")
    ap.add_argument("--url", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--screenshot", help="PNG of the page (Chromium only)")
    ap.add_argument("--offer-out")
    ap.add_argument("--status-out")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--min-frames", type=int, default=30)
    ap.add_argument("--settle", type=float, default=3, help="seconds to keep running once everything passed")
    a = ap.parse_args()
    if a.browser == "firefox":
        status = drive_firefox(a)
    else:
        status = drive_chromium(a)
    sys.exit(report(a, status))

def poll_status(a, alive):
    """Polls GET /status until the call passed (plus `settle` seconds), the
    page reported an error, the browser died, or the timeout. Returns the
    last status."""
    status_url = a.url.rstrip("/") + "/status"
    deadline = time.time() + a.timeout
    passed_at = None
    status = {}
    while time.time() < deadline:
        time.sleep(1)
        if not alive():
            print("the browser exited", flush=True); break
        try:
            status = json.load(urllib.request.urlopen(status_url, timeout=5)).get("latest", {})
        except Exception:
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
    if a.offer_out and status.get("offerSDP"):
        open(a.offer_out, "w").write(status["offerSDP"])
    return status

# Fresh-profile preferences for a headless Firefox WebRTC call on loopback.
FIREFOX_PREFS = {
    "media.navigator.streams.fake": True,             # fake camera and microphone
    "media.navigator.permission.disabled": True,      # no permission prompt
    "media.navigator.permission.fake": True,          # also without a default route
    "media.peerconnection.ice.loopback": True,        # gather 127.0.0.1 candidates
    "media.peerconnection.ice.obfuscate_host_addresses": False,
    "media.autoplay.default": 0,
    "media.autoplay.blocking_policy": 0,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.enabled": False,
    "network.proxy.type": 0,
}

def drive_firefox(a):
    os.makedirs(a.profile, exist_ok=True)
    with open(os.path.join(a.profile, "user.js"), "w") as f:
        for k, v in FIREFOX_PREFS.items():
            f.write("user_pref(%s, %s);\n" % (json.dumps(k), json.dumps(v)))
    log = open(os.path.join(a.profile, "firefox.log"), "w")
    env = dict(os.environ, MOZ_HEADLESS="1", MOZ_DISABLE_CONTENT_SANDBOX="1")
    fx = subprocess.Popen([a.firefox, "--headless", "--no-remote", "--profile", a.profile, a.url],
                          stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
    try:
        return poll_status(a, lambda: fx.poll() is None)
    finally:
        fx.terminate()
        try: fx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            fx.kill(); fx.wait()

def drive_chromium(a):

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
        status = poll_status(a, lambda: chrome.poll() is None)
        if a.offer_out and not status.get("offerSDP"):
            try:
                r = cdp("Runtime.evaluate", {"expression": "window.offerSDP || ''", "returnByValue": True}, session)
                open(a.offer_out, "w").write(r["result"].get("value", ""))
            except Exception as e:
                print("could not read the offer: %s" % e)
        if a.screenshot:
            shot = cdp("Page.captureScreenshot", {"format": "png"}, session, timeout=30)
            os.makedirs(os.path.dirname(os.path.abspath(a.screenshot)), exist_ok=True)
            with open(a.screenshot, "wb") as f: f.write(base64.b64decode(shot["data"]))
            print(f"screenshot: {a.screenshot}")
    except Exception as e:
        print("FAIL drive chromium  (%s)" % e, flush=True)
        status["driverError"] = str(e)
    finally:
        try: cdp("Browser.close", timeout=5)
        except Exception: pass
        try: chrome.wait(timeout=10)
        except subprocess.TimeoutExpired:
            chrome.kill(); chrome.wait()
    return status

def report(a, status):
    checks = []
    def check(name, ok, detail=""):
        checks.append((name, bool(ok)))
        print(("PASS " if ok else "FAIL ") + a.browser + ": " + name + (f"  ({detail})" if detail else ""), flush=True)
    if status.get("driverError"): check("drive the browser", False, status["driverError"])
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
    # The version the run asks for: the first of the server's --dtls-versions
    # (both browsers offer 1.3 and 1.2, so the server's preference wins).
    wanted = {"1.3": "FEFC", "1.2": "FEFD"}.get(os.environ.get("DTLS_VERSION", "1.2").split(",")[0])
    check(f"the run's DTLS version ({wanted})", d.get("versionHex") == wanted, f"server={d.get('version')}")
    if wanted == "FEFC":
        # Both browsers send an X25519MLKEM768 share first; the server's
        # default takes it (and, as DTLS client, offers it first).
        check("post-quantum key exchange: X25519MLKEM768", d.get("group") == "X25519MLKEM768", f"server group={d.get('group')}")
    check("server verified the browser's certificate against the offer's a=fingerprint", d.get("fingerprintVerified") is True,
          f"{d.get('peerFingerprint')} in {status.get('offerFingerprints')}")
    if a.browser == "firefox" and not b.get("remoteFingerprint"):
        # Firefox's transport stats have no remoteCertificateId; it still
        # checks the answer's a=fingerprint itself and fails the transport
        # on a mismatch, so "connected" above covers it.
        print("SKIP firefox: browser saw the server certificate announced in the answer  (Firefox's getStats does not report the remote certificate)")
    else:
        check("browser saw the server certificate announced in the answer",
              d.get("localFingerprint") and (b.get("remoteFingerprint") or "").lower() == d.get("localFingerprint", "").lower(),
              f"browser={b.get('remoteFingerprint')}")
    check("the answer accepted audio and video (a max-bundle offer)", sorted(status.get("acceptedMedia") or []) == ["audio", "video"],
          f"accepted={status.get('acceptedMedia')}")
    want_role = {"server": "client", "client": "server"}.get(d.get("role"))
    check("browser's DTLS role is the other side of the server's", want_role and b.get("dtlsRole") == want_role,
          f"server={d.get('role')} browser={b.get('dtlsRole')}")
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
    print(f"{a.browser}: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1

if __name__ == "__main__":
    main()
