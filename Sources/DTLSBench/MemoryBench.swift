import DTLS
import DTLSCrypto
import OpenSSLReference
import CMallocCounter

/// Heap bytes held per established connection, measured over many.
enum MemoryBench {
    static func heapInUse() -> Int {
        Int(cmalloc_heap_in_use())
    }

    /// Bytes per side for our engine: pairs are connected, the server's
    /// final-flight linger is allowed to expire (handshake state released),
    /// then the heap is compared with and without the pairs.
    static func ours(pairs: Int, client: BenchIdentity, server: BenchIdentity, version: ProtocolVersion = .dtls12) -> Double {
        var cc = DTLSConfiguration(certificate: client.certificate, privateKey: client.key, peerVerification: .acceptAny)
        var sc = DTLSConfiguration(certificate: server.certificate, privateKey: server.key, peerVerification: .acceptAny)
        cc.versions = [version]
        sc.versions = [version]
        var held: [DTLSConnection] = []
        held.reserveCapacity(2 * pairs)
        let before = heapInUse()
        for _ in 0..<pairs {
            let pair = OurPair(client: cc, server: sc)
            guard pair.handshake(), let s = pair.server else { fatalError("no handshake") }
            s.handleTimeout(now: pair.now + .seconds(3600))
            var sink: [UInt8] = []
            while case .packet = s.pollOutput(into: &sink) {}
            held.append(pair.client)
            held.append(s)
        }
        let after = heapInUse()
        withExtendedLifetime(held) {}
        return Double(after - before) / Double(2 * pairs)
    }

    static func openssl(pairs: Int, client: BenchIdentity, server: BenchIdentity) -> Double {
        let sc = OpenSSLDTLSPeer.Configuration(role: .server, certificatePEM: server.certificate.pemEncoded,
                                               privateKeyPEM: server.key.pemEncoded, cipherList: "ECDHE-ECDSA-AES128-GCM-SHA256")
        let cc = OpenSSLDTLSPeer.Configuration(role: .client, certificatePEM: client.certificate.pemEncoded,
                                               privateKeyPEM: client.key.pemEncoded, cipherList: "ECDHE-ECDSA-AES128-GCM-SHA256")
        let serverContext = try! OpenSSLContext(sc)
        let clientContext = try! OpenSSLContext(cc)
        var held: [OpenSSLDTLSPeer] = []
        held.reserveCapacity(2 * pairs)
        let before = heapInUse()
        for _ in 0..<pairs {
            let a = try! OpenSSLDTLSPeer(context: clientContext)
            let b = try! OpenSSLDTLSPeer(context: serverContext)
            try! DatagramPump.run(a, b, maxSteps: 20)
            held.append(a)
            held.append(b)
        }
        let after = heapInUse()
        withExtendedLifetime(held) {}
        return Double(after - before) / Double(2 * pairs)
    }
}
