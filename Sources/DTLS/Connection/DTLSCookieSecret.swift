import DTLSCrypto

/// A cookie secret that several `DTLSCookieListener`s share, so that a
/// cookie minted by one verifies at any other: the listeners of sockets on
/// several event loops (SO_REUSEPORT), where a client's second ClientHello
/// may land on another socket than its first when the set of sockets
/// changes.
///
/// Shared without a lock: it is one immutable master key, and each
/// listener derives the secret of each rotation period from it,
/// HMAC-SHA256(master, "dtls-srtp cookie" || period), where the period is
/// the process's `DTLSInstant` divided by the rotation interval. Listeners
/// of one process therefore agree on the current and the previous secret
/// without talking to each other.
public struct DTLSCookieSecret: Sendable, Hashable {
    let master: [UInt8]

    /// A fresh random master key.
    public init() { master = SecureRandom.bytes(32) }

    /// The secret of rotation period `period`.
    func secret(period: Int64) -> [UInt8] {
        var data = Array("dtls-srtp cookie".utf8)
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: period >> Int64(shift))) }
        return HMAC.authenticate(.sha256, key: master.span, data: data.span)
    }

    /// The rotation period `now` falls in.
    static func period(of now: DTLSInstant, interval: Duration) -> Int64 {
        let nanos = now.sinceOrigin.components.seconds &* 1_000_000_000 &+ now.sinceOrigin.components.attoseconds / 1_000_000_000
        let step = max(1, interval.components.seconds &* 1_000_000_000 &+ interval.components.attoseconds / 1_000_000_000)
        return nanos >= 0 ? nanos / step : (nanos - step + 1) / step
    }
}
