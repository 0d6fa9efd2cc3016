import DTLSCrypto
import ZlibChecksum

/// STUN attribute types this module reads or writes (RFC 5389 section 18.2,
/// RFC 8445 section 16.1, RFC 7675).
public struct STUNAttributeType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let mappedAddress = STUNAttributeType(rawValue: 0x0001)
    public static let username = STUNAttributeType(rawValue: 0x0006)
    public static let messageIntegrity = STUNAttributeType(rawValue: 0x0008)
    public static let errorCode = STUNAttributeType(rawValue: 0x0009)
    public static let unknownAttributes = STUNAttributeType(rawValue: 0x000A)
    public static let realm = STUNAttributeType(rawValue: 0x0014)
    public static let nonce = STUNAttributeType(rawValue: 0x0015)
    public static let xorMappedAddress = STUNAttributeType(rawValue: 0x0020)
    public static let priority = STUNAttributeType(rawValue: 0x0024)
    public static let useCandidate = STUNAttributeType(rawValue: 0x0025)
    public static let software = STUNAttributeType(rawValue: 0x8022)
    public static let fingerprint = STUNAttributeType(rawValue: 0x8028)
    public static let iceControlled = STUNAttributeType(rawValue: 0x8029)
    public static let iceControlling = STUNAttributeType(rawValue: 0x802A)

    /// Types 0x0000-0x7FFF must be understood by the receiver (RFC 5389 section 15).
    public var isComprehensionRequired: Bool { rawValue < 0x8000 }

    static let understood: Set<STUNAttributeType> = [
        .mappedAddress, .username, .messageIntegrity, .errorCode, .unknownAttributes, .realm, .nonce,
        .xorMappedAddress, .priority, .useCandidate,
    ]

    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// One attribute, its value without padding.
public struct STUNAttribute: Sendable, Hashable {
    public var type: STUNAttributeType
    public var value: [UInt8]
    public init(type: STUNAttributeType, value: [UInt8]) {
        self.type = type
        self.value = value
    }
}

/// Why a datagram is not a usable STUN message.
public enum STUNError: Error, Sendable, Hashable, CustomStringConvertible {
    case notSTUN(String)
    case malformedAttribute(STUNAttributeType, String)
    case attributeAfterFingerprint

    public var description: String {
        switch self {
        case .notSTUN(let why): "not a STUN message: \(why)"
        case .malformedAttribute(let type, let why): "malformed STUN attribute \(type): \(why)"
        case .attributeAfterFingerprint: "attribute after FINGERPRINT"
        }
    }
}

/// A STUN message (RFC 5389): header fields and attributes in wire order.
///
/// Parsing keeps where MESSAGE-INTEGRITY and FINGERPRINT sit so that
/// `verifyIntegrity`/`verifyFingerprint` check the exact bytes received;
/// encoding appends them last (integrity, then fingerprint).
///
/// `Sendable`.
public struct STUNMessage: Sendable, Hashable {
    public enum Class: UInt16, Sendable, Hashable {
        case request = 0, indication = 1, successResponse = 2, errorResponse = 3
    }

    public static let magicCookie: UInt32 = 0x2112_A442
    public static let headerLength = 20
    /// The Binding method (RFC 5389 section 18.1).
    public static let binding: UInt16 = 0x001
    static let fingerprintXOR: UInt32 = 0x5354_554E

    public var method: UInt16
    public var messageClass: Class
    /// 12 bytes.
    public var transactionID: [UInt8]
    /// Every attribute in wire order, MESSAGE-INTEGRITY and FINGERPRINT
    /// included when parsed.
    public var attributes: [STUNAttribute]

    /// Offset of the MESSAGE-INTEGRITY attribute header in the parsed bytes.
    public private(set) var integrityOffset: Int?
    /// Offset of the FINGERPRINT attribute header in the parsed bytes.
    public private(set) var fingerprintOffset: Int?

    public init(method: UInt16 = STUNMessage.binding, class messageClass: Class, transactionID: [UInt8],
                attributes: [STUNAttribute] = []) {
        precondition(transactionID.count == 12, "a STUN transaction ID has 12 bytes")
        self.method = method
        self.messageClass = messageClass
        self.transactionID = transactionID
        self.attributes = attributes
    }

    /// A fresh random transaction ID.
    public static func randomTransactionID() -> [UInt8] { SecureRandom.bytes(12) }

    // MARK: - Parsing

    /// Whether `datagram` looks like STUN at all (RFC 7983 range, the magic
    /// cookie, a length that matches): cheap, for demultiplexing.
    public static func isSTUN(_ datagram: [UInt8]) -> Bool {
        datagram.count >= headerLength && datagram[0] < 4 && readUInt32(datagram, 4) == magicCookie
            && Int(readUInt16(datagram, 2)) + headerLength == datagram.count && datagram[3] & 3 == 0
    }

