import DTLS
import DTLSEndpoint
import DTLSNIO
import Foundation
import NIOCore

/// How one peer's connection ended, handed from the event loop.
struct PeerOutcome: Sendable {
    var address: String
    var stats: EndpointCounters
    var error: DTLSError?
    var established: Bool
    var keyingMaterialHex: String?
    var peerFingerprint: String?
    var cipherSuite: String?
    var srtpProfile: String?
    var extendedMasterSecret: Bool
    var handshakeTime: Duration?

    /// The DTLS error inside an endpoint error (the contract lines name its
    /// code and alert); other endpoint failures as an internal error.
    static func dtlsError(_ error: EndpointError?) -> DTLSError? {
        guard let error else { return nil }
        if case .dtls(let dtls) = error { return dtls }
        return DTLSError(.internalError, alert: nil, error.description)
    }

    /// How a `DTLSSRTPClientHandler`'s association ended.
    init(client: DTLSSRTPClientHandler, info: EndpointConnectionInfo?, error: EndpointError?, counters: EndpointCounters) {
        address = display(client.remote)
        stats = counters
        self.error = Self.dtlsError(error)
        established = info != nil
        keyingMaterialHex = info.flatMap { info in
            (try? client.endpoint.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: info.srtpProfile.keyingMaterialLength)).map(hex)
        }
        peerFingerprint = info.map { fingerprintOf(der: $0.dtls.peerCertificate) }
        cipherSuite = info?.dtls.cipherSuite.ianaName
        srtpProfile = info?.srtpProfile.rfcName
        extendedMasterSecret = info?.dtls.extendedMasterSecret ?? false
        if let start = client.startedAt, let end = client.connectedAt { handshakeTime = end - start }
    }
}

extension EndpointCounters {
    /// `rtp-in=N rtp-out=N rtcp-in=N rtcp-out=N auth-failures=N replays=N app-in=N app-out=N`
    var line: String {
        "rtp-in=\(rtpIn) rtp-out=\(rtpOut) rtcp-in=\(rtcpIn) rtcp-out=\(rtcpOut) auth-failures=\(authenticationFailures) replays=\(replays) app-in=\(applicationDataIn) app-out=\(applicationDataOut)"
    }
}

struct ServerBehaviour: Sendable {
    var echo = false
    var printContract = true
    var printAppData = true
    var keyLog: KeyLog?
}

/// Sends RTP and RTCP with a window of packets in flight and checks what
/// comes back (the echo server re-protects with its own session).
final class MediaPump {
    let total: Int
    let rtcpEvery: Int
    let window: Int
    private(set) var sent = 0
    private(set) var rtpOK = 0
    private(set) var rtpBad = 0
    private(set) var rtcpSent = 0
    private(set) var rtcpOK = 0
    private(set) var rtcpBad = 0
    private(set) var startedAt: ContinuousClock.Instant?
    private(set) var finishedAt: ContinuousClock.Instant?
    var onDone: (() -> Void)?
    var onProgress: ((Int) -> Void)?

    init(total: Int, window: Int = 32) {
        self.total = total
        self.window = window
        self.rtcpEvery = max(1, min(100, total))
    }

    var isDone: Bool { sent == total && rtpOK + rtpBad == total && rtcpOK + rtcpBad == rtcpSent }

    func start(_ peer: DTLSSRTPClientHandler) {
        startedAt = .now
        if total == 0 { finish(); return }
        for _ in 0..<window { sendNext(peer) }
    }

    private func sendNext(_ peer: DTLSSRTPClientHandler) {
        guard sent < total else { return }
        do {
            try peer.sendRTP(MediaPackets.rtp(sequence: UInt16(truncatingIfNeeded: sent)))
            sent += 1
            if sent % rtcpEvery == 0 {
                try peer.sendRTCP(MediaPackets.rtcp(index: UInt32(rtcpSent)))
                rtcpSent += 1
            }
        } catch {
            eprint("error: sending media: \(error)")
            sent = total  // give up; the missing echoes count as failed
        }
    }

