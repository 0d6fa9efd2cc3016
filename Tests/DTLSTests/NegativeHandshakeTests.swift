@testable import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// Handshakes that must fail, and how: the right error, the right alert,
/// no keys, never a crash.
@Suite struct NegativeHandshakeTests {
    static func runToFailure(_ client: EngineDriver, _ server: EngineDriver, _ net: VirtualNetwork) {
        net.run(client: client, server: server, limit: .seconds(60)) {
            (client.failure != nil && server.failure != nil) || (client.isConnected && server.isConnected)
        }
    }

    @Test func noCommonCipherSuiteFailsWithHandshakeFailure() {
        // An ECDSA-only client against a server whose RSA key can sign only RSA suites.
        let (client, server, net) = HandshakeTests.pair(server: TestIdentity.rsa2048) { c, _ in
            c.cipherSuites = [.ecdheEcdsaWithAes128GcmSha256]
        }
        Self.runToFailure(client, server, net)
        #expect(server.failure?.code == .noCommonCipherSuite)
        #expect(server.failure?.alert == .handshakeFailure)
        #expect(client.failure?.code == .alertReceived)
        #expect(client.failure?.alert == .handshakeFailure)
        #expect(client.keyingMaterial == nil && server.keyingMaterial == nil)
    }

    @Test func noCommonSRTPProfileFailsWithHandshakeFailure() {
        let (client, server, net) = HandshakeTests.pair { c, s in
            c.srtpProfiles = [.aes128CmHmacSha1_80]
            s.srtpProfiles = [.aeadAes128Gcm]
        }
        Self.runToFailure(client, server, net)
        #expect(server.failure?.code == .noCommonSRTPProfile)
        #expect(client.failure?.alert == .handshakeFailure)
    }

    @Test func clientWithoutSRTPIsRefusedWhenTheServerRequiresIt() {
        let (client, server, net) = HandshakeTests.pair { c, _ in c.srtpProfiles = [] }
        Self.runToFailure(client, server, net)
        #expect(server.failure?.code == .noCommonSRTPProfile)
    }

    @Test func wrongFingerprintFailsWithBadCertificateAndNoKeys() {
        let (client, server, net) = HandshakeTests.pair { c, _ in
            c.peerVerification = .fingerprints([TestIdentity.rsa2048.fingerprint])
        }
        Self.runToFailure(client, server, net)
        #expect(client.failure?.code == .certificateRejected)
        #expect(client.failure?.alert == .badCertificate)
        #expect(server.failure?.code == .alertReceived)
        #expect(server.failure?.alert == .badCertificate)
        #expect(client.keyingMaterial == nil && server.keyingMaterial == nil)
        // The certificate is still surfaced, so the caller can log what it got.
        #expect(client.peerCertificate == TestIdentity.ecdsaP256Other.certificate.derEncoded)
    }

    @Test func serverRejectsAClientCertificateThatDoesNotMatch() {
        let (client, server, net) = HandshakeTests.pair { _, s in
            s.peerVerification = .fingerprints([TestIdentity.rsa2048.fingerprint])
        }
        Self.runToFailure(client, server, net)
        #expect(server.failure?.code == .certificateRejected)
        #expect(client.failure?.alert == .badCertificate)
    }

    @Test func missingClientCertificateIsRefusedWhenRequired() {
        // A client that drops its Certificate... is modelled by a server that
        // requires one from a client configured to send an empty list: our
        // client always sends one when asked, so tamper the request away.
        let (client, server, net) = HandshakeTests.pair()
        net.filter = { toServer, d in
            guard toServer else { return d }
            // Replace the client's Certificate message body with an empty list.
            return Self.rewritingHandshake(d, type: .certificate) { _ in [0, 0, 0] }
        }
        Self.runToFailure(client, server, net)
        #expect(server.failure?.code == .missingClientCertificate)
        #expect(server.failure?.alert == .handshakeFailure)
    }

    @Test func tamperedCertificateVerifyFailsWithDecryptError() {
        let (client, server, net) = HandshakeTests.pair()
        net.filter = { toServer, d in
            guard toServer else { return d }
            return Self.rewritingHandshake(d, type: .certificateVerify) { body in
                var b = body
                b[b.count - 1] ^= 0x01
                return b
            }
        }
        Self.runToFailure(client, server, net)
        #expect(server.failure?.code == .badSignature)
        #expect(server.failure?.alert == .decryptError)
    }

    @Test func tamperedServerKeyExchangeSignatureFailsOnTheClient() {
        let (client, server, net) = HandshakeTests.pair()
        net.filter = { toServer, d in
            guard !toServer else { return d }
            return Self.rewritingHandshake(d, type: .serverKeyExchange) { body in
                var b = body
                b[b.count - 3] ^= 0x10
                return b
            }
        }
        Self.runToFailure(client, server, net)
        #expect(client.failure?.code == .badSignature)
        #expect(client.failure?.alert == .decryptError)
    }

