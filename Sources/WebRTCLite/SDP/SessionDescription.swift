/// An SDP attribute line `a=name` or `a=name:value`.
public struct SDPAttribute: Sendable, Hashable {
    public var name: String
    public var value: String?
    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }
    var line: String { value.map { "a=\(name):\($0)" } ?? "a=\(name)" }
}

/// One `m=` section, generically: the media line and its attributes.
public struct MediaDescription: Sendable, Hashable {
    /// `audio`, `video`, `application`, ...
    public var kind: String
    public var port: Int
    /// e.g. `UDP/TLS/RTP/SAVPF`.
    public var proto: String
    /// Payload types (RTP) or other format identifiers.
    public var formats: [String]
    public var connection: String?
    public var attributes: [SDPAttribute]

    public func values(_ name: String) -> [String] { attributes.filter { $0.name == name }.compactMap(\.value) }
    public func value(_ name: String) -> String? { values(name).first }
    public func has(_ name: String) -> Bool { attributes.contains { $0.name == name } }
}

/// A session description (RFC 8866), kept generic: session-level lines and
/// attributes, then the media sections. `WebRTCOffer` reads the WebRTC
/// meaning out of it.
///
/// `Sendable`.
public struct SessionDescription: Sendable, Hashable {
    public var origin: String
    public var sessionName: String
    public var attributes: [SDPAttribute]
    public var media: [MediaDescription]

    public func values(_ name: String) -> [String] { attributes.filter { $0.name == name }.compactMap(\.value) }
    public func value(_ name: String) -> String? { values(name).first }
    public func has(_ name: String) -> Bool { attributes.contains { $0.name == name } }

    /// Parses SDP text (CRLF or LF line ends). Lines must be `x=...` with a
    /// one-letter type; unknown types are skipped as RFC 8866 allows.
    public init(parsing text: String) throws(SDPError) {
        origin = ""
        sessionName = ""
        attributes = []
        media = []
        var sawVersion = false
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line.removeLast() }
            if line.isEmpty { continue }
            let utf8 = Array(line.utf8)
            guard utf8.count >= 2, utf8[1] == UInt8(ascii: "="), utf8[0] >= UInt8(ascii: "a"), utf8[0] <= UInt8(ascii: "z") else {
                throw .malformedLine(lineNumber, String(line))
            }
            let type = Character(Unicode.Scalar(utf8[0]))
            let value = String(decoding: utf8[2...], as: UTF8.self)
            if !sawVersion {
                guard type == "v", value == "0" else { throw .malformedLine(lineNumber, "expected v=0 first, got \(line)") }
                sawVersion = true
                continue
            }
            switch type {
            case "o" where media.isEmpty: origin = value
            case "s" where media.isEmpty: sessionName = value
            case "m":
                let parts = value.split(separator: " ")
                guard parts.count >= 3, let port = Int(parts[1].split(separator: "/")[0]) else {
                    throw .malformedLine(lineNumber, String(line))
                }
                media.append(MediaDescription(kind: String(parts[0]), port: port, proto: String(parts[2]),
                                              formats: parts.dropFirst(3).map(String.init), connection: nil, attributes: []))
            case "c" where !media.isEmpty:
                media[media.count - 1].connection = value
            case "a":
                let attribute: SDPAttribute
                if let colon = value.firstIndex(of: ":") {
                    attribute = SDPAttribute(String(value[..<colon]), String(value[value.index(after: colon)...]))
                } else {
                    attribute = SDPAttribute(value)
                }
                if media.isEmpty { attributes.append(attribute) } else { media[media.count - 1].attributes.append(attribute) }
            default:
                continue  // b=, t=, c= at session level, k=, ...: not needed here
            }
        }
        guard sawVersion else { throw .malformedLine(0, "empty description") }
    }

    public init(origin: String, sessionName: String = "-", attributes: [SDPAttribute], media: [MediaDescription]) {
        self.origin = origin
        self.sessionName = sessionName
        self.attributes = attributes
        self.media = media
    }

    /// The text, CRLF line ends, as JSEP writes it.
    public var text: String {
        var lines = ["v=0", "o=\(origin)", "s=\(sessionName)", "t=0 0"]
        lines += attributes.map(\.line)
        for m in media {
            lines.append("m=\(m.kind) \(m.port) \(m.proto) \(m.formats.joined(separator: " "))")
            if let c = m.connection { lines.append("c=\(c)") }
            lines += m.attributes.map(\.line)
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// Why an offer was refused: every case names what could not be honoured.
public enum SDPError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformedLine(Int, String)
    case noMediaSections
    case missingMid(section: Int)
    case duplicateMid(String)
    case noBundle
    case notBundled(mid: String)
    case missingICECredentials(mid: String)
    case invalidICECredentials(String)
    case inconsistentICECredentials
    case offererIsICELite
    case missingFingerprint
    case badFingerprint(String)
    case missingSetup(mid: String)
    case unusableSetup(String)
    case noRTCPMux(mid: String)
    case unsupportedProtocol(mid: String, proto: String)
    case noUsableCodec(mid: String, kind: String)
    case malformedAttribute(mid: String, String)
    case missingSSRC(mid: String)
    case noMediaToEcho

    public var description: String {
        switch self {
        case .malformedLine(let n, let line): "SDP line \(n) is malformed: \(line)"
        case .noMediaSections: "the offer has no m= section"
        case .missingMid(let i): "m= section \(i) has no a=mid"
        case .duplicateMid(let mid): "a=mid:\(mid) appears twice"
        case .noBundle: "the offer has no a=group:BUNDLE (this server needs all media on one transport)"
        case .notBundled(let mid): "m= section mid \(mid) is not in the BUNDLE group"
        case .missingICECredentials(let mid): "no a=ice-ufrag/a=ice-pwd for mid \(mid)"
        case .invalidICECredentials(let why): "invalid ICE credentials: \(why)"
        case .inconsistentICECredentials: "bundled m= sections carry different ICE credentials"
        case .offererIsICELite: "the offerer is ICE-lite too; one side must be a full ICE agent"
        case .missingFingerprint: "the offer has no a=fingerprint (DTLS peer could not be authenticated)"
        case .badFingerprint(let why): "unusable a=fingerprint: \(why)"
        case .missingSetup(let mid): "no a=setup for mid \(mid)"
        case .unusableSetup(let why): "a=setup: \(why)"
        case .noRTCPMux(let mid): "mid \(mid) lacks a=rtcp-mux (RTP and RTCP must share the transport)"
        case .unsupportedProtocol(let mid, let proto): "mid \(mid) uses \(proto), not UDP/TLS/RTP/SAVPF"
        case .noUsableCodec(let mid, let kind): "mid \(mid) offers no usable \(kind) codec"
        case .malformedAttribute(let mid, let line): "mid \(mid): malformed attribute \(line)"
        case .missingSSRC(let mid): "mid \(mid) sends media but announces no a=ssrc (needed to rewrite SSRCs)"
        case .noMediaToEcho: "the offer has no audio or video section this server can answer"
        }
    }
}
