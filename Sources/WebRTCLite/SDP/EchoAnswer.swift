import DTLSCrypto
import DTLSEndpoint

/// What the answerer puts in its answer besides what the offer decides.
///
/// `Sendable`.
public struct AnswerOptions: Sendable, Hashable {
    /// This side's ICE credentials (fresh per session: `ICECredentials.random()`).
    public var credentials: ICECredentials
    /// This side's certificate fingerprint.
    public var fingerprint: Fingerprint
    /// The DTLS role wanted when the offer leaves it open (`actpass`):
    /// `.server` answers `passive` (the default), `.client` answers `active`.
    public var preferredRole: DTLSRole = .server
    /// The one host candidate (the media socket's address).
    public var candidate: TransportAddress
    /// Codec names in preference order, per kind.
    public var audioCodecs: [String] = ["opus"]
    public var videoCodecs: [String] = ["VP8", "VP9", "H264", "AV1"]
    public var cname = "dtls-srtp-echo"
    /// The msid stream id of the echoed tracks.
    public var streamID = "echo"
    public var sessionID: UInt64

    public init(credentials: ICECredentials, fingerprint: Fingerprint, candidate: TransportAddress, sessionID: UInt64) {
        self.credentials = credentials
        self.fingerprint = fingerprint
        self.candidate = candidate
        self.sessionID = sessionID
    }
}

/// One m= section as answered.
public struct AnsweredMedia: Sendable, Hashable {
    public var mid: String
    public var kind: String
    /// False: answered with port 0.
    public var accepted: Bool
    public var direction: MediaDirection
    public var codecs: [RTPCodec]
    /// The offerer's SSRCs and the ones this side announced for their echo,
    /// pairwise.
    public var remoteSSRCs: [UInt32]
    public var localSSRCs: [UInt32]
}

/// The answer of an echo server to a `WebRTCOffer`: every audio and video
/// section it can honour is accepted, bundled on one transport with
/// rtcp-mux, with one codec (and its RTX) from the offered payload types,
/// and new SSRCs announced for the echo of every offered SSRC.
///
/// `Sendable`.
public struct EchoAnswer: Sendable, Hashable {
    public var description: SessionDescription
    public var media: [AnsweredMedia]
    /// This side's `a=setup` and the DTLS role it implies.
    public var setup: SDPSetup
    public var role: DTLSRole
    /// Offerer SSRC -> announced SSRC, for every accepted section that the
    /// offerer sends on.
    public var ssrcMap: [UInt32: UInt32]
    /// Announced SSRC -> media kind (`audio`/`video`), for statistics.
    public var kinds: [UInt32: String]

    public var text: String { description.text }
}

