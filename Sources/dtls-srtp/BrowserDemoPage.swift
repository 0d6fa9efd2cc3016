/// The page of `browser-demo`: captures camera and microphone, sends its
/// offer to `POST /offer`, applies the answer, shows the local and the
/// echoed video side by side with the connection's figures, and posts its
/// getStats figures to `POST /stats` every second.
enum BrowserDemoPage {
    static let html = #"""
<!doctype html>
<html><head><meta charset="utf-8"><title>dtls-srtp browser echo</title>
<style>
body { font-family: sans-serif; margin: 16px; background: #15171a; color: #e8e8e8; }
h2 { margin: 0 0 8px 0; font-size: 20px; }
h3 { margin: 4px 0; font-size: 15px; color: #9ec1ff; }
.row { display: flex; gap: 16px; }
video { width: 400px; height: 300px; background: #000; border: 1px solid #444; }
#status { font-weight: bold; margin: 6px 0 10px 0; }
.tables { display: flex; gap: 24px; margin-top: 10px; }
table { border-collapse: collapse; font-size: 13px; }
td { padding: 1px 8px; border-bottom: 1px solid #2c3036; }
td:first-child { color: #9aa3ad; }
.ok { color: #7fdc8a; } .bad { color: #ff8080; }
</style></head>
<body>
<h2>DTLS-SRTP echo through a Swift ICE-lite server</h2>
<div id="status">starting...</div>
<div class="row">
  <div><h3>local (camera)</h3><video id="local" autoplay muted playsinline></video></div>
  <div><h3>echoed by the server (SRTP unprotect, SSRC rewrite, protect)</h3><video id="remote" autoplay playsinline></video></div>
</div>
<div class="tables">
  <div><h3>browser (getStats)</h3><table id="browser"></table></div>
  <div><h3>server (/status)</h3><table id="server"></table></div>
</div>
<script>
"use strict";
function fill(id, rows) {
  const table = document.getElementById(id);
  table.innerHTML = "";
  for (const [k, v] of rows) {
    if (v === undefined || v === null) continue;
    const r = table.insertRow();
    r.insertCell().textContent = k;
    r.insertCell().textContent = typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : String(v);
  }
}
async function post(path, object) {
  try { await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(object)}); } catch (e) {}
}
async function main() {
  const status = document.getElementById("status");
  const stream = await navigator.mediaDevices.getUserMedia({audio: true, video: {width: 640, height: 480, frameRate: 30}});
  document.getElementById("local").srcObject = stream;
  const pc = new RTCPeerConnection({bundlePolicy: "max-bundle", rtcpMuxPolicy: "require"});
  window.pc = pc;
  for (const track of stream.getTracks()) pc.addTransceiver(track, {direction: "sendrecv", streams: [stream]});
  const remote = new MediaStream();
  const remoteVideo = document.getElementById("remote");
  remoteVideo.srcObject = remote;
  pc.ontrack = (e) => { remote.addTrack(e.track); remoteVideo.play().catch(() => {}); };
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const response = await fetch("/offer", {method: "POST", headers: {"Content-Type": "application/sdp"}, body: pc.localDescription.sdp});
  const text = await response.text();
  if (!response.ok) { status.textContent = "offer refused: " + text; status.className = "bad"; await post("/stats", {error: "offer refused: " + text}); return; }
  const session = response.headers.get("X-Session");
  window.offerSDP = pc.localDescription.sdp;
  await pc.setRemoteDescription({type: "answer", sdp: text});
  status.textContent = "answer applied, session " + session;
  setInterval(() => collect(pc, session).catch((e) => post("/stats", {session, error: String(e)})), 1000);
}
async function collect(pc, session) {
  const report = await pc.getStats();
  const sender = pc.getSenders()[0];
  const out = {session, dtlsTransportState: sender && sender.transport ? sender.transport.state : undefined,
               connectionState: pc.connectionState, iceConnectionState: pc.iceConnectionState};
  let transport;
  report.forEach((s) => { if (s.type === "transport") transport = s; });
  if (transport) {
    Object.assign(out, {dtlsState: transport.dtlsState, tlsVersion: transport.tlsVersion, dtlsCipher: transport.dtlsCipher,
                        srtpCipher: transport.srtpCipher, dtlsRole: transport.dtlsRole, iceRole: transport.iceRole,
                        iceState: transport.iceState});
    const pair = report.get(transport.selectedCandidatePairId);
    if (pair) {
      out.candidatePairState = pair.state; out.nominated = pair.nominated;
      out.rttMs = pair.currentRoundTripTime !== undefined ? pair.currentRoundTripTime * 1000 : undefined;
      out.stunRequestsSent = pair.requestsSent; out.stunResponsesReceived = pair.responsesReceived;
      const rc = report.get(pair.remoteCandidateId);
      if (rc) out.remoteCandidate = rc.address + ":" + rc.port + " " + rc.candidateType;
    }
    const lc = report.get(transport.localCertificateId);
    if (lc) out.localFingerprint = lc.fingerprintAlgorithm + " " + lc.fingerprint;
    const rc = report.get(transport.remoteCertificateId);
    if (rc) out.remoteFingerprint = rc.fingerprintAlgorithm + " " + rc.fingerprint;
  }
  report.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") {
      Object.assign(out, {videoPacketsReceived: s.packetsReceived, framesReceived: s.framesReceived, framesDecoded: s.framesDecoded,
                          keyFramesDecoded: s.keyFramesDecoded, frameWidth: s.frameWidth, frameHeight: s.frameHeight,
                          framesPerSecond: s.framesPerSecond, videoPacketsLost: s.packetsLost, pliSent: s.pliCount,
                          nackSent: s.nackCount, videoBytesReceived: s.bytesReceived, remoteVideoSSRC: s.ssrc});
      const codec = report.get(s.codecId);
      if (codec) out.videoCodec = codec.mimeType + " pt " + codec.payloadType;
    }
    if (s.type === "inbound-rtp" && s.kind === "audio") {
      Object.assign(out, {audioPacketsReceived: s.packetsReceived, audioSamplesReceived: s.totalSamplesReceived,
                          audioConcealedSamples: s.concealedSamples, audioEnergy: s.totalAudioEnergy,
                          audioLevel: s.audioLevel, remoteAudioSSRC: s.ssrc});
      const codec = report.get(s.codecId);
      if (codec) out.audioCodec = codec.mimeType + " pt " + codec.payloadType;
    }
    if (s.type === "outbound-rtp" && s.kind === "video") {
      Object.assign(out, {videoPacketsSent: s.packetsSent, framesEncoded: s.framesEncoded, keyFramesEncoded: s.keyFramesEncoded,
                          pliReceived: s.pliCount, nackReceived: s.nackCount, localVideoSSRC: s.ssrc});
    }
    if (s.type === "outbound-rtp" && s.kind === "audio") {
      Object.assign(out, {audioPacketsSent: s.packetsSent, localAudioSSRC: s.ssrc});
    }
  });
  const rv = document.getElementById("remote");
  Object.assign(out, {remoteVideoWidth: rv.videoWidth, remoteVideoHeight: rv.videoHeight, remoteVideoTime: rv.currentTime});
  const status = document.getElementById("status");
  status.textContent = "DTLS transport " + out.dtlsTransportState + ", ICE " + out.iceConnectionState + ", session " + session;
  status.className = out.dtlsTransportState === "connected" ? "ok" : "";
  fill("browser", [["DTLS transport", out.dtlsTransportState], ["DTLS version", out.tlsVersion], ["cipher", out.dtlsCipher],
                   ["SRTP", out.srtpCipher], ["DTLS role", out.dtlsRole], ["ICE role", out.iceRole],
                   ["pair", out.remoteCandidate], ["nominated", out.nominated], ["RTT ms", out.rttMs],
                   ["video codec", out.videoCodec], ["video packets sent", out.videoPacketsSent], ["frames encoded", out.framesEncoded],
                   ["video packets received", out.videoPacketsReceived], ["frames decoded", out.framesDecoded],
                   ["key frames decoded", out.keyFramesDecoded], ["frame size", out.frameWidth ? out.frameWidth + "x" + out.frameHeight : undefined],
                   ["fps", out.framesPerSecond], ["PLI sent / received", (out.pliSent ?? "-") + " / " + (out.pliReceived ?? "-")],
                   ["audio codec", out.audioCodec], ["audio packets sent", out.audioPacketsSent],
                   ["audio packets received", out.audioPacketsReceived], ["audio samples received", out.audioSamplesReceived],
                   ["audio energy", out.audioEnergy], ["server fingerprint", out.remoteFingerprint]]);
  await post("/stats", out);
  try {
    const st = await (await fetch("/status")).json();
    const s = st.latest || {};
    const d = s.dtls || {}, m = s.media || {}, i = s.ice || {};
    fill("server", [["session", s.id + " " + s.state], ["DTLS version", d.version], ["cipher", d.cipherSuite],
                    ["SRTP profile", d.srtpProfile], ["group", d.group], ["DTLS role", d.role],
                    ["browser cert vs offer", d.fingerprintVerified ? "verified" : "not verified"],
                    ["ICE selected", i.selected], ["ICE checks", i.requests], ["nominated", i.nominated],
                    ["RTP forwarded", m.rtpForwarded], ["video frames forwarded", m.videoFramesForwarded],
                    ["audio packets forwarded", m.audioPacketsForwarded], ["RTCP forwarded", m.rtcpForwarded],
                    ["PLI / FIR / NACK / REMB", [m.pliForwarded, m.firForwarded, m.nackForwarded, m.rembForwarded].join(" / ")]]);
  } catch (e) {}
}
main().catch((e) => {
  const status = document.getElementById("status");
  status.textContent = "error: " + e; status.className = "bad";
  post("/stats", {error: String(e)});
});
</script>
</body></html>
"""#
}
