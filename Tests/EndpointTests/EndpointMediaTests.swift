import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSTestSupport
import SRTP
import Testing

/// Two endpoints in one process: DTLS, then RTP and RTCP both ways.
@Suite struct EndpointMediaTests {
    @Test(arguments: SRTPProtectionProfile.supported)
    func twoEndpointsConnectAndExchangeMediaBothWays(profile: SRTPProtectionProfile) throws {
        let (client, server) = try Fixture.pair(profiles: [profile])
        Fixture.run(client, server)
        #expect(client.endpoint.state == .connected)
        #expect(server.endpoint.state == .connected)
        #expect(client.states == [.connecting, .connected])
        #expect(server.states == [.connecting, .connected])
        let info = try #require(client.connected.first)
        #expect(info.srtpProfile.rawValue == profile.rawValue)
        #expect(info.remoteFingerprint == TestIdentity.ecdsaP256Other.fingerprint)
        #expect(server.connected.first?.remoteFingerprint == TestIdentity.ecdsaP256.fingerprint)
        #expect(client.endpoint.srtpProfile?.rawValue == profile.rawValue)

        // Queued path: sendRTP/sendRTCP -> .transmit -> handleDatagram -> .rtp/.rtcp.
        for (sender, receiver) in [(client, server), (server, client)] {
            for seq in UInt16(1)...5 {
                try sender.endpoint.sendRTP(Fixture.rtp(sequence: seq))
            }
            try sender.endpoint.sendRTCP(Fixture.rtcp())
            let wire = sender.drain()
            #expect(wire.count == 6)
            #expect(wire.first?.count == Fixture.rtp(sequence: 1).count + profile.rtpOverhead)
            #expect(wire.first.map { Array($0[12...]) } != Array(Fixture.rtp(sequence: 1)[12...]), "payload must be encrypted")
            for d in wire { receiver.endpoint.handleDatagram(d, now: Fixture.start) }
            receiver.drain()
            #expect(receiver.rtp.count == 5)
            #expect(receiver.rtcp.count == 1)
            for (i, packet) in receiver.rtp.enumerated() {
                #expect(packet == Fixture.rtp(sequence: UInt16(i + 1)), "rtp \(i): \(Fixture.hexPrefix(packet))")
            }
            #expect(receiver.rtcp.first == Fixture.rtcp())
        }

        // In-place path: protectRTP in the caller's buffer, handleDatagram(_:length:now:) in the receiver's.
        for (sender, receiver) in [(client.endpoint, server.endpoint), (server.endpoint, client.endpoint)] {
            let plain = Fixture.rtp(sequence: 100, payloadLength: 1000)
            var buffer = plain + [UInt8](repeating: 0, count: DTLSSRTPEndpoint.maximumTrailerLength)
            let n = try sender.protectRTP(&buffer, length: plain.count)
            var received = Array(buffer[0..<n]) + [UInt8](repeating: 0xEE, count: 7)
            #expect(receiver.handleDatagram(&received, length: n, now: Fixture.start) == .rtp(length: plain.count))
            #expect(Array(received[0..<plain.count]) == plain)

            let report = Fixture.rtcp(ssrc: 0xABCD_EF01)
            var rtcpBuffer = report + [UInt8](repeating: 0, count: DTLSSRTPEndpoint.maximumTrailerLength)
            let m = try sender.protectRTCP(&rtcpBuffer, length: report.count)
            #expect(receiver.handleDatagram(&rtcpBuffer, length: m, now: Fixture.start) == .rtcp(length: report.count))
            #expect(Array(rtcpBuffer[0..<report.count]) == report)
        }

        for recorder in [client, server] {
            let c = recorder.endpoint.counters
            #expect(c.rtpOut == 6 && c.rtpIn == 6 && c.rtcpOut == 2 && c.rtcpIn == 2, "\(c)")
            #expect(c.dropped == 0, "\(c)")
            #expect(c.dtlsIn > 0 && c.dtlsOut > 0)
        }
    }

    @Test func applicationDataCrossesOverDTLS() throws {
        let (client, server) = try Fixture.pair()
        Fixture.run(client, server)
        try client.endpoint.send(Array("sctp".utf8))
        for d in client.drain() { server.endpoint.handleDatagram(d, now: Fixture.start) }
        server.drain()
        #expect(server.applicationData == [Array("sctp".utf8)])
    }

    /// The queued path keeps reusing its buffers: the storage handed out for
    /// a received packet comes back from the pool on later packets.
    @Test func queuedMediaPathReusesBuffers() throws {
        let (client, server) = try Fixture.pair(profiles: [.aeadAes128Gcm])
        Fixture.run(client, server)
        var out: [UInt8] = []
        var rx: [UInt8] = []
        var storages = Set<Int>()
        for seq in UInt16(1)...200 {
            try client.endpoint.sendRTP(Fixture.rtp(sequence: seq))
            guard case .transmit = client.endpoint.pollOutput(into: &out) else { Issue.record("no transmit"); return }
            server.endpoint.handleDatagram(out, now: Fixture.start)
            guard case .rtp = server.endpoint.pollOutput(into: &rx) else { Issue.record("no rtp"); return }
            #expect(rx.count == Fixture.rtp(sequence: seq).count)
            storages.insert(rx.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) })
        }
        // A bounded set of buffers cycles; no fresh allocation per packet.
        #expect(storages.count <= 4, "distinct buffers: \(storages.count)")
    }
}