    public init(parsing bytes: [UInt8]) throws(STUNError) {
        guard bytes.count >= Self.headerLength else { throw .notSTUN("shorter than the 20-byte header") }
        guard bytes[0] & 0xC0 == 0 else { throw .notSTUN("first two bits are not zero") }
        guard Self.readUInt32(bytes, 4) == Self.magicCookie else { throw .notSTUN("no magic cookie") }
        let length = Int(Self.readUInt16(bytes, 2))
        guard length % 4 == 0 else { throw .notSTUN("length \(length) is not a multiple of 4") }
        guard length + Self.headerLength == bytes.count else {
            throw .notSTUN("length \(length) does not match the datagram (\(bytes.count) bytes)")
        }
        let type = Self.readUInt16(bytes, 0)
        // Method bits M0-M11 interleaved with class bits C0 (bit 4) and C1 (bit 8).
        let classBits = (type >> 4) & 1 | (type >> 7) & 2
        method = (type & 0x000F) | (type >> 1) & 0x0070 | (type >> 2) & 0x0F80
        messageClass = Class(rawValue: classBits)!
        transactionID = Array(bytes[8..<20])
        attributes = []
        var offset = Self.headerLength
        while offset < bytes.count {
            guard offset + 4 <= bytes.count else { throw .notSTUN("truncated attribute header") }
            let attrType = STUNAttributeType(rawValue: Self.readUInt16(bytes, offset))
            let attrLength = Int(Self.readUInt16(bytes, offset + 2))
            let padded = (attrLength + 3) & ~3
            guard offset + 4 + padded <= bytes.count else {
                throw .malformedAttribute(attrType, "value runs past the end of the message")
            }
            if fingerprintOffset != nil { throw .attributeAfterFingerprint }
            switch attrType {
            case .messageIntegrity:
                guard attrLength == 20 else { throw .malformedAttribute(attrType, "HMAC-SHA1 is 20 bytes") }
                if integrityOffset == nil { integrityOffset = offset }
            case .fingerprint:
                guard attrLength == 4 else { throw .malformedAttribute(attrType, "CRC-32 is 4 bytes") }
                fingerprintOffset = offset
            default:
                break
            }
            attributes.append(STUNAttribute(type: attrType, value: Array(bytes[(offset + 4)..<(offset + 4 + attrLength)])))
            offset += 4 + padded
        }
    }

    /// The first attribute of this type. After MESSAGE-INTEGRITY only
    /// FINGERPRINT counts (RFC 5389 section 15.4: later attributes are ignored).
    public func attribute(_ type: STUNAttributeType) -> STUNAttribute? {
        var seenIntegrity = false
        for attribute in attributes {
            if seenIntegrity, attribute.type != .fingerprint { continue }
            if attribute.type == type { return attribute }
            if attribute.type == .messageIntegrity { seenIntegrity = true }
        }
        return nil
    }

    /// Comprehension-required attributes this module does not understand.
    public var unknownComprehensionRequired: [STUNAttributeType] {
        attributes.map(\.type).filter { $0.isComprehensionRequired && !STUNAttributeType.understood.contains($0) }
    }

    public var username: String? {
        attribute(.username).map { String(decoding: $0.value, as: UTF8.self) }
    }

    public var hasUseCandidate: Bool { attribute(.useCandidate) != nil }

    public var priority: UInt32? {
        guard let value = attribute(.priority)?.value, value.count == 4 else { return nil }
        return Self.readUInt32(value, 0)
    }

    /// The error code of an error response (e.g. 401).
    public var errorCode: Int? {
        guard let value = attribute(.errorCode)?.value, value.count >= 4 else { return nil }
        return Int(value[2] & 0x07) * 100 + Int(value[3])
    }

    /// The XOR-MAPPED-ADDRESS, decoded.
    public func xorMappedAddress() throws(STUNError) -> TransportAddress? {
        guard let value = attribute(.xorMappedAddress)?.value else { return nil }
        guard value.count >= 8 else { throw .malformedAttribute(.xorMappedAddress, "too short") }
        let port = Self.readUInt16(value, 2) ^ UInt16(Self.magicCookie >> 16)
        let mask = Self.xorMask(transactionID)
        switch value[1] {
        case 0x01 where value.count == 8:
            return TransportAddress(ip: (0..<4).map { value[4 + $0] ^ mask[$0] }, port: port)
        case 0x02 where value.count == 20:
            return TransportAddress(ip: (0..<16).map { value[4 + $0] ^ mask[$0] }, port: port)
        default:
            throw .malformedAttribute(.xorMappedAddress, "unknown family or length")
        }
    }

    // MARK: - Verification (on the received bytes)

    /// Checks MESSAGE-INTEGRITY: HMAC-SHA1 keyed with `key` (for ICE, the
    /// ice-pwd's UTF-8 bytes) over the message up to the attribute, with the
    /// header length covering it (RFC 5389 section 15.4). False when absent.
    public func verifyIntegrity(of bytes: [UInt8], key: [UInt8]) -> Bool {
        guard let offset = integrityOffset, offset + 24 <= bytes.count else { return false }
        var covered = Array(bytes[0..<offset])
        Self.writeUInt16(&covered, 2, UInt16(offset + 24 - Self.headerLength))
        let mac = HMAC.authenticate(.sha1, key: key.span, data: covered.span)
        let received = Array(bytes[(offset + 4)..<(offset + 24)])
        return ConstantTime.equals(mac.span, received.span)
    }

