import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSTestSupport
import SRTP

/// Drains an endpoint and keeps what it produced, for assertions.
final class EndpointRecorder {
    let endpoint: DTLSSRTPEndpoint
    private var buffer: [UInt8] = []
    var rtp: [[UInt8]] = []
    var rtcp: [[UInt8]] = []
    var stun: [[UInt8]] = []
    var turnChannel: [[UInt8]] = []
    var applicationData: [[UInt8]] = []
    var states: [DTLSSRTPEndpoint.State] = []
    var connected: [EndpointConnectionInfo] = []
    var deadline: DTLSInstant?
    var transmitted = 0

    init(_ endpoint: DTLSSRTPEndpoint) { self.endpoint = endpoint }

    /// Drains all output; returns the datagrams to send.
    @discardableResult
    func drain() -> [[UInt8]] {
        var out: [[UInt8]] = []
        while true {
            switch endpoint.pollOutput(into: &buffer) {
            case .transmit:
                out.append(buffer)
                transmitted += 1
            case .rtp: rtp.append(buffer)
            case .rtcp: rtcp.append(buffer)
            case .stun: stun.append(buffer)
            case .turnChannel: turnChannel.append(buffer)
            case .applicationData: applicationData.append(buffer)
            case .stateChanged(let s): states.append(s)
            case .connected(let info): connected.append(info)
            case .timeout(let t):
                deadline = t
                return out
            }
        }
    }
}

enum Fixture {
    static let start = DTLSInstant.now

    static func configuration(
        _ role: DTLSRole, _ identity: TestIdentity.Identity, peer: TestIdentity.Identity,
        profiles: [SRTPProtectionProfile] = SRTPProtectionProfile.supported
    ) -> EndpointConfiguration {
        var config = EndpointConfiguration(role: role, certificate: identity.certificate, privateKey: identity.key,
                                           remoteFingerprints: [peer.fingerprint])
        config.dtls.srtpProfiles = profiles
        return config
    }

    /// A client (ecdsaP256) and a server (ecdsaP256Other) that pin each other.
    static func pair(profiles: [SRTPProtectionProfile] = SRTPProtectionProfile.supported)
        throws -> (client: EndpointRecorder, server: EndpointRecorder)
    {
        let client = try DTLSSRTPEndpoint(configuration: configuration(
            .client, TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other, profiles: profiles))
        let server = try DTLSSRTPEndpoint(configuration: configuration(
            .server, TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256, profiles: profiles))
        return (EndpointRecorder(client), EndpointRecorder(server))
    }

    /// Starts both and shuttles datagrams until neither has anything to send.
    /// `transfer` may drop (nil) or alter datagrams.
    @discardableResult
    static func run(
        _ a: EndpointRecorder, _ b: EndpointRecorder, now: DTLSInstant = start, maxRounds: Int = 40,
        transfer: (_ toB: Bool, [UInt8]) -> [UInt8]? = { $1 }
    ) -> Int {
        a.endpoint.start(now: now)
        b.endpoint.start(now: now)
        for round in 1...maxRounds {
            let ab = a.drain()
            let ba = b.drain()
            if ab.isEmpty && ba.isEmpty { return round }
            for d in ab { if let d = transfer(true, d) { b.endpoint.handleDatagram(d, now: now) } }
            for d in ba { if let d = transfer(false, d) { a.endpoint.handleDatagram(d, now: now) } }
        }
        return maxRounds
    }

    /// An RTP packet: V=2, PT 111, the given sequence number, SSRC, payload.
    static func rtp(sequence: UInt16, ssrc: UInt32 = 0x1234_5678, payloadLength: Int = 160) -> [UInt8] {
        var p: [UInt8] = [0x80, 111, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0x10, 0x00]
        p += [UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF)]
        p += (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(sequence)) }
        return p
    }

    /// A receiver report with no report blocks (RTCP PT 201).
    static func rtcp(ssrc: UInt32 = 0x1234_5678) -> [UInt8] {
        [0x80, 201, 0x00, 0x01, UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF)]
    }

    /// A STUN binding request header with a magic cookie and a transaction ID.
    static let stunBindingRequest: [UInt8] =
        [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + (1...12).map { UInt8($0) }

    static func hexPrefix(_ bytes: [UInt8], _ n: Int = 8) -> String {
        bytes.prefix(n).map { String($0, radix: 16) }.joined(separator: " ") + " (\(bytes.count) bytes)"
    }
}
