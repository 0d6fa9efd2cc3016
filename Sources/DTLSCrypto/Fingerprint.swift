/// RFC 8122 / RFC 4572 certificate fingerprint as used in SDP `a=fingerprint:sha-256 AB:CD:...`.
///
/// This is what authenticates the DTLS peer in WebRTC, so parsing is strict
/// and comparison is constant-time.
public struct Fingerprint: Sendable, Hashable, CustomStringConvertible {
    /// One of RFC 8122's hashes, sha-1 to sha-512 (see `FingerprintAlgorithm`
    /// for why sha-1 is accepted).
    public let algorithm: FingerprintAlgorithm
    public let bytes: [UInt8]

    public init(algorithm: FingerprintAlgorithm, bytes: [UInt8]) {
        self.algorithm = algorithm
        self.bytes = bytes
    }

    public init(certificate: Certificate, algorithm: FingerprintAlgorithm = .sha256) {
        let der = certificate.derEncoded
        self.init(algorithm: algorithm, bytes: algorithm.hash(der.span))
    }

    /// Parses "sha-256 AB:CD:..." (hash name case-insensitive, hex case-insensitive, exact length, colons required). Returns nil on anything malformed.
    public init?(_ text: String) {
        guard let parsed = try? Fingerprint.parse(text) else { return nil }
        self = parsed
    }

    /// Parses an SDP attribute line as offers carry it (RFC 8122 5):
    /// `a=fingerprint:sha-256 AB:CD:...`, with or without the `a=`, and
    /// with the line's trailing CR LF or spaces. Throws, saying why, on
    /// another attribute or a malformed value.
    public init(sdpLine: String) throws(CryptoError) {
        var line = Substring(sdpLine)
        // "\r\n" is one Character: test for whitespace and newlines, not for "\r".
        while let last = line.last, last.isWhitespace || last.isNewline { line = line.dropLast() }
        if line.hasPrefix("a=") { line = line.dropFirst(2) }
        let attribute = "fingerprint:"
        guard line.count > attribute.count, line.prefix(attribute.count).lowercased() == attribute else {
            throw .malformedInput("not an a=fingerprint: line")
        }
        self = try Fingerprint.parse(String(line.dropFirst(attribute.count)))
    }

    /// The SDP attribute line for this fingerprint, `a=fingerprint:sha-256 AB:...`.
    public var sdpLine: String { "a=fingerprint:\(description)" }

    /// Like `init?(_:)` but says why the text was refused, for logs and SDP
    /// answers that reject the offer.
    public static func parse(_ text: String) throws(CryptoError) -> Fingerprint {
        let utf8 = Array(text.utf8)
        guard let space = utf8.firstIndex(of: UInt8(ascii: " ")) else {
            throw .malformedInput("fingerprint must be \"<hash> <hex>\"")
        }
        let name = String(decoding: utf8[..<space], as: UTF8.self)
        guard let algorithm = FingerprintAlgorithm(sdpName: name) else {
            throw .malformedInput("unsupported fingerprint hash \"\(name.lowercased())\" (RFC 8122: sha-1, sha-224, sha-256, sha-384, sha-512)")
        }
        let hex = utf8[(space + 1)...]
        // "XX" per byte plus a colon between bytes.
        guard hex.count == algorithm.digestLength * 3 - 1 else {
            throw .malformedInput("fingerprint must have exactly \(algorithm.digestLength) colon-separated bytes")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(algorithm.digestLength)
        var index = hex.startIndex
        for byteNumber in 0..<algorithm.digestLength {
            if byteNumber > 0 {
                guard hex[index] == UInt8(ascii: ":") else { throw .malformedInput("fingerprint bytes must be colon-separated") }
                index += 1
            }
            guard let high = hexValue(hex[index]), let low = hexValue(hex[index + 1]) else {
                throw .malformedInput("fingerprint contains a non-hex digit")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return Fingerprint(algorithm: algorithm, bytes: bytes)
    }

    public var description: String {
        let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = Array(algorithm.sdpName.utf8)
        out.append(UInt8(ascii: " "))
        for (i, byte) in bytes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ":")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Constant-time so a peer probing with certificates learns nothing
    /// about how close its digest came.
    public func matches(_ certificateDER: [UInt8]) -> Bool {
        let digest = algorithm.hash(certificateDER.span)
        let expected = bytes
        return ConstantTime.equals(digest.span, expected.span)
    }
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
}
