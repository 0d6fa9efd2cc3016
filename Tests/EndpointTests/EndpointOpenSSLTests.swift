import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSTestSupport
import OpenSSLReference
import SRTP
import Testing

/// Our endpoint against libssl as the DTLS peer. The libssl side's media
/// runs through a second, independent libsrtp session keyed from
/// `SSL_export_keying_material`, so both the keys and the packets cross an
/// implementation boundary.
@Suite struct EndpointOpenSSLTests {
    static func peer(role: OpenSSLDTLSPeer.Configuration.Role, profile: SRTPProtectionProfile) throws -> OpenSSLDTLSPeer {
        let identity = TestIdentity.ecdsaP256Other
        var config = OpenSSLDTLSPeer.Configuration(role: role, certificatePEM: identity.certificate.pemEncoded,
                                                   privateKeyPEM: identity.key.pemEncoded)
        config.srtpProfiles = profile.openSSLName
        return try OpenSSLDTLSPeer(config)
    }

    /// Shuttles datagrams until both sides are connected and quiet.
    static func handshake(_ ours: EndpointRecorder, _ theirs: OpenSSLDTLSPeer, now: DTLSInstant) throws {
        ours.endpoint.start(now: now)
        for _ in 0..<40 {
            _ = try theirs.drive()
            let fromThem = theirs.takeOutgoing()
            for d in fromThem { ours.endpoint.handleDatagram(d, now: now) }
            let fromUs = ours.drain()
            for d in fromUs { theirs.receive(d) }
            if fromThem.isEmpty && fromUs.isEmpty && theirs.isConnected && ours.endpoint.state != .connecting { return }
        }
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func endpointAgainstLibsslExchangesMediaInBothRoles(profile: SRTPProtectionProfile) throws {
        let srtpProfile = profile
        for ourRole in [DTLSRole.client, .server] {
            let theirRole: OpenSSLDTLSPeer.Configuration.Role = ourRole == .client ? .server : .client
            let theirs = try Self.peer(role: theirRole, profile: profile)
            let theirFingerprint = Fingerprint(certificate: try Certificate(derEncoded: theirs.certificateDER))
            var config = EndpointConfiguration(role: ourRole, certificate: TestIdentity.ecdsaP256.certificate,
                                               privateKey: TestIdentity.ecdsaP256.key, remoteFingerprints: [theirFingerprint])
            config.dtls.srtpProfiles = [profile]
            let ours = EndpointRecorder(try DTLSSRTPEndpoint(configuration: config))
            try Self.handshake(ours, theirs, now: Fixture.start)
            #expect(ours.endpoint.state == .connected, "\(ourRole)")
            #expect(theirs.isConnected)
            #expect(theirs.selectedSRTPProfileID == profile.rawValue)
            #expect(ours.endpoint.connectionInfo?.remoteFingerprint == theirFingerprint)
            #expect(theirs.peerCertificateDER == TestIdentity.ecdsaP256.certificate.derEncoded)

            // libssl's keys, libssl's role: an independent libsrtp session.
            let exported = try theirs.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp",
                                                           length: srtpProfile.keyingMaterialLength, context: nil)
            let theirSRTP = try SRTPTransport(profile: srtpProfile, exportedKeyingMaterial: exported,
                                              isClient: theirRole == .client)

            // libssl side -> endpoint, in place and queued.
            for seq in UInt16(1)...3 {
                let plain = Fixture.rtp(sequence: seq, ssrc: 0xFEED_0001)
                var buffer = plain + [UInt8](repeating: 0, count: SRTPSession.maximumTrailerLength)
                let n = try theirSRTP.protectRTP(&buffer, length: plain.count)
                if seq == 1 {
                    var wire = Array(buffer[0..<n])
                    #expect(ours.endpoint.handleDatagram(&wire, length: n, now: Fixture.start) == .rtp(length: plain.count))
                    #expect(Array(wire[0..<plain.count]) == plain)
                } else {
                    ours.endpoint.handleDatagram(Array(buffer[0..<n]), now: Fixture.start)
                }
            }
            let report = Fixture.rtcp(ssrc: 0xFEED_0001)
            var reportBuffer = report + [UInt8](repeating: 0, count: SRTPSession.maximumTrailerLength)
            let reportLength = try theirSRTP.protectRTCP(&reportBuffer, length: report.count)
            ours.endpoint.handleDatagram(Array(reportBuffer[0..<reportLength]), now: Fixture.start)
            ours.drain()
            #expect(ours.rtp == [Fixture.rtp(sequence: 2, ssrc: 0xFEED_0001), Fixture.rtp(sequence: 3, ssrc: 0xFEED_0001)])
            #expect(ours.rtcp == [report])

            // Endpoint -> libssl side.
            for seq in UInt16(10)...12 { try ours.endpoint.sendRTP(Fixture.rtp(sequence: seq)) }
            try ours.endpoint.sendRTCP(Fixture.rtcp())
            let wire = ours.drain()
            #expect(wire.count == 4)
            for (i, datagram) in wire.enumerated() {
                var buffer = datagram
                if i < 3 {
                    let n = try theirSRTP.unprotectRTP(&buffer, length: buffer.count)
                    #expect(Array(buffer[0..<n]) == Fixture.rtp(sequence: UInt16(10 + i)), "packet \(i)")
                } else {
                    let n = try theirSRTP.unprotectRTCP(&buffer, length: buffer.count)
                    #expect(Array(buffer[0..<n]) == Fixture.rtcp())
                }
            }
            let c = ours.endpoint.counters
            #expect(c.rtpIn == 3 && c.rtcpIn == 1 && c.rtpOut == 3 && c.rtcpOut == 1 && c.dropped == 0, "\(c)")

            // DTLS still works after media: close_notify reaches libssl.
            ours.endpoint.close()
            for d in ours.drain() { theirs.receive(d) }
            _ = try? theirs.drive()
            #expect(theirs.receivedCloseNotify)
        }
    }

    @Test func wrongFingerprintAgainstLibsslFailsWithoutKeys() throws {
        let theirs = try Self.peer(role: .server, profile: .aes128CmHmacSha1_80)
        let ours = EndpointRecorder(try DTLSSRTPEndpoint(configuration: Fixture.configuration(
            .client, TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256)))  // not libssl's certificate
        do { try Self.handshake(ours, theirs, now: Fixture.start) } catch { /* libssl sees our alert */ }
        #expect(ours.endpoint.state == .failed)
        #expect(ours.endpoint.isKeyed == false)
        #expect(ours.connected.isEmpty)
        #expect(theirs.lastAlertReceived == 42, "bad_certificate")
    }
}
