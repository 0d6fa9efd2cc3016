import DTLS
import DTLSCrypto
@testable import DTLSEndpoint
import DTLSTestSupport
import SRTP
import Testing

/// Tampered, truncated, replayed, unkeyed and unknown datagrams are dropped
/// and counted; STUN and TURN pass through untouched; a wrong fingerprint
/// fails the endpoint with no keys.
@Suite struct EndpointRejectionTests {
    static func protectedRTP(_ sender: DTLSSRTPEndpoint, sequence: UInt16) throws -> [UInt8] {
        let plain = Fixture.rtp(sequence: sequence)
        var buffer = plain + [UInt8](repeating: 0, count: DTLSSRTPEndpoint.maximumTrailerLength)
        let n = try sender.protectRTP(&buffer, length: plain.count)
        return Array(buffer[0..<n])
    }

    static func protectedRTCP(_ sender: DTLSSRTPEndpoint) throws -> [UInt8] {
        let plain = Fixture.rtcp()
        var buffer = plain + [UInt8](repeating: 0, count: DTLSSRTPEndpoint.maximumTrailerLength)
        let n = try sender.protectRTCP(&buffer, length: plain.count)
        return Array(buffer[0..<n])
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func tamperedTruncatedAndReplayedPacketsAreRejectedAndCounted(profile: SRTPProtectionProfile) throws {
        let (client, server) = try Fixture.pair(profiles: [profile])
        Fixture.run(client, server)
        let rx = server.endpoint

        // Tampered payload, tampered tag, tampered header (SSRC): authentication fails.
        let good = try Self.protectedRTP(client.endpoint, sequence: 1)
        for index in [20, good.count - 1, 9] {
            var bad = good
            bad[index] ^= 0x01
            #expect(rx.handleDatagram(&bad, length: bad.count, now: Fixture.start) == .dropped(.authenticationFailed),
                    "flip at \(index)")
        }
        // Truncated: tag cut short, or shorter than an RTP header.
        var cut = Array(good.dropLast(2))
        #expect(rx.handleDatagram(&cut, length: cut.count, now: Fixture.start) == .dropped(.authenticationFailed))
        var stub = Array(good.prefix(8))
        #expect(rx.handleDatagram(&stub, length: stub.count, now: Fixture.start) == .dropped(.malformed))
        // The genuine packet still goes through once, then is a replay.
        var first = good
        #expect(rx.handleDatagram(&first, length: first.count, now: Fixture.start) == .rtp(length: Fixture.rtp(sequence: 1).count))
        var again = good
        #expect(rx.handleDatagram(&again, length: again.count, now: Fixture.start) == .dropped(.replayed))
        // Queued path counts the same way and queues nothing.
        rx.handleDatagram(good, now: Fixture.start)
        // (libsrtp checks the replay window before the tag, so tamper a fresh index.)
        var tampered = try Self.protectedRTP(client.endpoint, sequence: 2)
        tampered[tampered.count - 3] ^= 0x80
        rx.handleDatagram(tampered, now: Fixture.start)

        // SRTCP: tampered, truncated, replayed.
        let report = try Self.protectedRTCP(client.endpoint)
        var badReport = report
        badReport[5] ^= 0x10
        #expect(rx.handleDatagram(&badReport, length: badReport.count, now: Fixture.start) == .dropped(.authenticationFailed))
        var shortReport = Array(report.dropLast(1))
        let shortResult = rx.handleDatagram(&shortReport, length: shortReport.count, now: Fixture.start)
        #expect(shortResult == .dropped(.authenticationFailed) || shortResult == .dropped(.malformed))
        var okReport = report
        #expect(rx.handleDatagram(&okReport, length: okReport.count, now: Fixture.start) == .rtcp(length: Fixture.rtcp().count))
        var replayedReport = report
        #expect(rx.handleDatagram(&replayedReport, length: replayedReport.count, now: Fixture.start) == .dropped(.replayed))

        server.drain()
        #expect(server.rtp.isEmpty && server.rtcp.isEmpty)
        let c = rx.counters
        #expect(c.rtpIn == 1 && c.rtcpIn == 1, "\(c)")
        #expect(c.authenticationFailures == 6 + (shortResult == .dropped(.authenticationFailed) ? 1 : 0), "\(c)")
        #expect(c.malformed == 1 + (shortResult == .dropped(.malformed) ? 1 : 0), "\(c)")
        #expect(c.replays == 3, "\(c)")
        #expect(c.dropped == 11, "\(c)")
        #expect(rx.state == .connected, "bad media must not disturb the association")
    }