extension WebRTCOffer {
    /// Builds the answer; throws when no section can be accepted, or when
    /// an accepted section has no usable codec.
    public func echoAnswer(_ options: AnswerOptions) throws(SDPError) -> EchoAnswer {
        let answerSetup: SDPSetup
        let role: DTLSRole
        do throws(EndpointError) {
            answerSetup = try setup.answer(preferring: options.preferredRole)
            role = try DTLSRole(localSetup: answerSetup)
        } catch {
            throw .unusableSetup("\(error)")
        }
        let ip = options.candidate.host
        let family = options.candidate.isIPv4 ? "IP4" : "IP6"
        var taken = Set(media.flatMap(\.ssrcs))
        func freshSSRC() -> UInt32 {
            while true {
                let bytes = SecureRandom.bytes(4)
                let id = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
                if id != 0, taken.insert(id).inserted { return id }
            }
        }

        var sections: [MediaDescription] = []
        var answered: [AnsweredMedia] = []
        var ssrcMap: [UInt32: UInt32] = [:]
        var kinds: [UInt32: String] = [:]
        var bundled: [String] = []
        for offered in media {
            guard offered.isAnswerable else {
                sections.append(MediaDescription(kind: offered.kind, port: 0, proto: offered.proto, formats: offered.formats,
                                                 connection: "IN \(family) 0.0.0.0", attributes: [SDPAttribute("mid", offered.mid)]))
                answered.append(AnsweredMedia(mid: offered.mid, kind: offered.kind, accepted: false, direction: .inactive,
                                              codecs: [], remoteSSRCs: [], localSSRCs: []))
                continue
            }
            let codecs = try chooseCodecs(offered, preference: offered.kind == "audio" ? options.audioCodecs : options.videoCodecs)
            let direction = offered.direction.echoAnswer
            var attributes: [SDPAttribute] = [
                SDPAttribute("mid", offered.mid),
                SDPAttribute(direction.rawValue),
                SDPAttribute("ice-ufrag", options.credentials.ufrag),
                SDPAttribute("ice-pwd", options.credentials.password),
                SDPAttribute("fingerprint", options.fingerprint.description),
                SDPAttribute("setup", answerSetup.rawValue),
                SDPAttribute("rtcp-mux"),
            ]
            let track = "\(options.streamID)-\(offered.kind)-\(offered.mid)"
            var local: [UInt32] = []
            var remote: [UInt32] = []
            if direction.offererSends, direction == .sendrecv {
                attributes.append(SDPAttribute("msid", "\(options.streamID) \(track)"))
                for id in offered.ssrcs {
                    let mine = freshSSRC()
                    ssrcMap[id] = mine
                    kinds[mine] = offered.kind
                    remote.append(id)
                    local.append(mine)
                }
            }
            for codec in codecs {
                attributes.append(SDPAttribute("rtpmap", codec.rtpmapValue))
                for fb in codec.feedback where fb != "transport-cc" {
                    attributes.append(SDPAttribute("rtcp-fb", "\(codec.payloadType) \(fb)"))
                }
                if let fmtp = codec.fmtp { attributes.append(SDPAttribute("fmtp", "\(codec.payloadType) \(fmtp)")) }
            }
            for group in offered.fidGroups {
                if let a = ssrcMap[group[0]], let b = ssrcMap[group[1]] {
                    attributes.append(SDPAttribute("ssrc-group", "FID \(a) \(b)"))
                }
            }
            for id in local {
                attributes.append(SDPAttribute("ssrc", "\(id) cname:\(options.cname)"))
                attributes.append(SDPAttribute("ssrc", "\(id) msid:\(options.streamID) \(track)"))
            }
            attributes.append(SDPAttribute("candidate", "1 1 udp 2130706431 \(ip) \(options.candidate.port) typ host generation 0"))
            attributes.append(SDPAttribute("end-of-candidates"))
            sections.append(MediaDescription(kind: offered.kind, port: Int(options.candidate.port), proto: offered.proto,
                                             formats: codecs.map { String($0.payloadType) },
                                             connection: "IN \(family) \(ip)", attributes: attributes))
            answered.append(AnsweredMedia(mid: offered.mid, kind: offered.kind, accepted: true, direction: direction,
                                          codecs: codecs, remoteSSRCs: remote, localSSRCs: local))
            bundled.append(offered.mid)
        }
        guard !bundled.isEmpty else { throw .noMediaToEcho }
        let session = SessionDescription(
            origin: "- \(options.sessionID) 2 IN \(family) \(ip)",
            attributes: [SDPAttribute("group", "BUNDLE " + bundled.joined(separator: " ")), SDPAttribute("ice-lite"),
                         SDPAttribute("msid-semantic", " WMS \(options.streamID)")],
            media: sections)
        return EchoAnswer(description: session, media: answered, setup: answerSetup, role: role, ssrcMap: ssrcMap, kinds: kinds)
    }

    /// The first offered codec named in `preference` (else the first
    /// non-auxiliary one), plus the RTX format that repairs it.
    private func chooseCodecs(_ offered: OfferedMedia, preference: [String]) throws(SDPError) -> [RTPCodec] {
        let primaries = offered.codecs.filter { !$0.isAuxiliary }
        var chosen: RTPCodec?
        for name in preference {
            if let match = primaries.first(where: { $0.name.lowercased() == name.lowercased() }) {
                chosen = match
                break
            }
        }
        guard let primary = chosen ?? primaries.first else {
            throw .noUsableCodec(mid: offered.mid, kind: offered.kind)
        }
        var codecs = [primary]
        if let rtx = offered.codecs.first(where: { $0.associatedPayloadType == primary.payloadType }) { codecs.append(rtx) }
        return codecs
    }
}
