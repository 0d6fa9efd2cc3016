extension Array where Element == UInt8 {
    /// A copy of `bytes`: how a record that arrived in a driver's buffer
    /// becomes the engine's own (handshakes and data channels; media is
    /// never copied this way).
    init(copying bytes: Span<UInt8>) {
        self.init()
        reserveCapacity(bytes.count)
        for index in bytes.indices { append(bytes[index]) }
    }
}