    @Test func tamperedFinishedFailsWithDecryptError() throws {
        // Seal a Finished with the client's real epoch-1 keys but wrong
        // verify_data, in place of the real one.
        let (client, server, net) = HandshakeTests.pair()
        var replaced = false
        net.filter = { toServer, d in
            guard toServer, !replaced, LossyNetworkTests.hasEpoch1(d), let protection = client.connection.writeProtection else { return d }
            replaced = true
            var records: [RecordView] = []
            RecordView.split(d, into: &records)
            var out: [UInt8] = []
            for r in records where r.header.epoch == 0 { out += d[(r.fragment.lowerBound - RecordHeader.length)..<r.fragment.upperBound] }
            // Build an epoch-1 handshake record: Finished with 12 zero bytes.
            var body = ByteWriter()
            HandshakeHeader(type: .finished, length: 12, messageSequence: records.last.map { _ in Self.finishedSequence(d, client) } ?? 0,
                            fragmentOffset: 0, fragmentLength: 12).write(to: &body)
            body.writeBytes([UInt8](repeating: 0, count: 12))
            var headerWriter = ByteWriter()
            RecordHeader(contentType: .handshake, version: .dtls12, epoch: 1, sequenceNumber: 99, length: 0).write(to: &headerWriter)
            var record = headerWriter.bytes
            record += [UInt8](repeating: 0, count: 8) + body.bytes + [UInt8](repeating: 0, count: 16)
            try? protection.seal(&record, headerStart: 0, plaintextLength: body.bytes.count, type: .handshake,
                                 version: .dtls12, epoch: 1, sequence: 99)
            return out + record
        }
        Self.runToFailure(client, server, net)
        #expect(replaced)
        #expect(server.failure?.code == .badFinished)
        #expect(server.failure?.alert == .decryptError)
        #expect(server.keyingMaterial == nil)
    }

    @Test func peerSpeakingOnlyDTLS10IsRefusedWithProtocolVersion() {
        let (client, server, net) = HandshakeTests.pair()
        net.filter = { toServer, d in
            guard toServer else { return d }
            return Self.rewritingHandshake(d, type: .clientHello) { body in
                var b = body
                b[0] = 0xFE
                b[1] = 0xFF
                return b
            }
        }
        Self.runToFailure(client, server, net)
        #expect(server.failure?.code == .protocolVersion || server.failure == nil && client.failure != nil)
    }

    @Test func browserLikeClientHelloWithUnknownOffersIsAnsweredWithDTLS12() throws {
        // GREASE values, a TLS 1.3 suite, DTLS 1.3 in supported_versions, an
        // unknown key share and group: ignored, answered with DTLS 1.2.
        let now = DTLSInstant.now
        var config = TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: nil)
        config.cookieExchange = false
        let server = EngineDriver(DTLSConnection(serverWith: config, now: now), name: "s")
        let hello = ClientHello(
            random: [UInt8](repeating: 7, count: 32),
            cipherSuites: [CipherSuite(rawValue: 0x0A0A), CipherSuite(rawValue: 0x1301), .ecdheEcdsaWithAes128GcmSha256, .ecdheRsaWithAes128GcmSha256],
            extensions: [
                HelloExtension(type: ExtensionType(rawValue: 0x1A1A), data: []),
                .supportedGroups([NamedGroup(rawValue: 0x11EC), .x25519, .secp256r1, .secp384r1]),
                HelloExtension(type: .supportedVersions, data: [4, 0xFE, 0xFC, 0xFE, 0xFD]),
                HelloExtension(type: ExtensionType(rawValue: 51), data: [0, 6, 0x11, 0xEC, 0, 2, 1, 2]),
                .signatureAlgorithms([SignatureScheme(rawValue: 0x0804), .ecdsaSecp256r1Sha256]),
                .useSRTP(UseSRTPData(profiles: [.aes128CmHmacSha1_80, SRTPProtectionProfile(rawValue: 0x0008), .aeadAes128Gcm])),
                .extendedMasterSecret, .renegotiationInfoEmpty, .ecPointFormatsUncompressed,
            ])
        var body = ByteWriter()
        hello.write(to: &body)
        var datagram = ByteWriter()
        RecordHeader(contentType: .handshake, version: .dtls10, epoch: 0, sequenceNumber: 0,
                     length: UInt16(body.count + HandshakeHeader.length)).write(to: &datagram)
        HandshakeHeader(type: .clientHello, length: UInt32(body.count), messageSequence: 0, fragmentOffset: 0,
                        fragmentLength: UInt32(body.count)).write(to: &datagram)
        datagram.writeBytes(body.bytes)
        server.connection.handlePacket(datagram.bytes, now: now)
        let replies = server.drain()
        #expect(server.failure == nil)
        var records: [RecordView] = []
        for d in replies { RecordView.split(d, into: &records) }
        let first = try #require(records.first)
        let fragments = try HandshakeFragmentView.split(replies[0], range: first.fragment)
        #expect(fragments.first?.header.type == .serverHello)
        var reader = ByteReader(replies[0], range: try #require(fragments.first).body)
        let serverHello = try ServerHello(parsing: &reader)
        #expect(serverHello.version == .dtls12)
        #expect(serverHello.cipherSuite == .ecdheEcdsaWithAes128GcmSha256)
        #expect(try serverHello.extensions.useSRTP()?.profiles == [.aeadAes256Gcm])
        #expect(!serverHello.extensions.contains(.supportedVersions))
    }

    // MARK: - Helpers

    /// Rewrites every unfragmented handshake message of `type` in the
    /// epoch-0 records of a datagram.
    static func rewritingHandshake(_ d: [UInt8], type: HandshakeType, _ change: ([UInt8]) -> [UInt8]) -> [UInt8] {
        DatagramRewriter.rewritingMessages(d) { t, body in t == type ? (t, change(body)) : nil }
    }

    static func finishedSequence(_ d: [UInt8], _ client: EngineDriver) -> UInt16 {
        // Flight 5's messages are numbered consecutively; Finished follows the last epoch-0 one.
        var records: [RecordView] = []
        RecordView.split(d, into: &records)
        var last: UInt16 = 0
        for r in records where r.header.epoch == 0 && r.header.contentType == .handshake {
            if let fs = try? HandshakeFragmentView.split(d, range: r.fragment) { for f in fs { last = max(last, f.header.messageSequence) } }
        }
        return last + 1
    }
}