    @Test func stunAndTurnPassThroughUntouchedInEveryState() throws {
        let (client, server) = try Fixture.pair()
        let stun = Fixture.stunBindingRequest
        let channelData: [UInt8] = [0x40, 0x01, 0x00, 0x04, 1, 2, 3, 4]
        // Before start.
        var buffer = stun
        #expect(server.endpoint.handleDatagram(&buffer, length: buffer.count, now: Fixture.start) == .stun)
        #expect(buffer == stun)
        server.endpoint.handleDatagram(stun, now: Fixture.start)
        server.endpoint.handleDatagram(channelData, now: Fixture.start)
        server.drain()
        #expect(server.stun == [stun])
        #expect(server.turnChannel == [channelData])
        #expect(server.endpoint.state == .new)
        // Connected.
        Fixture.run(client, server)
        var channel = channelData
        #expect(client.endpoint.handleDatagram(&channel, length: channel.count, now: Fixture.start) == .turnChannel)
        #expect(channel == channelData)
        client.endpoint.handleDatagram(stun, now: Fixture.start)
        client.drain()
        #expect(client.stun == [stun])
        // Closed.
        client.endpoint.close()
        client.endpoint.handleDatagram(stun, now: Fixture.start)
        client.drain()
        #expect(client.stun.count == 2)
        #expect(client.endpoint.counters.stunIn == 2)
        #expect(client.endpoint.counters.turnChannelIn == 1)
        #expect(server.endpoint.counters.stunIn == 2 && server.endpoint.counters.turnChannelIn == 1)
    }

    @Test func unknownAndZRTPDatagramsAreDroppedAndCounted() throws {
        let (client, server) = try Fixture.pair()
        Fixture.run(client, server)
        for first: UInt8 in [4, 16, 100, 200, 255] {
            var d: [UInt8] = [first, 0, 0, 0, 0, 0, 0, 0]
            #expect(client.endpoint.handleDatagram(&d, length: d.count, now: Fixture.start) == .dropped(.unknownKind))
            client.endpoint.handleDatagram([first, 1], now: Fixture.start)
        }
        var empty: [UInt8] = []
        #expect(client.endpoint.handleDatagram(&empty, length: 0, now: Fixture.start) == .dropped(.unknownKind))
        var short: [UInt8] = [0x80]
        #expect(client.endpoint.handleDatagram(&short, length: 1, now: Fixture.start) == .dropped(.unknownKind))
        var bogus: [UInt8] = [0x80, 0]
        #expect(client.endpoint.handleDatagram(&bogus, length: 5, now: Fixture.start) == .dropped(.malformed))
        client.drain()
        #expect(client.rtp.isEmpty && client.stun.isEmpty)
        #expect(client.endpoint.counters.droppedUnknownKind == 12)
        #expect(client.endpoint.counters.dropped == 13)
    }

    @Test func mediaBeforeKeysIsDroppedAndProtectRefused() throws {
        let (client, server) = try Fixture.pair()
        var packet = Fixture.rtp(sequence: 1) + [UInt8](repeating: 0, count: 20)
        #expect(throws: EndpointError.notKeyed) { try client.endpoint.protectRTP(&packet, length: 172) }
        #expect(throws: EndpointError.notKeyed) { try client.endpoint.sendRTCP(Fixture.rtcp()) }
        var rtp = Fixture.rtp(sequence: 1)
        #expect(server.endpoint.handleDatagram(&rtp, length: rtp.count, now: Fixture.start) == .dropped(.notKeyed))
        server.endpoint.handleDatagram(Fixture.rtcp(), now: Fixture.start)
        #expect(server.endpoint.counters.droppedNotKeyed == 2)
        #expect(client.endpoint.counters.protectFailures == 2)
        // A client that has not started drops DTLS.
        var dtls: [UInt8] = [22, 0xFE, 0xFD] + [UInt8](repeating: 0, count: 10)
        #expect(client.endpoint.handleDatagram(&dtls, length: dtls.count, now: Fixture.start) == .dropped(.inactive))
        #expect(client.endpoint.state == .new)
    }

