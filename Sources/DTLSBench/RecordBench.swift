import DTLS
import DTLSCrypto
import OpenSSLReference

/// 1200-byte application-data records, seal plus open.
enum RecordBench {
    static let payload = [UInt8](repeating: 0xA5, count: 1200)

    static func connectedPair(client: BenchIdentity, server: BenchIdentity, suite: CipherSuite) -> OurPair {
        var cc = DTLSConfiguration(certificate: client.certificate, privateKey: client.key, peerVerification: .acceptAny)
        cc.cipherSuites = [suite]
        // A 1.3 suite runs DTLS 1.3, any other DTLS 1.2.
        cc.versions = suite.dtls13Hash != nil ? [.dtls13] : [.dtls12]
        var sc = DTLSConfiguration(certificate: server.certificate, privateKey: server.key, peerVerification: .acceptAny)
        sc.versions = cc.versions
        let pair = OurPair(client: cc, server: sc)
        guard pair.handshake() else { fatalError("no handshake") }
        return pair
    }

    /// One record: the client seals, the server opens.
    static func ours(_ pair: OurPair) -> () -> Void {
        var out: [UInt8] = []
        out.reserveCapacity(1600)
        var inbound: [UInt8] = []
        inbound.reserveCapacity(1600)
        let client = pair.client
        let server = pair.server!
        let payload = Self.payload
        return {
            try! client.send(payload)
            guard case .packet = client.pollOutput(into: &out) else { fatalError("no packet") }
            _ = client.pollOutput(into: &inbound)
            server.handlePacket(out, now: pair.now)
            guard case .applicationData = server.pollOutput(into: &inbound) else { fatalError("no data") }
            _ = server.pollOutput(into: &out)
        }
    }

    /// The same record through the direct path: sealed straight into the
    /// datagram buffer, opened where it lies.
    static func oursDirect(_ pair: OurPair) -> () -> Void {
        var datagram: [UInt8] = []
        datagram.reserveCapacity(1600)
        let client = pair.client
        let server = pair.server!
        let payload = Self.payload
        return {
            try! client.sealApplicationData(payload, into: &datagram)
            guard case .applicationData(let range) = server.openApplicationData(in: &datagram),
                  range.count == 1200 else { fatalError("no data") }
        }
    }

    static func openssl(client: BenchIdentity, server: BenchIdentity, suite: CipherSuite) -> () -> Void {
        let sc = OpenSSLDTLSPeer.Configuration(role: .server, certificatePEM: server.certificate.pemEncoded,
                                               privateKeyPEM: server.key.pemEncoded, cipherList: suite.openSSLName)
        let cc = OpenSSLDTLSPeer.Configuration(role: .client, certificatePEM: client.certificate.pemEncoded,
                                               privateKeyPEM: client.key.pemEncoded, cipherList: suite.openSSLName)
        let (a, b) = OpenSSLPairs.handshake(client: cc, server: sc)
        let payload = Self.payload
        return {
            try! a.write(payload)
            for d in a.takeOutgoing() { b.receive(d) }
            _ = try! b.drive()
            guard b.readApplicationData().count == 1 else { fatalError("libssl lost a record") }
        }
    }

    /// The limit: AES-GCM seal then open of the same size, in place, through
    /// our libcrypto layer with cached contexts.
    static func rawEVP(keyLength: Int) -> () -> Void {
        let key = SecureRandom.bytes(keyLength)
        let sealer = try! AESGCM(key: key.span)
        let opener = try! AESGCM(key: key.span)
        var buffer = [UInt8](repeating: 0xA5, count: 1200 + 16)
        var nonce = InlineArray<12, UInt8>(repeating: 1)
        let aad = InlineArray<13, UInt8>(repeating: 2)
        var counter: UInt8 = 0
        return {
            counter &+= 1
            nonce[11] = counter
            try! sealer.seal(&buffer, plaintext: 0..<1200, nonce: nonce.span, aad: aad.span)
            try! opener.open(&buffer, ciphertext: 0..<1200, nonce: nonce.span, aad: aad.span)
        }
    }

    /// The floor of our record path: libcrypto's TLS record interface (one
    /// parameter call and one EVP_Cipher per record) on a bare record
    /// buffer, with no header, queue or replay window.
    static func rawRecordInterface(keyLength: Int) -> () -> Void {
        let key = SecureRandom.bytes(keyLength)
        let salt = SecureRandom.bytes(4)
        let sealer = try! AESGCMRecordCipher(key: key.span, salt: salt.span, direction: .seal)
        let opener = try! AESGCMRecordCipher(key: key.span, salt: salt.span, direction: .open)
        var buffer = [UInt8](repeating: 0xA5, count: AESGCMRecordCipher.overhead + 1200)
        var sequence: UInt64 = 1 << 48
        return {
            sequence += 1
            try! sealer.seal(&buffer, fragment: 0..<buffer.count, sequence: sequence, contentType: 23, version: 0xFEFD)
            _ = try! opener.open(&buffer, fragment: 0..<buffer.count, sequence: sequence, contentType: 23, version: 0xFEFD)
        }
    }
}