    func received(rtp packet: [UInt8], from peer: DTLSSRTPClientHandler) {
        if let seq = MediaPackets.sequence(of: packet), packet == MediaPackets.rtp(sequence: seq) { rtpOK += 1 } else { rtpBad += 1 }
        let done = rtpOK + rtpBad
        if total >= 1000, done % (total / 4) == 0, done < total { onProgress?(done) }
        sendNext(peer)
        if isDone { finish() }
    }

    func received(rtcp packet: [UInt8]) {
        if let index = MediaPackets.rtcpIndex(of: packet), packet == MediaPackets.rtcp(index: index) { rtcpOK += 1 } else { rtcpBad += 1 }
        if isDone { finish() }
    }

    private func finish() {
        guard finishedAt == nil else { return }
        finishedAt = .now
        onDone?()
    }
}

/// The client's SFU mode: sends `total` RTP packets of its own SSRC, one
/// every `interval`, and counts the intact packets that arrive from other
/// senders (what a forwarding server passes on from other peers, not
/// echoes). Done once everything was sent and `expected` packets came.
final class ForwardPump {
    let total: Int
    let expected: Int
    let ssrc: UInt32
    let interval: TimeAmount
    private(set) var sent = 0
    private(set) var forwarded = 0
    private(set) var corrupt = 0
    private(set) var echoes = 0
    private(set) var senders: Set<UInt32> = []
    private var task: RepeatedTask?
    private var finished = false
    var onDone: (() -> Void)?

    init(total: Int, expected: Int, ssrc: UInt32, interval: TimeAmount = .milliseconds(10)) {
        self.total = total
        self.expected = expected
        self.ssrc = ssrc
        self.interval = interval
    }

    var summary: String {
        "rtp-forwarded: \(forwarded)/\(expected) from \(senders.count) sender(s), sent \(sent)/\(total), echoes \(echoes), corrupt \(corrupt)"
    }

    var isComplete: Bool { sent == total && forwarded >= expected && corrupt == 0 }

    func start(_ peer: DTLSSRTPClientHandler, on loop: any EventLoop) {
        let bound = NIOLoopBound((self, peer), eventLoop: loop)
        task = loop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { task in
            let (pump, peer) = bound.value
            guard pump.sent < pump.total else {
                task.cancel()
                pump.check()
                return
            }
            do {
                try peer.sendRTP(MediaPackets.rtp(sequence: UInt16(truncatingIfNeeded: pump.sent), ssrc: pump.ssrc))
                pump.sent += 1
            } catch {
                eprint("error: sending media: \(error)")
                task.cancel()
            }
        }
    }

    func received(rtp packet: [UInt8]) {
        guard let from = MediaPackets.ssrc(of: packet), let sequence = MediaPackets.sequence(of: packet) else { corrupt += 1; return }
        if from == ssrc { echoes += 1; return }
        guard packet == MediaPackets.rtp(sequence: sequence, ssrc: from) else { corrupt += 1; return }
        forwarded += 1
        senders.insert(from)
        check()
    }

    private func check() {
        guard !finished, sent == total, forwarded >= expected else { return }
        finished = true
        onDone?()
    }

    func stop() { task?.cancel() }
}

// MARK: - The server command on the Sans-IO server core

extension PeerOutcome {
    /// How a peer of `DTLSSRTPServerHandler` ended.
    init(address: SocketAddress, error: EndpointError?, counters: EndpointCounters, connected: CoreServerDelegate.Connected?) {
        self.address = display(address)
        stats = counters
        self.error = Self.dtlsError(error)
        established = connected != nil
        keyingMaterialHex = connected?.keyingMaterialHex
        peerFingerprint = connected.map { fingerprintOf(der: $0.info.dtls.peerCertificate) }
        cipherSuite = connected?.info.dtls.cipherSuite.ianaName
        srtpProfile = connected?.info.srtpProfile.rfcName
        extendedMasterSecret = connected?.info.dtls.extendedMasterSecret ?? false
        handshakeTime = connected?.handshakeTime
    }
}

