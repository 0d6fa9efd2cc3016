/// The bytes of one datagram as `DTLSSRTPServer` holds them, from
/// `receive` to `service`, and hands them back from `pollOutput`.
///
/// Why a protocol and not `[UInt8]`: a driver reads into its own buffers
/// (SwiftNIO's `ByteBuffer`), and a media packet should be decrypted
/// where the read put it, handed to the application in that buffer,
/// re-encrypted there and written from it, with no copy in between.
/// `[UInt8]` conforms (tests, raw-socket drivers); DTLSNIO conforms
/// `ByteBuffer`.
public protocol ServerDatagram {
    /// An empty datagram (what an output buffer holds between outputs).
    init()
    /// A datagram holding `bytes` (the engine's flights and
    /// HelloVerifyRequests, made as arrays; `[UInt8]` takes them as is).
    init(datagram bytes: [UInt8])
    /// Bytes held.
    var count: Int { get }
    /// Runs `body` over the bytes, read-only.
    func withBytes<Result>(_ body: (Span<UInt8>) -> Result) -> Result
    /// Runs `body` over the bytes, in place and mutable.
    mutating func withMutableBytes<Result>(_ body: (inout MutableSpan<UInt8>) -> Result) -> Result
    /// Keeps the first `count` bytes (after decryption shortened them).
    mutating func truncate(to count: Int)
}

extension Array: ServerDatagram where Element == UInt8 {
    public init(datagram bytes: [UInt8]) {
        self = bytes
    }

    public func withBytes<Result>(_ body: (Span<UInt8>) -> Result) -> Result {
        body(span)
    }

    public mutating func withMutableBytes<Result>(_ body: (inout MutableSpan<UInt8>) -> Result) -> Result {
        var bytes = mutableSpan
        return body(&bytes)
    }

    public mutating func truncate(to count: Int) {
        removeLast(self.count - count)
    }
}
