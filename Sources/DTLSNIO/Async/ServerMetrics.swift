import CoreMetrics
import DTLS
import DTLSEndpoint
import NIOCore

/// The async server's counters as swift-metrics metrics, sampled on the
/// loop every `interval` (and at each peer's start and end), never per
/// packet: with no backend bootstrapped (`NOOPMetricsHandler`, the
/// default) nothing is made or scheduled at all.
///
/// - `dtls_srtp_handshakes_total` {version}: peers that connected.
/// - `dtls_srtp_peer_failures_total` {reason}: peers that ended with an
///   error (the alert, or what failed).
/// - `dtls_srtp_peers`, `dtls_srtp_handshakes_in_flight`: gauges.
/// - `dtls_srtp_rtp_packets_total`, `dtls_srtp_rtcp_packets_total`
///   {direction: in, out}; `dtls_srtp_srtp_failures_total` {kind:
///   authentication, replay}; `dtls_srtp_dropped_total` (media and records
///   dropped by the endpoints); all peers', the ended ones' included.
/// - `dtls_srtp_front_door_total` {event}: cookies sent, strangers dropped,
///   handshakes refused by limits, evicted, replaced, idle peers closed.
final class ServerMetrics {
    let factory: any MetricsFactory
    let interval: TimeAmount
    private var counters: [String: Counter] = [:]
    private var reported: [String: Int] = [:]
    private let peers: Gauge
    private let inFlight: Gauge
    /// The final counters of peers that ended, summed.
    private var ended = Totals()
    private var task: RepeatedTask?

    /// The endpoint counters that are exported.
    struct Totals {
        var rtpIn = 0, rtpOut = 0, rtcpIn = 0, rtcpOut = 0, authenticationFailures = 0, replays = 0, dropped = 0

        mutating func add(_ c: EndpointCounters) {
            rtpIn += c.rtpIn
            rtpOut += c.rtpOut
            rtcpIn += c.rtcpIn
            rtcpOut += c.rtcpOut
            authenticationFailures += c.authenticationFailures
            replays += c.replays
            dropped += c.dropped
        }
    }

    /// Nil when no metrics backend is bootstrapped and none was given.
    /// `gaugeDimensions` tell the gauges of several sockets apart (counters
    /// add up across sockets; gauges would overwrite each other).
    init?(factory given: (any MetricsFactory)?, interval: TimeAmount, gaugeDimensions: [(String, String)] = []) {
        let factory = given ?? MetricsSystem.factory
        if given == nil, factory is NOOPMetricsHandler { return nil }
        self.factory = factory
        self.interval = interval
        peers = Gauge(label: "dtls_srtp_peers", dimensions: gaugeDimensions, factory: factory)
        inFlight = Gauge(label: "dtls_srtp_handshakes_in_flight", dimensions: gaugeDimensions, factory: factory)
    }

    deinit { task?.cancel() }

    /// Samples `handler`'s core every `interval` until `stop`.
    func start(_ handler: DTLSSRTPServerHandler, on loop: any EventLoop) {
        guard task == nil else { return }
        let bound = NIOLoopBound((self, handler), eventLoop: loop)
        task = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (metrics, handler) = bound.value
            metrics.sample(handler)
        }
    }

    func stop() {
        task?.cancel()
        task = nil
    }

    func connected(_ info: EndpointConnectionInfo) {
        counter("dtls_srtp_handshakes_total", [("version", info.dtls.version == .dtls13 ? "1.3" : "1.2")]).increment()
    }

    func ended(error: EndpointError?, counters: EndpointCounters) {
        ended.add(counters)
        if let error { counter("dtls_srtp_peer_failures_total", [("reason", Self.reason(error))]).increment() }
    }

    /// Reads the core and every live peer's counters; reports what grew.
    func sample(_ handler: DTLSSRTPServerHandler) {
        let server = handler.server
        var totals = ended
        for address in server.peerAddresses {
            if let endpoint = server.endpoint(for: address) { totals.add(endpoint.counters) }
        }
        report("dtls_srtp_rtp_packets_total", [("direction", "in")], totals.rtpIn)
        report("dtls_srtp_rtp_packets_total", [("direction", "out")], totals.rtpOut)
        report("dtls_srtp_rtcp_packets_total", [("direction", "in")], totals.rtcpIn)
        report("dtls_srtp_rtcp_packets_total", [("direction", "out")], totals.rtcpOut)
        report("dtls_srtp_srtp_failures_total", [("kind", "authentication")], totals.authenticationFailures)
        report("dtls_srtp_srtp_failures_total", [("kind", "replay")], totals.replays)
        report("dtls_srtp_dropped_total", [], totals.dropped)
        let front = server.counters
        for (event, value) in [("hello_verify_request", front.helloVerifyRequests), ("hello_retry_request", front.helloRetryRequests),
                               ("stateless_alert", front.statelessAlerts), ("stranger_dropped", front.strangersDropped),
                               ("refused_by_limits", front.refusedByLimits), ("evicted", front.evictedHandshakes),
                               ("replaced", front.replaced), ("queue_drop", front.queueDrops), ("idle_closed", front.idleClosed)] {
            report("dtls_srtp_front_door_total", [("event", event)], value)
        }
        peers.record(server.peerCount)
        inFlight.record(server.handshakesInFlight)
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        if let counter = counters[key] { return counter }
        let counter = Counter(label: label, dimensions: dimensions, factory: factory)
        counters[key] = counter
        return counter
    }

    private func report(_ label: String, _ dimensions: [(String, String)], _ total: Int) {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        let delta = total - reported[key, default: 0]
        guard delta > 0 else { return }
        counter(label, dimensions).increment(by: delta)
        reported[key] = total
    }

    /// A short, bounded label value for why a peer failed.
    static func reason(_ error: EndpointError) -> String {
        switch error {
        case .dtls(let dtls): dtls.alert.map { "alert_\($0)" } ?? dtls.code.rawValue
        case .fingerprintMismatch: "fingerprint_mismatch"
        case .noSRTPProfileAgreed: "no_srtp_profile_agreed"
        case .unsupportedSRTPProfile: "unsupported_srtp_profile"
        case .srtp: "srtp"
        case .queueFull: "queue_full"
        case .closed: "closed"
        default: "other"
        }
    }
}
