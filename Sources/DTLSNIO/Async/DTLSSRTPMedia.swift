import NIOCore

/// One decrypted media packet from a peer, or one to protect and send to it.
public enum DTLSSRTPMedia: Sendable {
    /// An RTP packet (RFC 3550), in the buffer it was read into.
    case rtp(ByteBuffer)
    /// A (compound) RTCP packet.
    case rtcp(ByteBuffer)

    /// The packet's bytes.
    public var buffer: ByteBuffer {
        switch self {
        case .rtp(let buffer), .rtcp(let buffer): buffer
        }
    }
}
