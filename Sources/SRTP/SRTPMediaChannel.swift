internal import CSRTP

/// One peer's media path: its SRTP keys once installed, and a count of
/// every packet's outcome, in one object the owner keeps in a `let`.
///
/// Why not an `SRTPTransport?` in the owner: a class's `var` is checked
/// for exclusive access at run time on every use (a thread-local lookup
/// and a set insertion in the Swift runtime), and loading a class
/// reference out of one costs an atomic retain and release. An endpoint
/// paid both on every packet: measured 0.88x of raw libsrtp2 for
/// AEAD_AES_128_GCM protect plus unprotect, against 0.94x for the same code
/// built without the checks (`dtls-srtp-bench --srtp-layers`). Here the
/// hot state is `@exclusivity(unchecked)`, and the libsrtp contexts are
/// held as plain handles next to the transport that owns them.
///
/// Why unchecked is sound here: no method of this class calls anything
/// that could reach back into it (only libsrtp, which knows nothing of
/// it), so no two accesses to its state can overlap on one thread; and it
/// is not `Sendable`, so no other thread reaches it. This is the unsafe
/// layer's job: the endpoint above keeps its strict memory safety.
public final class SRTPMediaChannel {
    /// What happened to the packets that went through the channel.
    public struct Counters: Sendable, Hashable {
        public var rtpIn = 0
        public var rtpOut = 0
        public var rtcpIn = 0
        public var rtcpOut = 0
        /// Tag mismatch: tampered, truncated, wrong key.
        public var authenticationFailures = 0
        /// Already seen, or older than the replay window.
        public var replays = 0
        /// Too short, unparseable, or refused by libsrtp for another reason.
        public var malformed = 0
        /// Received while no keys were installed.
        public var notKeyed = 0
        /// Protect calls that failed (no keys, no room, libsrtp refused).
        public var protectFailures = 0

        public init() {}
    }

    /// The installed transport (it owns the libsrtp sessions), if any.
    @exclusivity(unchecked) public private(set) var transport: SRTPTransport?
    @exclusivity(unchecked) public private(set) var counters = Counters()
    @exclusivity(unchecked) private var outbound: srtp_t?
    @exclusivity(unchecked) private var inbound: srtp_t?
    @exclusivity(unchecked) private var rtpRoom = 0
    @exclusivity(unchecked) private var rtcpRoom = 0

    public init() {}

    public var isKeyed: Bool { outbound != nil }

    /// Installs (or replaces) the keys.
    public func install(_ transport: SRTPTransport) {
        self.transport = transport
        outbound = transport.outbound.context
        inbound = transport.inbound.context
        rtpRoom = transport.profile.rtpOverhead
        rtcpRoom = transport.profile.rtcpOverhead
    }

    /// Drops the keys; later packets count as not keyed.
    public func remove() {
        outbound = nil
        inbound = nil
        transport = nil
    }

    /// See `SRTPSession.protectRTP(_:length:)`; throws `.notKeyed` without keys.
    public func protectRTP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        var span = buffer.mutableSpan
        return try protect(&span, length: length, rtcp: false)
    }

    /// See `SRTPSession.protectRTCP(_:length:)`; throws `.notKeyed` without keys.
    public func protectRTCP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        var span = buffer.mutableSpan
        return try protect(&span, length: length, rtcp: true)
    }

    /// See `SRTPSession.unprotectRTP(_:length:)`; every failure is counted.
    public func unprotectRTP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        var span = buffer.mutableSpan
        return try unprotect(&span, length: length, rtcp: false)
    }

    /// See `SRTPSession.unprotectRTCP(_:length:)`; every failure is counted.
    public func unprotectRTCP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        var span = buffer.mutableSpan
        return try unprotect(&span, length: length, rtcp: true)
    }

    /// Protects the RTP packet in `bytes[0..<length]` in place, in any
    /// caller's memory (a span of a driver's buffer); `bytes` needs the
    /// trailer's room after the packet. Returns the SRTP length.
    public func protectRTP(_ bytes: inout MutableSpan<UInt8>, length: Int) throws(SRTPError) -> Int {
        try protect(&bytes, length: length, rtcp: false)
    }

    /// Protects the (compound) RTCP packet in `bytes[0..<length]` in place.
    public func protectRTCP(_ bytes: inout MutableSpan<UInt8>, length: Int) throws(SRTPError) -> Int {
        try protect(&bytes, length: length, rtcp: true)
    }

    /// Verifies and decrypts the SRTP packet in `bytes[0..<length]` in place.
    public func unprotectRTP(_ bytes: inout MutableSpan<UInt8>, length: Int) throws(SRTPError) -> Int {
        try unprotect(&bytes, length: length, rtcp: false)
    }

    /// Verifies and decrypts the SRTCP packet in `bytes[0..<length]` in place.
    public func unprotectRTCP(_ bytes: inout MutableSpan<UInt8>, length: Int) throws(SRTPError) -> Int {
        try unprotect(&bytes, length: length, rtcp: true)
    }

    @inline(__always)
    private func protect(_ buffer: inout MutableSpan<UInt8>, length: Int, rtcp: Bool) throws(SRTPError) -> Int {
        do throws(SRTPError) {
            guard let context = outbound else { throw SRTPError.notKeyed }
            let n = rtcp
                ? try SRTPSession.process(context, &buffer, length: length, minimumLength: 8, room: rtcpRoom) {
                    srtp_protect_rtcp($0, $1, $2)
                }
                : try SRTPSession.process(context, &buffer, length: length, minimumLength: 12, room: rtpRoom) {
                    srtp_protect($0, $1, $2)
                }
            if rtcp { counters.rtcpOut += 1 } else { counters.rtpOut += 1 }
            return n
        } catch {
            counters.protectFailures += 1
            throw error
        }
    }

    @inline(__always)
    private func unprotect(_ buffer: inout MutableSpan<UInt8>, length: Int, rtcp: Bool) throws(SRTPError) -> Int {
        guard let context = inbound else {
            counters.notKeyed += 1
            throw .notKeyed
        }
        do throws(SRTPError) {
            let n = rtcp
                ? try SRTPSession.process(context, &buffer, length: length, minimumLength: 8, room: 0) {
                    srtp_unprotect_rtcp($0, $1, $2)
                }
                : try SRTPSession.process(context, &buffer, length: length, minimumLength: 12, room: 0) {
                    srtp_unprotect($0, $1, $2)
                }
            if rtcp { counters.rtcpIn += 1 } else { counters.rtpIn += 1 }
            return n
        } catch {
            count(error)
            throw error
        }
    }

    private func count(_ error: SRTPError) {
        switch error {
        case .authenticationFailed: counters.authenticationFailures += 1
        case .replayDetected: counters.replays += 1
        default: counters.malformed += 1
        }
    }
}

@available(*, unavailable, message: "libsrtp sessions are not thread-safe; confine an SRTPMediaChannel to one thread")
extension SRTPMediaChannel: Sendable {}