    /// Checks FINGERPRINT: CRC-32 of the message up to the attribute, XOR
    /// 0x5354554E (RFC 5389 section 15.5). False when absent.
    public func verifyFingerprint(of bytes: [UInt8]) -> Bool {
        guard let offset = fingerprintOffset, offset + 8 == bytes.count else { return false }
        // FINGERPRINT is last, so the header length already covers it.
        let crc = CRC32.checksum(bytes.span.extracting(0..<offset)) ^ Self.fingerprintXOR
        return crc == Self.readUInt32(bytes, offset + 4)
    }

    // MARK: - Encoding

    /// The wire form. `attributes` are written in order (without any
    /// MESSAGE-INTEGRITY or FINGERPRINT they hold), then MESSAGE-INTEGRITY
    /// when `integrityKey` is given, then FINGERPRINT when `fingerprint`.
    public func encoded(integrityKey: [UInt8]? = nil, fingerprint: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        let m = method & 0x0FFF, c = messageClass.rawValue
        let type = (m & 0x000F) | (m & 0x0070) << 1 | (m & 0x0F80) << 2 | (c & 1) << 4 | (c & 2) << 7
        Self.appendUInt16(&out, type)
        Self.appendUInt16(&out, 0)
        Self.appendUInt32(&out, Self.magicCookie)
        out.append(contentsOf: transactionID)
        for attribute in attributes where attribute.type != .messageIntegrity && attribute.type != .fingerprint {
            Self.appendAttribute(&out, attribute.type, attribute.value)
        }
        if let integrityKey {
            Self.writeUInt16(&out, 2, UInt16(out.count + 24 - Self.headerLength))
            let mac = HMAC.authenticate(.sha1, key: integrityKey.span, data: out.span)
            Self.appendAttribute(&out, .messageIntegrity, mac)
        }
        if fingerprint {
            Self.writeUInt16(&out, 2, UInt16(out.count + 8 - Self.headerLength))
            let crc = CRC32.checksum(out.span) ^ Self.fingerprintXOR
            var value: [UInt8] = []
            Self.appendUInt32(&value, crc)
            Self.appendAttribute(&out, .fingerprint, value)
        }
        Self.writeUInt16(&out, 2, UInt16(out.count - Self.headerLength))
        return out
    }

    // MARK: - Attribute builders

    public static func xorMappedAddress(_ address: TransportAddress, transactionID: [UInt8]) -> STUNAttribute {
        let mask = xorMask(transactionID)
        var value: [UInt8] = [0, address.isIPv4 ? 0x01 : 0x02]
        appendUInt16(&value, address.port ^ UInt16(magicCookie >> 16))
        for (i, byte) in address.ip.enumerated() { value.append(byte ^ mask[i]) }
        return STUNAttribute(type: .xorMappedAddress, value: value)
    }

    public static func errorCode(_ code: Int, reason: String) -> STUNAttribute {
        var value: [UInt8] = [0, 0, UInt8(code / 100), UInt8(code % 100)]
        value.append(contentsOf: Array(reason.utf8))
        return STUNAttribute(type: .errorCode, value: value)
    }

    public static func unknownAttributes(_ types: [STUNAttributeType]) -> STUNAttribute {
        var value: [UInt8] = []
        for type in types { appendUInt16(&value, type.rawValue) }
        return STUNAttribute(type: .unknownAttributes, value: value)
    }

    public static func username(_ text: String) -> STUNAttribute {
        STUNAttribute(type: .username, value: Array(text.utf8))
    }

    public static func software(_ text: String) -> STUNAttribute {
        STUNAttribute(type: .software, value: Array(text.utf8))
    }

    // MARK: - Bytes

    /// The magic cookie followed by the transaction ID: the XOR mask of
    /// XOR-MAPPED-ADDRESS (IPv4 uses the first 4 bytes).
    static func xorMask(_ transactionID: [UInt8]) -> [UInt8] {
        [0x21, 0x12, 0xA4, 0x42] + transactionID
    }

    static func appendAttribute(_ out: inout [UInt8], _ type: STUNAttributeType, _ value: [UInt8]) {
        appendUInt16(&out, type.rawValue)
        appendUInt16(&out, UInt16(value.count))
        out.append(contentsOf: value)
        while out.count % 4 != 0 { out.append(0) }
    }

    static func readUInt16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
    static func readUInt32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
    static func writeUInt16(_ b: inout [UInt8], _ i: Int, _ v: UInt16) {
        b[i] = UInt8(v >> 8)
        b[i + 1] = UInt8(v & 0xff)
    }
    static func appendUInt16(_ b: inout [UInt8], _ v: UInt16) {
        b.append(UInt8(v >> 8))
        b.append(UInt8(v & 0xff))
    }
    static func appendUInt32(_ b: inout [UInt8], _ v: UInt32) {
        b.append(UInt8(v >> 24))
        b.append(UInt8((v >> 16) & 0xff))
        b.append(UInt8((v >> 8) & 0xff))
        b.append(UInt8(v & 0xff))
    }
}
