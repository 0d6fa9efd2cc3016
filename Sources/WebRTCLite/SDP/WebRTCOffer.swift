import DTLSCrypto
import DTLSEndpoint

/// One RTP payload format of a media section (`a=rtpmap`, `a=fmtp`, `a=rtcp-fb`).
public struct RTPCodec: Sendable, Hashable {
    public var payloadType: UInt8
    /// Encoding name as offered, e.g. `opus`, `VP8`, `rtx`.
    public var name: String
    public var clockRate: Int
    public var channels: Int?
    public var fmtp: String?
    /// `a=rtcp-fb` values for this payload type, e.g. `nack pli`.
    public var feedback: [String]

    public var isRTX: Bool { name.lowercased() == "rtx" }
    /// Retransmission, redundancy, comfort noise and DTMF: never chosen as
    /// the primary codec of an echo.
    public var isAuxiliary: Bool {
        ["rtx", "red", "ulpfec", "flexfec-03", "cn", "telephone-event"].contains(name.lowercased())
    }
    /// The payload type an RTX format repairs (`apt=`).
    public var associatedPayloadType: UInt8? {
        guard isRTX, let fmtp else { return nil }
        for parameter in fmtp.split(separator: ";") {
            let kv = parameter.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].trimmingSpaces == "apt" { return UInt8(kv[1].trimmingSpaces) }
        }
        return nil
    }
    var rtpmapValue: String {
        "\(payloadType) \(name)/\(clockRate)" + (channels.map { "/\($0)" } ?? "")
    }
}

