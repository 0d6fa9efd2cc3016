@testable import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// DTLS 1.3 on networks as they are: flights fragmented to the MTU, and
/// handshakes through loss, duplication and reordering on a virtual clock
/// (RFC 9147 5.4, 5.8, 7).
@Suite struct DTLS13NetworkTests {
    static func pair(server identity: TestIdentity.Identity, network: VirtualNetwork,
                     configure: (inout DTLSConfiguration, inout DTLSConfiguration) -> Void = { _, _ in }) -> (EngineDriver, EngineDriver) {
        var c = TestIdentity.configuration(TestIdentity.ecdsaP256, peer: identity, versions: [.dtls13])
        var s = TestIdentity.configuration(identity, peer: TestIdentity.ecdsaP256, versions: [.dtls13])
        configure(&c, &s)
        return (EngineDriver(DTLSConnection(clientWith: c, now: network.now), name: "c"),
                EngineDriver(DTLSConnection(serverWith: s, now: network.now), name: "s"))
    }

    @Test(arguments: [256, 300, 576, 1200])
    func flightsAreFragmentedToTheMTUAndEveryDatagramFits(mtu: Int) throws {
        let net = VirtualNetwork()
        var largest = 0
        net.filter = { _, datagram in
            largest = max(largest, datagram.count)
            return datagram
        }
        // A 3072-bit RSA server: its Certificate and CertificateVerify alone exceed 1200 bytes.
        let (client, server) = Self.pair(server: TestIdentity.rsa3072, network: net) { c, s in
            c.mtu = mtu
            s.mtu = mtu
        }
        #expect(net.run(client: client, server: server) { client.isConnected && server.isConnected })
        #expect(largest <= mtu, "a datagram of \(largest) bytes at MTU \(mtu)")
        #expect(net.elapsed < .seconds(1), "no retransmission on a clean network")
        #expect(client.keyingMaterial?.bytes == server.keyingMaterial?.bytes)
        #expect(client.connectedInfo?.version == .dtls13)
    }

    @Test func fragmentsOfOneMessageCarryItsHeaderAndCoverItExactly() {
        var message = ByteWriter()
        let body = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        HandshakeHeader(type: .certificate, length: 1000, messageSequence: 3, fragmentOffset: 0, fragmentLength: 1000).write(to: &message)
        message.writeBytes(body)
        let fragments = DTLS13Engine.fragments(of: message.bytes, maxFragment: 300)
        #expect(fragments.count == 4)
        var rebuilt: [UInt8] = []
        for fragment in fragments {
            var reader = ByteReader(fragment)
            guard let header = try? HandshakeHeader(parsing: &reader) else {
                Issue.record("unparseable fragment")
                return
            }
            #expect(header.type == .certificate && header.length == 1000 && header.messageSequence == 3)
            #expect(Int(header.fragmentOffset) == rebuilt.count && header.fragmentLength <= 300)
            rebuilt += fragment[HandshakeHeader.length...]
        }
        #expect(rebuilt == body)
        #expect(DTLS13Engine.fragments(of: message.bytes, maxFragment: 1000) == [message.bytes])
    }

    static let impaired = VirtualNetwork.Impairment(loss: 0.3, duplicate: 0.1, latency: .milliseconds(20), jitter: .milliseconds(40))

    /// The bound of the 1.2 suite (LossyNetworkTests): 30% loss each way,
    /// 100 ms first timer capped at 2 s, 50 seeds, within 30 s of virtual time.
    @Test(arguments: [CipherSuite.aes128GcmSha256, .aes256GcmSha384, .chacha20Poly1305Sha256])
    func handshakesCompleteAtThirtyPercentLossWithReorderingAndDuplication(suite: CipherSuite) {
        var failures: [UInt64] = []
        var worst: Duration = .zero
        for seed in UInt64(1)...50 {
            let net = VirtualNetwork(seed: seed &* 7919 &+ UInt64(suite.rawValue), toServer: Self.impaired, toClient: Self.impaired)
            // Every other seed an RSA server at MTU 576: fragmented flights under loss.
            let rsa = seed % 2 == 0
            let (client, server) = Self.pair(server: rsa ? TestIdentity.rsa2048 : TestIdentity.ecdsaP256Other, network: net) { c, s in
                c.cipherSuites = [suite]
                LossyNetworkTests.lossyTimers(&c)
                LossyNetworkTests.lossyTimers(&s)
                if rsa {
                    c.mtu = 576
                    s.mtu = 576
                }
            }
            let ok = net.run(client: client, server: server, limit: .seconds(30)) {
                (client.isConnected && server.isConnected) || client.failure != nil || server.failure != nil
            }
            if !(ok && client.isConnected && server.isConnected && client.keyingMaterial?.bytes == server.keyingMaterial?.bytes) {
                failures.append(seed)
            }
            worst = max(worst, net.elapsed)
        }
        #expect(failures.isEmpty, "seeds that did not complete: \(failures)")
        #expect(worst <= .seconds(30))
    }

    @Test func aLostACKOfTheClientsFinalFlightIsSentAgainWhenTheFlightComesAgain() {
        let net = VirtualNetwork()
        let (client, server) = Self.pair(server: TestIdentity.ecdsaP256Other, network: net)
        var droppedACK = false
        net.filter = { toServer, datagram in
            // The server's first datagram after it connected is its ACK of the client's final flight.
            if !toServer, server.isConnected, !droppedACK {
                droppedACK = true
                return nil
            }
            return datagram
        }
        #expect(net.run(client: client, server: server) { client.isConnected && server.isConnected })
        // The client retransmits its final flight on its timer; the server,
        // connected and still reading epoch 2, ACKs it again, and the client stops.
        #expect(net.run(client: client, server: server, limit: .seconds(10)) { droppedACK && client.nextTimeout == nil })
        #expect(droppedACK)
        #expect(client.failure == nil && server.failure == nil)
        #expect(net.elapsed >= .seconds(1), "recovered by the client's retransmission timer")
    }
}
