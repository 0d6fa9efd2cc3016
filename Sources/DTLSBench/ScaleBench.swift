import CMallocCounter
import CSRTP
import DTLS
import DTLSCrypto
import DTLSEndpoint
import SRTP

/// Many peers at once: memory per peer and time per packet as the count grows.
enum ScaleBench {
    struct Row {
        var peers: Int
        var bytesPerEstablishedEndpoint: Double
        var bytesPerHandshakeInFlight: Double
        var nanosecondsPerPacket: Double
        var rawNanosecondsPerPacket: Double
    }

    /// Packets per measurement with n peers.
    static func packets(peers n: Int) -> Int { max(200_000, 20 * n) }

    /// The same round-robin over n bare libsrtp2 session pairs: what libsrtp
    /// itself costs at this scale, on the process's backend (libcrypto; the
    /// built-in NSS crypto in `BuiltInBaseline`'s child).
    static func rawPerPacket(_ n: Int, packets: Int) -> Double {
        var sessions: [(RawSRTPSession, RawSRTPSession)] = []
        for _ in 0..<n {
            let key = SecureRandom.bytes(28)
            sessions.append((RawSRTPSession(profile: .aeadAes128Gcm, key: key, outbound: true),
                             RawSRTPSession(profile: .aeadAes128Gcm, key: key, outbound: false)))
        }
        var buffer = SRTPBench.rtp(sequence: 0) + [UInt8](repeating: 0, count: 64)
        var sequences = [UInt16](repeating: 0, count: n)
        return medianOfPasses(packets: packets) {
            for i in 0..<packets {
                let k = i % n
                sequences[k] &+= 1
                buffer[2] = UInt8(sequences[k] >> 8)
                buffer[3] = UInt8(sequences[k] & 0xFF)
                var length = Int32(12 + SRTPBench.payloadLength)
                buffer.withUnsafeMutableBytes { p in
                    _ = srtp_protect(sessions[k].0.session, p.baseAddress, &length)
                    _ = srtp_unprotect(sessions[k].1.session, p.baseAddress, &length)
                }
            }
        }
    }

    /// ns per packet: the median of three timed passes of `body`, which
    /// sends `packets` packets (one disturbed pass does not make the row).
    static func medianOfPasses(packets: Int, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        var passes: [Double] = []
        for _ in 0..<3 {
            let start = clock.now
            body()
            passes.append((clock.now - start).seconds * 1e9 / Double(packets))
        }
        return passes.sorted()[1]
    }

    static func run(counts: [Int], client: BenchIdentity, server: BenchIdentity) -> [Row] {
        var rows: [Row] = []
        for n in counts {
            // Established: n endpoint pairs keyed by real handshakes.
            let before = Int(cmalloc_heap_in_use())
            var pairs: [(DTLSSRTPEndpoint, DTLSSRTPEndpoint)] = []
            pairs.reserveCapacity(n)
            for _ in 0..<n { pairs.append(SRTPBench.endpoints(profile: .aeadAes128Gcm, client: client, server: server)) }
            let after = Int(cmalloc_heap_in_use())
            let perEndpoint = Double(after - before) / Double(2 * n)

            // Time per packet, round-robin over every pair (what an SFU's
            // forwarding loop does: each packet touches another peer's state).
            var buffer = SRTPBench.rtp(sequence: 0) + [UInt8](repeating: 0, count: 64)
            let plain = 12 + SRTPBench.payloadLength
            var sequences = [UInt16](repeating: 0, count: n)
            let now = DTLSInstant.now
            let packets = packets(peers: n)
            let nanos = medianOfPasses(packets: packets) {
                for i in 0..<packets {
                    let k = i % n
                    sequences[k] &+= 1
                    buffer[2] = UInt8(sequences[k] >> 8)
                    buffer[3] = UInt8(sequences[k] & 0xFF)
                    let length = try! pairs[k].0.protectRTP(&buffer, length: plain)
                    guard case .rtp = pairs[k].1.handleDatagram(&buffer, length: length, now: now) else { fatalError("lost packet") }
                }
            }

            // Handshakes in flight: server connections that answered a
            // ClientHello (flight 4 sent) and wait for the client's answer.
            var cc = DTLSConfiguration(certificate: client.certificate, privateKey: client.key, peerVerification: .acceptAny)
            var sc = DTLSConfiguration(certificate: server.certificate, privateKey: server.key, peerVerification: .acceptAny)
            cc.versions = [.dtls12]
            sc.versions = [.dtls12]
            sc.cookieExchange = false
            var sink: [UInt8] = []
            var hellos: [[UInt8]] = []
            for _ in 0..<n {
                let c = DTLSConnection(clientWith: cc, now: now)
                while case .packet = c.pollOutput(into: &sink) { hellos.append(sink) }
            }
            let beforeInFlight = Int(cmalloc_heap_in_use())
            var inFlight: [DTLSConnection] = []
            inFlight.reserveCapacity(n)
            for hello in hellos.prefix(n) {
                let s = DTLSConnection(serverWith: sc, now: now)
                s.handlePacket(hello, now: now)
                while case .packet = s.pollOutput(into: &sink) {}
                inFlight.append(s)
            }
            let afterInFlight = Int(cmalloc_heap_in_use())
            withExtendedLifetime(inFlight) {}
            withExtendedLifetime(pairs) {}
            rows.append(Row(peers: n, bytesPerEstablishedEndpoint: perEndpoint,
                            bytesPerHandshakeInFlight: Double(afterInFlight - beforeInFlight) / Double(n),
                            nanosecondsPerPacket: nanos, rawNanosecondsPerPacket: rawPerPacket(n, packets: packets)))
        }
        return rows
    }

    /// Heap bytes of one SRTP transport (an inbound and an outbound libsrtp session).
    static func srtpTransportBytes(count: Int) -> Double {
        let material = SecureRandom.bytes(SRTPProtectionProfile.aeadAes128Gcm.keyingMaterialLength)
        let before = Int(cmalloc_heap_in_use())
        var held: [SRTPTransport] = []
        for _ in 0..<count { held.append(try! SRTPTransport(profile: .aeadAes128Gcm, exportedKeyingMaterial: material, isClient: true)) }
        let after = Int(cmalloc_heap_in_use())
        withExtendedLifetime(held) {}
        return Double(after - before) / Double(count)
    }
}
