import DTLSCrypto
import DTLSEndpoint
import NIOCore

/// SwiftNIO's buffer as the server core's datagram: a media packet is
/// decrypted in the buffer the socket read filled, handed to the
/// delegate in it, re-encrypted in it and written from it.
///
/// The one copy on that path is the read slice's: a `recvmmsg` burst
/// lands in one shared buffer, and `DTLSSRTPServerHandler` moves each
/// datagram into storage of its own, with room for an SRTP trailer,
/// before anything writes to it.
extension ByteBuffer: ServerDatagram {
    public init(datagram bytes: [UInt8]) {
        self.init(bytes: bytes)
    }

    public var count: Int { readableBytes }

    public func withBytes<Result>(_ body: (Span<UInt8>) -> Result) -> Result {
        body(readableBytesUInt8Span)
    }

    public mutating func withMutableBytes<Result>(_ body: (inout MutableSpan<UInt8>) -> Result) -> Result {
        // NIO's own `mutableReadableBytesUInt8Span` is compiled out until
        // swiftlang/swift#81218 is fixed; its raw span, viewed as bytes by
        // DTLSCrypto, is the same thing. The first write copies a shared
        // read slice into storage of its own (copy-on-write).
        var raw = mutableReadableBytesSpan
        return raw.withUInt8Elements(body)
    }

    public mutating func truncate(to count: Int) {
        moveWriterIndex(to: readerIndex + count)
    }
}
