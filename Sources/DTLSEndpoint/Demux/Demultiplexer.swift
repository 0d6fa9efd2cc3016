/// What a datagram received on a WebRTC 5-tuple is, judged by its first
/// byte(s) (RFC 7983 section 7, RFC 5761 section 4).
public enum DatagramKind: Sendable, Hashable {
    /// First byte 0...3.
    case stun
    /// First byte 16...19.
    case zrtp
    /// First byte 20...63 (DTLS 1.2 content types and DTLS 1.3 unified headers).
    case dtls
    /// First byte 64...79 (TURN ChannelData).
    case turnChannel
    /// First byte 128...191 and second byte outside 192...223.
    case rtp
    /// First byte 128...191 and second byte 192...223 (RTCP packet types;
    /// RTP payload types 64...95 with the marker bit would collide, which
    /// is why RFC 5761 forbids them with rtcp-mux).
    case rtcp
    /// Anything else, including empty datagrams and RTP-range datagrams too
    /// short to carry a second byte. Drop it.
    case unknown
}

/// RFC 7983 demultiplexing of the datagrams arriving on one socket.
///
/// Classification only reads at most the first two bytes: no copy, no
/// allocation. It does not validate the packet (an RTP header shorter than
/// 12 bytes is still `.rtp`; SRTP will reject it).
public enum Demultiplexer {
    public static func classify(_ datagram: Span<UInt8>) -> DatagramKind {
        guard !datagram.isEmpty else { return .unknown }
        switch datagram[0] {
        case 0...3: return .stun
        case 16...19: return .zrtp
        case 20...63: return .dtls
        case 64...79: return .turnChannel
        case 128...191:
            guard datagram.count >= 2 else { return .unknown }
            return (192...223).contains(datagram[1]) ? .rtcp : .rtp
        default: return .unknown
        }
    }

    public static func classify(_ datagram: [UInt8]) -> DatagramKind {
        classify(datagram.span)
    }

    public static func classify(_ datagram: ArraySlice<UInt8>) -> DatagramKind {
        classify(datagram.span)
    }
}
