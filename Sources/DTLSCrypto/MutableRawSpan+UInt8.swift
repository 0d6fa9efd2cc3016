extension MutableRawSpan {
    /// The bytes as `UInt8` elements for the length of one call: how a
    /// driver's raw buffer view (SwiftNIO's `mutableReadableBytesSpan`)
    /// reaches the engine's byte-typed APIs. Sound for any memory: `UInt8`
    /// has alignment 1 and no invalid bit patterns, and the typed view
    /// cannot outlive `body`. It lives here, in the layer that already
    /// hands spans to C, so the driver stays safe Swift.
    public mutating func withUInt8Elements<Result>(_ body: (inout MutableSpan<UInt8>) -> Result) -> Result {
        withUnsafeMutableBytes { raw in
            var bytes = MutableSpan(_unsafeElements: raw.bindMemory(to: UInt8.self))
            return body(&bytes)
        }
    }
}