/// The contract lines printed when a handshake completes (both commands).
func handshakeLines(_ info: EndpointConnectionInfo, endpoint: DTLSSRTPEndpoint?) -> [String] {
    let km = try? endpoint?.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: info.srtpProfile.keyingMaterialLength)
    return [
        "dtls-version: \(info.dtls.version == .dtls13 ? "1.3" : "1.2")",
        "group: \(info.dtls.namedGroup)",
        "cipher-suite: \(info.dtls.cipherSuite.ianaName)",
        "srtp-profile: \(info.srtpProfile.rfcName)",
        "extended-master-secret: \(info.dtls.extendedMasterSecret ? "yes" : "no")",
        "peer-fingerprint: \(info.dtls.peerCertificate.isEmpty ? "none" : fingerprintOf(der: info.dtls.peerCertificate))",
        "keying-material: \(km.map(hex) ?? "none")",
    ]
}

/// The `server` command's delegate: contract lines, key log, echo of
/// application data and of SRTP/SRTCP re-protected for the same peer.
final class CoreServerDelegate: DTLSSRTPServerDelegate {
    let behaviour: ServerBehaviour
    let firstPeerEnded: EventLoopPromise<PeerOutcome>?
    private var reported = false

    /// What a peer's handshake settled, kept for the outcome line.
    struct Connected {
        var info: EndpointConnectionInfo
        var keyingMaterialHex: String?
        var handshakeTime: Duration?
    }
    private var established: [SocketAddress: Connected] = [:]

    init(behaviour: ServerBehaviour, firstPeerEnded: EventLoopPromise<PeerOutcome>?) {
        self.behaviour = behaviour
        self.firstPeerEnded = firstPeerEnded
    }

    func server(_ handler: DTLSSRTPServerHandler, connected address: SocketAddress, info: EndpointConnectionInfo) {
        let endpoint = handler.server.endpoint(for: address)
        let km = try? endpoint?.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: info.srtpProfile.keyingMaterialLength)
        established[address] = Connected(info: info, keyingMaterialHex: km.map(hex),
                                         handshakeTime: handler.server.admittedAt(address).map { DTLSInstant.now - $0 })
        if behaviour.printContract {
            for line in handshakeLines(info, endpoint: endpoint) { eprint(line) }
        }
        if let keyLog = behaviour.keyLog { for line in endpoint?.keyLogLines ?? [] { keyLog.append(line) } }
    }

    func server(_ handler: DTLSSRTPServerHandler, receivedApplicationData data: [UInt8], from address: SocketAddress) {
        if behaviour.echo {
            do { try handler.send(Array("Echo: ".utf8) + data, to: address) } catch {
                eprint("warning: echo to \(display(address)) failed: \(error)")
            }
        } else if behaviour.printAppData {
            FileHandle.standardOutput.write(Data(data))
        }
    }

    func server(_ handler: DTLSSRTPServerHandler, receivedRTP packet: consuming ByteBuffer, from address: SocketAddress) {
        guard behaviour.echo else { return }
        try? handler.sendRTP(packet, to: address)  // unprotected with its inbound, re-protected with its outbound session
    }

    func server(_ handler: DTLSSRTPServerHandler, receivedRTCP packet: consuming ByteBuffer, from address: SocketAddress) {
        guard behaviour.echo else { return }
        try? handler.sendRTCP(packet, to: address)
    }

    func server(_ handler: DTLSSRTPServerHandler, closed address: SocketAddress, error: EndpointError?, counters: EndpointCounters) {
        let connected = established.removeValue(forKey: address)
        let wasEstablished = connected != nil
        let outcome = PeerOutcome(address: address, error: error, counters: counters, connected: connected)
        if behaviour.printContract {
            if let dtls = outcome.error {
                eprint("error: peer \(display(address)): \(wasEstablished ? "connection ended: \(dtls)" : describe(dtls))")
            }
            if wasEstablished || error == nil { eprint("peer-stats: \(outcome.stats.line)") }
        }
        if !reported {
            reported = true
            firstPeerEnded?.succeed(outcome)
        }
    }
}
