import CSRTP
import DTLS
import DTLSCrypto
import DTLSEndpoint
import SRTP

/// SRTP protect plus unprotect of a 1200-byte RTP payload: through our
/// endpoint (demultiplexing, state checks, counters, libsrtp) against bare
/// libsrtp2 calls (srtp_protect/srtp_unprotect on two sessions) in the same
/// process, hence on the same crypto backend (libcrypto by default; see
/// `BuiltInBaseline` for Debian's stock NSS-backed libsrtp2).
enum SRTPBench {
    static let payloadLength = 1200

    static func rtp(sequence: UInt16) -> [UInt8] {
        var p: [UInt8] = [0x80, 111, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0x10, 0x00, 0x12, 0x34, 0x56, 0x78]
        p += [UInt8](repeating: 0xAB, count: payloadLength)
        return p
    }

    /// Two endpoints keyed by a real in-memory handshake.
    static func endpoints(profile: SRTPProtectionProfile, client: BenchIdentity, server: BenchIdentity) -> (DTLSSRTPEndpoint, DTLSSRTPEndpoint) {
        var cc = EndpointConfiguration(role: .client, certificate: client.certificate, privateKey: client.key,
                                       remoteFingerprints: [server.fingerprint])
        cc.dtls.srtpProfiles = [profile]
        var sc = EndpointConfiguration(role: .server, certificate: server.certificate, privateKey: server.key,
                                       remoteFingerprints: [client.fingerprint])
        sc.dtls.srtpProfiles = [profile]
        let a = try! DTLSSRTPEndpoint(configuration: cc)
        let b = try! DTLSSRTPEndpoint(configuration: sc)
        let now = DTLSInstant.now
        a.start(now: now)
        b.start(now: now)
        var buffer: [UInt8] = []
        for _ in 0..<20 {
            var ab: [[UInt8]] = [], ba: [[UInt8]] = []
            while case let out = a.pollOutput(into: &buffer), !isTimeout(out) { if case .transmit = out { ab.append(buffer) } }
            while case let out = b.pollOutput(into: &buffer), !isTimeout(out) { if case .transmit = out { ba.append(buffer) } }
            if ab.isEmpty, ba.isEmpty, a.isKeyed, b.isKeyed { break }
            for d in ab { b.handleDatagram(d, now: now) }
            for d in ba { a.handleDatagram(d, now: now) }
        }
        guard a.isKeyed, b.isKeyed else { fatalError("endpoints did not key") }
        // Let the timers run out as they would on a live server (the
        // server's final-flight linger), so each endpoint is measured in its
        // steady state: handshake state released, idle buffers given back.
        for e in [a, b] {
            for _ in 0..<8 {
                var deadline: DTLSInstant?
                var drained = false
                while !drained {
                    if case .timeout(let d) = e.pollOutput(into: &buffer) { deadline = d; drained = true }
                }
                guard let deadline else { break }
                e.handleTimeout(now: deadline)
            }
        }
        return (a, b)
    }

    static func isTimeout(_ o: EndpointOutput) -> Bool { if case .timeout = o { true } else { false } }

    /// One packet: the client endpoint protects in place, the server endpoint
    /// classifies and unprotects it in place.
    static func ours(_ pair: (DTLSSRTPEndpoint, DTLSSRTPEndpoint)) -> () -> Void {
        packets(pair) { buffer, n, b, now in
            guard case .rtp(let length) = b.handleDatagram(&buffer, length: n, now: now), length == 12 + payloadLength else {
                fatalError("endpoint did not deliver the packet")
            }
        }
    }

    /// A forged packet: the client endpoint protects, one payload bit is
    /// flipped, and the server endpoint must drop it (authentication). What
    /// a flood of forgeries costs in allocations.
    static func forged(_ pair: (DTLSSRTPEndpoint, DTLSSRTPEndpoint)) -> () -> Void {
        packets(pair) { buffer, n, b, now in
            buffer[100] ^= 0x01
            guard case .dropped(.authenticationFailed) = b.handleDatagram(&buffer, length: n, now: now) else {
                fatalError("a forged packet was not dropped")
            }
            buffer[100] ^= 0x01
        }
    }

    /// Each call protects the next RTP packet at the first endpoint and hands
    /// the SRTP packet's length to `deliver`, which feeds the second.
    private static func packets(_ pair: (DTLSSRTPEndpoint, DTLSSRTPEndpoint),
                                deliver: @escaping (inout [UInt8], Int, DTLSSRTPEndpoint, DTLSInstant) -> Void) -> () -> Void {
        let (a, b) = pair
        var buffer = rtp(sequence: 0)
        buffer += [UInt8](repeating: 0, count: 64)
        let plainLength = 12 + payloadLength
        var sequence: UInt16 = 0
        let now = DTLSInstant.now
        return {
            sequence &+= 1
            buffer[2] = UInt8(sequence >> 8)
            buffer[3] = UInt8(sequence & 0xFF)
            let n = try! a.protectRTP(&buffer, length: plainLength)
            deliver(&buffer, n, b, now)
        }
    }

    /// The limit: libsrtp2 alone, one outbound and one inbound session.
    static func raw(profile: SRTPProtectionProfile) -> () -> Void {
        let key = SecureRandom.bytes(profile.masterKeyLength + profile.masterSaltLength)
        let sender = RawSRTPSession(profile: profile, key: key, outbound: true)
        let receiver = RawSRTPSession(profile: profile, key: key, outbound: false)
        var buffer = rtp(sequence: 0)
        buffer += [UInt8](repeating: 0, count: 64)
        let plainLength = Int32(12 + payloadLength)
        var sequence: UInt16 = 0
        return {
            sequence &+= 1
            buffer[2] = UInt8(sequence >> 8)
            buffer[3] = UInt8(sequence & 0xFF)
            var length = plainLength
            buffer.withUnsafeMutableBytes { p in
                guard srtp_protect(sender.session, p.baseAddress, &length) == srtp_err_status_ok,
                      srtp_unprotect(receiver.session, p.baseAddress, &length) == srtp_err_status_ok else {
                    fatalError("raw libsrtp failed")
                }
            }
        }
    }
}

/// A bare libsrtp2 session for the baseline.
final class RawSRTPSession {
    var session: srtp_t?

    init(profile: SRTPProtectionProfile, key: [UInt8], outbound: Bool) {
        _ = Self.initialized
        var policy = srtp_policy_t()
        switch profile {
        case .aeadAes128Gcm:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        default:
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        }
        policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound
        policy.window_size = 1024
        var keyCopy = key
        let status = keyCopy.withUnsafeMutableBufferPointer { k -> srtp_err_status_t in
            policy.key = k.baseAddress
            return srtp_create(&session, &policy)
        }
        precondition(status == srtp_err_status_ok, "srtp_create failed")
    }

    deinit { srtp_dealloc(session) }

    /// The SRTP module's own initialisation (srtp_init, then the libcrypto
    /// types unless `SRTPLibrary.useBuiltInCrypto()` ran first), so bare
    /// libsrtp runs on exactly the backend the endpoints use.
    static let initialized: Bool = {
        do { try SRTPLibrary.initialize() } catch { fatalError("libsrtp: \(error)") }
        return true
    }()
}
