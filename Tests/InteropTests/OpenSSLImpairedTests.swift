import DTLS
import DTLSCrypto
import DTLSTestSupport
import Foundation
import OpenSSLReference
import Testing

/// Our engine against libssl through the same kind of seeded impairment as
/// the virtual-network tests: loss, duplication and reordering, both ways.
/// libssl's retransmission timer reads the real clock, so this runs in real
/// time with 20 ms initial timers on both sides (bounded at 10 s a run; normally well under one).
@Suite struct OpenSSLImpairedTests {
    /// Delivers datagrams between the two with seeded loss, duplication and
    /// one-round hold-back (reordering), firing both sides' timers.
    static func run(_ ours: EnginePeer, _ theirs: OpenSSLDTLSPeer, ourRoleIsClient: Bool, seed: UInt64) -> Bool {
        var rng = SeededRandom(seed: seed)
        var heldBack: [(toTheirs: Bool, bytes: [UInt8])] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            ours.now = .now
            _ = try? ours.advance()
            _ = try? theirs.drive()
            var flight: [(Bool, [UInt8])] = ours.takeOutgoing().map { (true, $0) } + theirs.takeOutgoing().map { (false, $0) }
            flight += heldBack
            heldBack.removeAll()
            for (toTheirs, bytes) in flight {
                if rng.chance(0.3) { continue }                      // lost
                if rng.chance(0.15) { heldBack.append((toTheirs, bytes)); continue }  // reordered
                let copies = rng.chance(0.1) ? 2 : 1                  // duplicated
                for _ in 0..<copies {
                    if toTheirs { theirs.receive(bytes) } else { ours.receive(bytes) }
                }
            }
            if ours.driver.isConnected, theirs.isConnected { return true }
            if ours.driver.failure != nil { return false }
            Thread.sleep(forTimeInterval: 0.003)
            ours.now = .now
            ours.connection.handleTimeout(now: ours.now)
            theirs.handleTimeout()
        }
        return false
    }

    static func pair(ourRoleIsClient: Bool) throws -> (EnginePeer, OpenSSLDTLSPeer) {
        let (cert, key) = Interop.pem(TestIdentity.ecdsaP256Other)
        let theirs = try OpenSSLDTLSPeer(OpenSSLDTLSPeer.Configuration(
            role: ourRoleIsClient ? .server : .client, certificatePEM: cert, privateKeyPEM: key,
            cookieExchange: ourRoleIsClient, initialRetransmitTimeout: .milliseconds(20)))
        var config = Interop.ours(TestIdentity.ecdsaP256, pinning: theirs)
        config.initialRetransmitTimeout = .milliseconds(20)
        config.maxRetransmitTimeout = .milliseconds(320)
        let connection = ourRoleIsClient ? DTLSConnection(clientWith: config, now: .now) : DTLSConnection(serverWith: config, now: .now)
        return (EnginePeer(connection, name: ourRoleIsClient ? "client" : "server", now: .now), theirs)
    }

    @Test(arguments: [true, false])
    func handshakesWithLibSSLCompleteUnderLossReorderingAndDuplication(ourRoleIsClient: Bool) throws {
        var failed: [UInt64] = []
        for seed in UInt64(1)...8 {
            let (ours, theirs) = try Self.pair(ourRoleIsClient: ourRoleIsClient)
            let ok = Self.run(ours, theirs, ourRoleIsClient: ourRoleIsClient, seed: seed * 31 + (ourRoleIsClient ? 0 : 7))
            let km = ours.driver.keyingMaterial
            let same = km.map { (try? theirs.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: $0.bytes.count, context: nil)) == $0.bytes } ?? false
            if !(ok && same) { failed.append(seed) }
        }
        #expect(failed.isEmpty, "seeds that did not complete with equal keys: \(failed)")
    }
}
