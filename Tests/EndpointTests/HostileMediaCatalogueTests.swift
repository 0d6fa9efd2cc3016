import DTLS
import DTLSEndpoint
import SRTP
import Testing

/// The media half of the bad-input catalogue (the DTLS half is
/// `Tests/DTLSTests/BadInputCatalogueTests.swift`): hostile SRTP/SRTCP
/// packets and datagrams at the demultiplexer.
///
/// SRTP rows run per profile. Each says which typed error the packet gets,
/// and checks the neighbours are unaffected: after the bad packet, the next
/// genuine packet of the same SSRC and one of another SSRC still unprotect
/// (RFC 3711 3.3: a packet that fails authentication or replay checks is
/// discarded and changes no state).
@Suite struct HostileMediaCatalogueTests {
    struct SRTPRow: Sendable, CustomTestStringConvertible {
        let name: String
        /// The errors that are a correct answer (libsrtp may find a malformed
        /// header before or after the tag check).
        let expected: [SRTPError]
        /// Builds the hostile packet from a link that already delivered packets 1...3 of SSRC A.
        let make: @Sendable (Link) throws -> [UInt8]
        let rtcp: Bool
        init(_ name: String, _ expected: [SRTPError], rtcp: Bool = false, _ make: @escaping @Sendable (Link) throws -> [UInt8]) {
            self.name = name
            self.expected = expected
            self.rtcp = rtcp
            self.make = make
        }
        var testDescription: String { "\(name) → \(expected)" }
    }

    /// A sender and a receiver keyed from the same exporter output.
    final class Link {
        let sender: SRTPTransport
        let receiver: SRTPTransport
        let profile: SRTPProtectionProfile
        var sequence: UInt16 = 1
        var rtcpSent = 0

        init(_ profile: SRTPProtectionProfile) throws {
            self.profile = profile
            let material = (0..<profile.keyingMaterialLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            sender = try SRTPTransport(profile: profile, exportedKeyingMaterial: material, isClient: true)
            receiver = try SRTPTransport(profile: profile, exportedKeyingMaterial: material, isClient: false)
        }

        static let ssrcA: [UInt8] = [0xCA, 0xFE, 0xBA, 0xBE]
        static let ssrcB: [UInt8] = [0x0B, 0x0B, 0x0B, 0x0B]

        func rtp(seq: UInt16, ssrc: [UInt8] = ssrcA, payload: [UInt8] = [UInt8](repeating: 0x55, count: 40)) -> [UInt8] {
            [0x80, 0x6F, UInt8(seq >> 8), UInt8(seq & 0xFF), 0, 0, UInt8(seq >> 8), UInt8(seq & 0xFF)] + ssrc + payload
        }

        func protect(_ plain: [UInt8], with transport: SRTPTransport? = nil) throws -> [UInt8] {
            var buffer = plain + [UInt8](repeating: 0, count: SRTPSession.maximumTrailerLength)
            let n = try (transport ?? sender).protectRTP(&buffer, length: plain.count)
            return Array(buffer[0..<n])
        }

        func protectRTCP(_ plain: [UInt8]) throws -> [UInt8] {
            var buffer = plain + [UInt8](repeating: 0, count: SRTPSession.maximumTrailerLength)
            let n = try sender.protectRTCP(&buffer, length: plain.count)
            return Array(buffer[0..<n])
        }

        func nextRTP(ssrc: [UInt8] = ssrcA) throws -> [UInt8] {
            defer { sequence += 1 }
            return try protect(rtp(seq: sequence, ssrc: ssrc))
        }

        func rtcpReport(ssrc: [UInt8] = ssrcA) -> [UInt8] {
            [0x80, 201, 0x00, 0x01] + ssrc
        }

        func unprotect(_ packet: [UInt8], rtcp: Bool = false) -> Result<[UInt8], SRTPError> {
            var buffer = packet
            do {
                let n = rtcp ? try receiver.unprotectRTCP(&buffer, length: buffer.count)
                             : try receiver.unprotectRTP(&buffer, length: buffer.count)
                return .success(Array(buffer[0..<n]))
            } catch {
                return .failure(error)
            }
        }
    }

    static func flipping(_ packet: [UInt8], at index: Int) -> [UInt8] {
        var p = packet
        p[(index + p.count) % p.count] ^= 0x01
        return p
    }

