/// Why a byte sequence could not be read as the structure it claims to be.
///
/// Wire errors never leave the engine as they are: the handshake maps them to
/// a `decode_error` alert, the record layer to a silent drop (RFC 6347 4.1.2.7).
package enum WireError: Error, Equatable, Sendable {
    /// Fewer bytes than a length field or fixed layout requires.
    case truncated
    /// Bytes left over after a structure that must fill its container exactly.
    case trailingBytes
    /// A field holds a value the protocol forbids (zero-length list, bad enum).
    case invalidValue(String)
    /// An extension appears twice (RFC 5246 7.4.1.4).
    case duplicateExtension(UInt16)
}