extension Substring {
    var trimmingSpaces: String {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

/// `a=sendrecv` and friends (RFC 8866 section 6.7).
public enum MediaDirection: String, Sendable, Hashable {
    case sendrecv, sendonly, recvonly, inactive

    /// What this server answers when it echoes: it can send back only what it receives.
    var echoAnswer: MediaDirection {
        switch self {
        case .sendrecv: .sendrecv
        case .sendonly: .recvonly
        case .recvonly, .inactive: .inactive
        }
    }
    var offererSends: Bool { self == .sendrecv || self == .sendonly }
}

/// One offered m= section, interpreted.
public struct OfferedMedia: Sendable, Hashable {
    public var index: Int
    public var mid: String
    /// `audio`, `video`, or anything else (answered as rejected).
    public var kind: String
    public var port: Int
    public var proto: String
    public var formats: [String]
    public var direction: MediaDirection
    public var codecs: [RTPCodec]
    /// Every SSRC the offerer announces, in order of first appearance.
    public var ssrcs: [UInt32]
    /// `a=ssrc-group:FID primary rtx` pairs.
    public var fidGroups: [[UInt32]]
    /// Whether this server can answer it (audio or video over
    /// UDP/TLS/RTP/SAVPF, port not 0 unless `a=bundle-only` in the BUNDLE
    /// group); other sections are answered with port 0.
    public var isAnswerable: Bool
}

/// A browser's offer, read for what a WebRTC media server needs: the ICE
/// credentials, the DTLS fingerprints and setup, BUNDLE and mids, rtcp-mux,
/// codecs and SSRCs. `init(parsing:)` throws an `SDPError` naming the first
/// thing it cannot honour.
///
/// `Sendable`.
public struct WebRTCOffer: Sendable, Hashable {
    public var description: SessionDescription
    /// The offerer's ICE ufrag and password.
    public var ice: ICECredentials
    /// Every `a=fingerprint` the offerer gave (session and media level).
    public var fingerprints: [Fingerprint]
    public var setup: SDPSetup
    /// The mids of the (first) BUNDLE group.
    public var bundle: [String]
    public var media: [OfferedMedia]

    public init(parsing text: String) throws(SDPError) {
        try self.init(try SessionDescription(parsing: text))
    }

    public init(_ sdp: SessionDescription) throws(SDPError) {
        description = sdp
        guard !sdp.media.isEmpty else { throw .noMediaSections }
        if sdp.has("ice-lite") { throw .offererIsICELite }

        guard let group = sdp.values("group").first(where: { $0.hasPrefix("BUNDLE") }) else { throw .noBundle }
        bundle = group.split(separator: " ").dropFirst().map(String.init)

        var parsed: [OfferedMedia] = []
        var seenMids: Set<String> = []
        var credentials: ICECredentials?
        var fingerprintTexts = sdp.values("fingerprint")
        var setupText = sdp.value("setup")
        for (index, m) in sdp.media.enumerated() {
            guard let mid = m.value("mid") else {
                if m.port == 0 { continue }
                throw .missingMid(section: index)
            }
            guard seenMids.insert(mid).inserted else { throw .duplicateMid(mid) }
            let isRTP = m.kind == "audio" || m.kind == "video"
            // Port 0 rejects a section (RFC 3264 6), except with
            // a=bundle-only inside the BUNDLE group: a max-bundle offerer
            // (Firefox, any JSEP peer with bundlePolicy "max-bundle") asks
            // for it to share the bundle transport (RFC 8843 6, 7.3; RFC 9429 5.2.1).
            let bundleOnly = m.port == 0 && m.has("bundle-only") && bundle.contains(mid)
            let answerable = isRTP && (m.port != 0 || bundleOnly)
            var media = OfferedMedia(index: index, mid: mid, kind: m.kind, port: m.port, proto: m.proto, formats: m.formats,
                                     direction: .sendrecv, codecs: [], ssrcs: [], fidGroups: [], isAnswerable: answerable)
            guard answerable else {
                parsed.append(media)
                continue
            }
            guard m.proto == "UDP/TLS/RTP/SAVPF" else { throw .unsupportedProtocol(mid: mid, proto: m.proto) }
            guard bundle.contains(mid) else { throw .notBundled(mid: mid) }
            guard m.has("rtcp-mux") else { throw .noRTCPMux(mid: mid) }

            guard let ufrag = m.value("ice-ufrag") ?? sdp.value("ice-ufrag"),
                  let pwd = m.value("ice-pwd") ?? sdp.value("ice-pwd") else { throw .missingICECredentials(mid: mid) }
            let these = ICECredentials(ufrag: ufrag, password: pwd)
            if let credentials, credentials != these { throw .inconsistentICECredentials }
            credentials = these
            fingerprintTexts += m.values("fingerprint")
            if let s = m.value("setup") { setupText = s }
            guard setupText != nil else { throw .missingSetup(mid: mid) }

            for d in [MediaDirection.sendrecv, .sendonly, .recvonly, .inactive] where m.has(d.rawValue) { media.direction = d }
            media.codecs = try Self.codecs(of: m, mid: mid)
            for value in m.values("ssrc") {
                guard let id = value.split(separator: " ").first.flatMap({ UInt32($0) }) else {
                    throw .malformedAttribute(mid: mid, "a=ssrc:\(value)")
                }
                if !media.ssrcs.contains(id) { media.ssrcs.append(id) }
            }
            for value in m.values("ssrc-group") {
                let parts = value.split(separator: " ")
                guard parts.first == "FID" else { continue }
                let ids = parts.dropFirst().compactMap { UInt32($0) }
                guard ids.count == 2 else { throw .malformedAttribute(mid: mid, "a=ssrc-group:\(value)") }
                media.fidGroups.append(ids)
            }
            if media.direction.offererSends, media.ssrcs.isEmpty { throw .missingSSRC(mid: mid) }
            parsed.append(media)
        }
        media = parsed
        guard let credentials else { throw .noMediaToEcho }
        guard ICECredentials.isValid(ufrag: credentials.ufrag) else {
            throw .invalidICECredentials("ice-ufrag must be 4-256 ice-chars")
        }
        guard ICECredentials.isValid(password: credentials.password) else {
            throw .invalidICECredentials("ice-pwd must be 22-256 ice-chars")
        }
        ice = credentials

        guard !fingerprintTexts.isEmpty else { throw .missingFingerprint }
        var fingerprints: [Fingerprint] = []
        var firstProblem: String?
        for text in fingerprintTexts {
            do throws(CryptoError) {
                let fingerprint = try Fingerprint.parse(text)
                if !fingerprints.contains(fingerprint) { fingerprints.append(fingerprint) }
            } catch {
                firstProblem = firstProblem ?? "\(text): \(error)"
            }
        }
        guard !fingerprints.isEmpty else { throw .badFingerprint(firstProblem ?? "none usable") }
        self.fingerprints = fingerprints

        do throws(EndpointError) {
            setup = try SDPSetup(sdp: setupText ?? "")
            _ = try setup.answer()
        } catch {
            throw .unusableSetup("\(error)")
        }
    }

    private static func codecs(of m: MediaDescription, mid: String) throws(SDPError) -> [RTPCodec] {
        var codecs: [RTPCodec] = []
        for format in m.formats {
            guard let pt = UInt8(format), pt < 128 else { throw .malformedAttribute(mid: mid, "payload type \(format)") }
            guard let map = m.values("rtpmap").first(where: { $0.hasPrefix(format + " ") }) else {
                continue  // a static payload type without rtpmap: not one we would pick
            }
            let encoding = map.split(separator: " ", maxSplits: 1)
            let parts = encoding.count == 2 ? encoding[1].split(separator: "/") : []
            guard parts.count >= 2, let clock = Int(parts[1]) else { throw .malformedAttribute(mid: mid, "a=rtpmap:\(map)") }
            let channels = parts.count >= 3 ? Int(parts[2]) : nil
            let prefix = format + " "
            let fmtp = m.values("fmtp").first(where: { $0.hasPrefix(prefix) }).map { String($0.dropFirst(prefix.count)) }
            let feedback = m.values("rtcp-fb").filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            codecs.append(RTPCodec(payloadType: pt, name: String(parts[0]), clockRate: clock, channels: channels,
                                   fmtp: fmtp, feedback: feedback))
        }
        return codecs
    }
}