    static let srtpRows: [SRTPRow] = [
        SRTPRow("RTP with a bad authentication tag", [.authenticationFailed]) { l in flipping(try l.nextRTP(), at: -1) },
        SRTPRow("RTP with a flipped payload byte", [.authenticationFailed]) { l in flipping(try l.nextRTP(), at: 20) },
        SRTPRow("RTP with a flipped header byte (payload type)", [.authenticationFailed]) { l in flipping(try l.nextRTP(), at: 1) },
        SRTPRow("RTP with its tag cut off", [.authenticationFailed, .badPacket]) { l in
            let p = try l.nextRTP(); return Array(p.prefix(p.count - l.profile.rtpAuthTagLength))
        },
        SRTPRow("RTP shorter than its fixed header", [.badPacket]) { l in Array(try l.nextRTP().prefix(11)) },
        SRTPRow("RTP replay (same sequence number again)", [.replayDetected]) { l in
            let p = try l.nextRTP()
            _ = l.unprotect(p)
            return p
        },
        SRTPRow("RTP older than the replay window", [.replayDetected]) { l in
            let old = try l.nextRTP()
            for _ in 0..<1100 { _ = l.unprotect(try l.nextRTP()) }
            return old
        },
        SRTPRow("RTP from an unknown SSRC under another key", [.authenticationFailed]) { l in
            let stranger = try SRTPTransport(profile: l.profile, exportedKeyingMaterial: [UInt8](repeating: 9, count: l.profile.keyingMaterialLength), isClient: true)
            return try l.protect(l.rtp(seq: 1, ssrc: [1, 2, 3, 4]), with: stranger)
        },
        SRTPRow("our own packet reflected back (our key, not the peer's)", [.authenticationFailed]) { l in
            try l.protect(l.rtp(seq: 77), with: l.receiver)
        },
        SRTPRow("RTP whose CSRC count runs past the packet", [.badPacket, .authenticationFailed]) { l in
            var plain = l.rtp(seq: 500, payload: [1, 2, 3, 4])
            plain[0] = 0x8F
            var p = try l.protect(l.rtp(seq: 500, payload: [1, 2, 3, 4]))
            p[0] = plain[0]
            return p
        },
        SRTPRow("RTP whose header extension length runs past the packet", [.badPacket, .authenticationFailed]) { l in
            var p = try l.protect(l.rtp(seq: 501, payload: [0xBE, 0xDE, 0xFF, 0xFF]))
            p[0] |= 0x10
            return p
        },
        SRTPRow("SRTCP with a bad authentication tag", [.authenticationFailed], rtcp: true) { l in
            flipping(try l.protectRTCP(l.rtcpReport()), at: -1)
        },
        SRTPRow("SRTCP with a flipped index (E flag)", [.authenticationFailed], rtcp: true) { l in
            let p = try l.protectRTCP(l.rtcpReport())
            return flipping(p, at: p.count - l.profile.rtcpAuthTagLength - 4)
        },
        SRTPRow("SRTCP replay", [.replayDetected], rtcp: true) { l in
            let p = try l.protectRTCP(l.rtcpReport())
            _ = l.unprotect(p, rtcp: true)
            return p
        },
        SRTPRow("SRTCP without room for index and tag", [.badPacket, .authenticationFailed], rtcp: true) { l in
            Array(try l.protectRTCP(l.rtcpReport()).prefix(10))
        },
    ]


    @Test(arguments: SRTPProtectionProfile.supported, srtpRows)
    func srtpRow(profile: SRTPProtectionProfile, row: SRTPRow) throws {
        let link = try Link(profile)
        for _ in 0..<3 { #expect((try? link.unprotect(link.nextRTP()).get()) != nil) }
        let hostile = try row.make(link)
        switch link.unprotect(hostile, rtcp: row.rtcp) {
        case .success:
            Issue.record("hostile packet accepted")
        case .failure(let error):
            #expect(row.expected.contains(error), "got \(error)")
        }
        // Neighbours: the same SSRC and another SSRC go on, RTP and RTCP.
        let next = try link.nextRTP()
        #expect((try? link.unprotect(next).get()) != nil, "the next packet of the same SSRC was refused")
        let other = try link.nextRTP(ssrc: Link.ssrcB)
        #expect((try? link.unprotect(other).get()) != nil, "another SSRC was refused")
        let report = try link.protectRTCP(link.rtcpReport(ssrc: Link.ssrcB))
        #expect((try? link.unprotect(report, rtcp: true).get()) != nil, "RTCP was refused")
    }

    // MARK: Demultiplexer

    static let demuxRows: [(String, [UInt8], DatagramKind)] = [
        ("empty datagram", [], .unknown),
        ("RTP-range first byte with no second byte", [0x80], .unknown),
        ("RTP payload type 72 with the marker bit collides with RTCP SR (RFC 5761)", [0x80, 0xC8, 0, 1], .rtcp),
        ("TURN ChannelData (64-79) is not DTLS", [0x40, 0x00, 0x00, 0x10], .turnChannel),
        ("unassigned first byte 4-15", [0x04, 0x16, 0xFE, 0xFD], .unknown),
        ("unassigned first byte 80-127 (QUIC)", [0x50, 0x16], .unknown),
        ("unassigned first byte 192-255", [0xC0, 0x80], .unknown),
        ("DTLS 1.3 unified header (0x2F) goes to DTLS", [0x2F, 0x00, 0x01], .dtls),
        ("unknown DTLS content type 63 goes to DTLS, which drops it", [63, 0xFE, 0xFD], .dtls),
        ("ZRTP (16-19) is not DTLS", [0x10, 0x00], .zrtp),
    ]

    @Test(arguments: demuxRows.indices)
    func demuxRow(index: Int) {
        let (name, datagram, kind) = Self.demuxRows[index]
        #expect(Demultiplexer.classify(datagram) == kind, "\(name)")
    }

    @Test func catalogueRowCount() {
        #expect(Self.srtpRows.count + Self.demuxRows.count >= 25)
    }
}
