/// An IP address and UDP port, the way STUN and ICE carry them: 4 bytes
/// for IPv4, 16 for IPv6, network order.
///
/// `Sendable`.
public struct TransportAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 (IPv4) or 16 (IPv6) bytes.
    public let ip: [UInt8]
    public let port: UInt16

    /// Nil unless `ip` has 4 or 16 bytes.
    public init?(ip: [UInt8], port: UInt16) {
        guard ip.count == 4 || ip.count == 16 else { return nil }
        self.ip = ip
        self.port = port
    }

    /// Parses a dotted IPv4 address or a textual IPv6 address (with `::`
    /// compression; no zone, no embedded IPv4).
    public init?(host: String, port: UInt16) {
        if let v4 = Self.parseIPv4(host) {
            self.ip = v4
        } else if let v6 = Self.parseIPv6(host) {
            self.ip = v6
        } else {
            return nil
        }
        self.port = port
    }

    public var isIPv4: Bool { ip.count == 4 }

    /// `127.0.0.1` or `2001:db8:0:0:0:0:0:1` (IPv6 without compression).
    public var host: String {
        if isIPv4 { return ip.map { String($0) }.joined(separator: ".") }
        var groups: [String] = []
        var i = 0
        while i < 16 {
            groups.append(String(UInt16(ip[i]) << 8 | UInt16(ip[i + 1]), radix: 16))
            i += 2
        }
        return groups.joined(separator: ":")
    }

    /// `127.0.0.1:5000` or `[2001:db8:0:0:0:0:0:1]:5000`.
    public var description: String { isIPv4 ? "\(host):\(port)" : "[\(host)]:\(port)" }

    static func parseIPv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = UInt8(part) else { return nil }
            out.append(value)
        }
        return out
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all: [UInt16]
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            all = head
        }
        var bytes: [UInt8] = []
        for g in all { bytes.append(UInt8(g >> 8)); bytes.append(UInt8(g & 0xff)) }
        return bytes
    }
}

extension String {
    /// Foundation-free `components(separatedBy:)` for a non-empty separator.
    func components(separatedBy separator: String) -> [String] {
        let s = Array(self.utf8), sep = Array(separator.utf8)
        var parts: [String] = []
        var start = 0, i = 0
        while i + sep.count <= s.count {
            if Array(s[i..<(i + sep.count)]) == sep {
                parts.append(String(decoding: s[start..<i], as: UTF8.self))
                i += sep.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(String(decoding: s[start...], as: UTF8.self))
        return parts
    }
}