    /// The engine checks the fingerprint first and fails the handshake: the
    /// endpoint reports failed, never keys, never surfaces media.
    @Test func wrongFingerprintFailsWithoutKeys() throws {
        let client = EndpointRecorder(try DTLSSRTPEndpoint(configuration: Fixture.configuration(
            .client, TestIdentity.ecdsaP256, peer: TestIdentity.rsa2048)))  // expects the wrong certificate
        let server = EndpointRecorder(try DTLSSRTPEndpoint(configuration: Fixture.configuration(
            .server, TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256)))
        Fixture.run(client, server)
        #expect(client.endpoint.state == .failed)
        #expect(client.states == [.connecting, .failed])
        #expect(client.connected.isEmpty)
        #expect(client.endpoint.isKeyed == false && client.endpoint.srtpProfile == nil)
        guard case .dtls(let error) = client.endpoint.failure else {
            Issue.record("failure: \(String(describing: client.endpoint.failure))")
            return
        }
        #expect(error.code == .certificateRejected)
        // The server learns of it through the alert and fails too.
        #expect(server.endpoint.state == .failed)
        #expect(server.endpoint.isKeyed == false)
        var packet = Fixture.rtp(sequence: 1) + [UInt8](repeating: 0, count: 20)
        #expect(throws: EndpointError.notKeyed) { try client.endpoint.protectRTP(&packet, length: 172) }
        #expect(throws: EndpointError.notKeyed) { try server.endpoint.protectRTP(&packet, length: 172) }
        #expect(client.drain().isEmpty && client.deadline == nil)
    }

    /// Defence in depth: even if the engine accepted the certificate, the
    /// endpoint checks it against the SDP fingerprints before keying SRTP.
    @Test func endpointGatesKeysOnItsOwnFingerprintCheck() throws {
        var config = Fixture.configuration(.client, TestIdentity.ecdsaP256, peer: TestIdentity.rsa2048)
        config.engineVerificationOverride = .acceptAny
        let client = EndpointRecorder(try DTLSSRTPEndpoint(configuration: config))
        let server = EndpointRecorder(try DTLSSRTPEndpoint(configuration: Fixture.configuration(
            .server, TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256)))
        Fixture.run(client, server)
        #expect(client.endpoint.state == .failed)
        #expect(client.endpoint.failure == .fingerprintMismatch)
        #expect(client.states == [.connecting, .failed])
        #expect(client.connected.isEmpty && client.endpoint.connectionInfo == nil)
        #expect(client.endpoint.isKeyed == false)
        // The server did key (its check passed) and sends media: the client drops it unkeyed.
        // The peer learns why: a fatal bad_certificate (RFC 5763 5).
        #expect(server.endpoint.state == .failed)
        #expect(server.endpoint.failure.map { if case .dtls(let e) = $0 { e.alert == .badCertificate } else { false } } == true)
        var packet = Fixture.rtp(sequence: 1)
        #expect(client.endpoint.handleDatagram(&packet, length: packet.count, now: Fixture.start) == .dropped(.notKeyed))
    }

    @Test func configurationWithoutFingerprintsOrProfilesIsRefused() {
        var config = Fixture.configuration(.client, TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other)
        config.remoteFingerprints = []
        #expect(throws: EndpointError.noRemoteFingerprints) { try DTLSSRTPEndpoint(configuration: config) }
        var noProfiles = Fixture.configuration(.client, TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other)
        noProfiles.dtls.srtpProfiles = [SRTPProtectionProfile(rawValue: 0x0003)]
        #expect(throws: EndpointError.noSRTPProfiles) { try DTLSSRTPEndpoint(configuration: noProfiles) }
    }
}
