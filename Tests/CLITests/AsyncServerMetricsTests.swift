import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import DTLSTestSupport
import MetricsTestKit
import NIOCore
import NIOPosix
import Testing

/// The async server's swift-metrics: sampled from the core's and the
/// peers' counters, never per packet; checked with MetricsTestKit's
/// factory passed in (no global bootstrap).
@Suite struct AsyncServerMetricsTests {
    @Test func handshakesPeersAndMediaAreReportedAsMetrics() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let metrics = TestMetrics()
        let server = try await DTLSSRTPAsyncServer.bind(host: "127.0.0.1", port: 0, configuration: AsyncServerTests.serverConfig(),
                                                        group: group, metricsFactory: metrics, metricsInterval: .milliseconds(20))
        let running = Task { try await server.run() }
        let (client, events) = try await AsyncServerTests().connectClient(to: server, group: group)
        var iterator = server.peers.makeAsyncIterator()
        let peer = try #require(await iterator.next())
        let echo = Task { for await media in peer.inbound { peer.outbound.send(media) } }
        _ = try await AsyncServerTests().bounded(events.echoed.futureResult)

        // The sampler runs every 20 ms; give it up to 5 s.
        var rtpIn: Int64 = 0, rtpOut: Int64 = 0
        for _ in 0..<250 {
            rtpIn = (try? metrics.expectCounter("dtls_srtp_rtp_packets_total", [("direction", "in")]).totalValue) ?? 0
            rtpOut = (try? metrics.expectCounter("dtls_srtp_rtp_packets_total", [("direction", "out")]).totalValue) ?? 0
            if rtpIn >= 1, rtpOut >= 1 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(rtpIn == 1 && rtpOut == 1, "the one packet in and its echo out")
        #expect(try metrics.expectCounter("dtls_srtp_handshakes_total", [("version", "1.3")]).totalValue == 1)
        #expect(try metrics.expectGauge("dtls_srtp_peers").lastValue == 1)
        #expect(try metrics.expectCounter("dtls_srtp_front_door_total", [("event", "hello_retry_request")]).totalValue == 1,
                "the stateless cookie round trip of DTLS 1.3")
        #expect((try? metrics.expectCounter("dtls_srtp_peer_failures_total", [("reason", "alert_bad_certificate")])) == nil)

        server.shutdown()
        _ = try await AsyncServerTests().bounded(events.closed.futureResult)
        echo.cancel()
        try await running.value
        try await client.close()
        try await group.shutdownGracefully()
    }
}
