import DTLS
import DTLSCrypto
import DTLSEndpoint
import SRTP

/// Counters of an `EchoSession`.
public struct EchoStats: Sendable, Hashable {
    public var rtpIn = 0
    public var rtpForwarded = 0
    public var audioPacketsForwarded = 0
    public var videoPacketsForwarded = 0
    /// Video RTP packets with the marker bit (last packet of a frame),
    /// primary streams only: frames forwarded.
    public var videoFramesForwarded = 0
    public var rtcpIn = 0
    public var rtcpForwarded = 0
    public var pliForwarded = 0
    public var firForwarded = 0
    public var nackForwarded = 0
    public var rembForwarded = 0
    public var unknownSSRC = 0
    public var malformedRTCP = 0
    /// DTLS/SRTP from an address that never passed an ICE check.
    public var droppedUnvalidated = 0
    public var droppedMedia = 0
    public var protectFailures = 0
    public init() {}
}

/// One browser's media session on a server: the ICE-lite responder, the
/// stateless cookie exchange, the `DTLSSRTPEndpoint` keyed after the
/// certificate matched the offer's fingerprint, and the echo path (SRTP
/// unprotect, SSRC rewrite, protect, send back; RTCP the same way).
/// Sans-IO: datagrams and clock readings in, datagrams to send and events
/// out. An SFU's forwarding path in miniature.
///
/// Datagrams are accepted in this order (RFC 7983 demultiplexing): STUN
/// always (the ICE responder authenticates it); DTLS and SRTP only from an
/// address that passed an authenticated check. With `a=setup:passive` the
/// first DTLS datagrams go to a `DTLSCookieListener` and the connection it
/// accepts is adopted by the endpoint; with `a=setup:active` the endpoint
/// starts as DTLS client once ICE has validated an address.
///
/// Not `Sendable`: confine it to one thread, like the endpoint it owns.
public final class EchoSession {
    public enum Output: Sendable, Equatable {
        case transmit([UInt8], to: TransportAddress)
        case event(Event)
    }

    public enum Event: Sendable, Equatable {
        case iceValidated(TransportAddress)
        case iceNominated(TransportAddress)
        /// The handshake completed and the browser's certificate matched
        /// one of the offer's fingerprints: SRTP is keyed.
        case connected(EndpointConnectionInfo)
        case failed(EndpointError)
        case closed
        /// No authenticated check for `consentTimeout`: the session stopped
        /// sending (RFC 7675) and ended.
        case consentExpired
    }

    public let id: String
    public let offer: WebRTCOffer
    public let answer: EchoAnswer
    public let ice: ICELiteResponder
    public private(set) var endpoint: DTLSSRTPEndpoint?
    public private(set) var stats = EchoStats()
    public private(set) var connectionInfo: EndpointConnectionInfo?
    public private(set) var isEnded = false
    public let createdAt: DTLSInstant

    private let configuration: EndpointConfiguration
    private var listener: DTLSCookieListener?
    private let rewriter: SSRCRewriter
    private let primaryVideoSSRCs: Set<UInt32>
    private var endpointDeadline: DTLSInstant?
    private var lastDTLSSource: TransportAddress?
    private var scratch: [UInt8] = []

    /// `dtls` carries the local certificate, key, suites and SRTP profiles;
    /// its peer verification is replaced by the offer's fingerprints.
    public init(id: String, offer: WebRTCOffer, answer: EchoAnswer, credentials: ICECredentials, dtls: DTLSConfiguration,
                consentTimeout: Duration = .seconds(30), now: DTLSInstant) throws(EndpointError) {
        self.id = id
        self.offer = offer
        self.answer = answer
        self.createdAt = now
        ice = ICELiteResponder(local: credentials, remoteUfrag: offer.ice.ufrag, consentTimeout: consentTimeout, now: now)
        var config = EndpointConfiguration(role: answer.role, certificate: dtls.certificate, privateKey: dtls.privateKey,
                                           remoteFingerprints: offer.fingerprints)
        config.dtls = dtls
        configuration = config
        if answer.role == .server {
            listener = DTLSCookieListener(configuration: try config.effectiveDTLSConfiguration(), now: now)
        } else {
            _ = try config.effectiveDTLSConfiguration()
        }
        rewriter = SSRCRewriter(forward: answer.ssrcMap)
        var primaries: Set<UInt32> = []
        for m in offer.media where m.kind == "video" {
            let rtx = Set(m.fidGroups.map { $0[1] })
            for id in m.ssrcs where !rtx.contains(id) { if let mine = answer.ssrcMap[id] { primaries.insert(mine) } }
        }
        primaryVideoSSRCs = primaries
    }

    /// When `handleTimeout` must run next: the endpoint's timer or the end
    /// of consent, whichever comes first.
    public var nextDeadline: DTLSInstant? {
        guard !isEnded else { return nil }
        guard let endpointDeadline else { return ice.consentDeadline }
        return min(endpointDeadline, ice.consentDeadline)
    }

    /// Where media and DTLS go: the nominated (or latest validated) address.
    public var remoteAddress: TransportAddress? { ice.selectedAddress ?? lastDTLSSource }

    // MARK: - Input

    public func handleDatagram(_ datagram: [UInt8], from source: TransportAddress, now: DTLSInstant, into out: inout [Output]) {
        guard !isEnded else { return }
        let kind = Demultiplexer.classify(datagram)
        if kind == .stun {
            handleSTUN(datagram, from: source, now: now, into: &out)
            return
        }
        guard ice.isValidated(source) else {
            stats.droppedUnvalidated += 1
            return
        }
        switch kind {
        case .dtls:
            lastDTLSSource = source
            if let endpoint {
                endpoint.handleDatagram(datagram, now: now)
                drain(into: &out)
            } else if var listener {
                let decision = listener.handle(datagram, from: Self.addressBytes(source), now: now)
                self.listener = listener
                switch decision {
                case .reply(let bytes): out.append(.transmit(bytes, to: source))
                case .drop: break
                case .accept(let connection):
                    self.listener = nil
                    do throws(EndpointError) {
                        endpoint = try DTLSSRTPEndpoint(adopting: connection, configuration: configuration)
                    } catch {
                        end(.failed(error), into: &out)
                        return
                    }
                    drain(into: &out)
                }
            }
        case .rtp, .rtcp:
            forward(datagram, isRTP: kind == .rtp, now: now, into: &out)
        default:
            stats.droppedMedia += 1
        }
    }

    public func handleTimeout(now: DTLSInstant, into out: inout [Output]) {
        guard !isEnded else { return }
        if ice.consentExpired(now: now) {
            // RFC 7675: stop sending at once, close_notify included.
            end(.consentExpired, into: &out)
            return
        }
        if let endpoint, let deadline = endpointDeadline, deadline <= now {
            endpoint.handleTimeout(now: now)
            drain(into: &out)
        }
    }

    /// Sends close_notify and ends the session.
    public func close(into out: inout [Output]) {
        guard !isEnded else { return }
        endpoint?.close()
        drain(into: &out)
        end(.closed, into: &out)
    }

    // MARK: - Internals

    private func handleSTUN(_ datagram: [UInt8], from source: TransportAddress, now: DTLSInstant, into out: inout [Output]) {
        switch ice.handle(datagram, from: source, now: now) {
        case .success(let response, let newlyValidated, let nominated):
            out.append(.transmit(response, to: source))
            if newlyValidated { out.append(.event(.iceValidated(source))) }
            if nominated, nominatedReported != source {
                nominatedReported = source
                out.append(.event(.iceNominated(source)))
            }
            if answer.role == .client, endpoint == nil {
                // a=setup:active: the DTLS client starts once a path is known.
                lastDTLSSource = source
                do throws(EndpointError) {
                    let client = try DTLSSRTPEndpoint(configuration: configuration)
                    client.start(now: now)
                    endpoint = client
                } catch {
                    end(.failed(error), into: &out)
                    return
                }
                drain(into: &out)
            }
        case .error(let response, _):
            out.append(.transmit(response, to: source))
        case .ignored:
            break
        }
    }
    private var nominatedReported: TransportAddress?

    private func forward(_ datagram: [UInt8], isRTP: Bool, now: DTLSInstant, into out: inout [Output]) {
        guard let endpoint, let destination = remoteAddress else {
            stats.droppedMedia += 1
            return
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: datagram)
        scratch.append(contentsOf: repeatElement(0, count: DTLSSRTPEndpoint.maximumTrailerLength))
        switch endpoint.handleDatagram(&scratch, length: datagram.count, now: now) {
        case .rtp(let length):
            stats.rtpIn += 1
            guard let ssrc = rewriter.rewriteRTP(&scratch, length: length) else {
                stats.unknownSSRC += 1
                return
            }
            do throws(EndpointError) {
                let n = try endpoint.protectRTP(&scratch, length: length)
                out.append(.transmit(Array(scratch[0..<n]), to: destination))
            } catch {
                stats.protectFailures += 1
                return
            }
            stats.rtpForwarded += 1
            if answer.kinds[ssrc] == "audio" {
                stats.audioPacketsForwarded += 1
            } else {
                stats.videoPacketsForwarded += 1
                if primaryVideoSSRCs.contains(ssrc), scratch[1] & 0x80 != 0 { stats.videoFramesForwarded += 1 }
            }
        case .rtcp(let length):
            stats.rtcpIn += 1
            guard let summary = rewriter.rewriteRTCP(&scratch, length: length) else {
                stats.malformedRTCP += 1
                return
            }
            do throws(EndpointError) {
                let n = try endpoint.protectRTCP(&scratch, length: length)
                out.append(.transmit(Array(scratch[0..<n]), to: destination))
            } catch {
                stats.protectFailures += 1
                return
            }
            stats.rtcpForwarded += 1
            stats.pliForwarded += summary.pli
            stats.firForwarded += summary.fir
            stats.nackForwarded += summary.nack
            stats.rembForwarded += summary.remb
        default:
            stats.droppedMedia += 1
        }
    }

    private func drain(into out: inout [Output]) {
        guard let endpoint else { return }
        while true {
            switch endpoint.pollOutput(into: &scratch) {
            case .transmit:
                if let destination = remoteAddress { out.append(.transmit(scratch, to: destination)) }
            case .connected(let info):
                connectionInfo = info
                out.append(.event(.connected(info)))
            case .stateChanged(.failed):
                out.append(.event(.failed(endpoint.failure ?? .closed)))
                isEnded = true
            case .stateChanged(.closed):
                if !isEnded {
                    out.append(.event(.closed))
                    isEnded = true
                }
            case .stateChanged, .rtp, .rtcp, .stun, .turnChannel, .applicationData:
                continue
            case .timeout(let deadline):
                endpointDeadline = deadline
                return
            }
        }
    }

    private func end(_ event: Event, into out: inout [Output]) {
        guard !isEnded else { return }
        isEnded = true
        endpointDeadline = nil
        out.append(.event(event))
    }

    static func addressBytes(_ address: TransportAddress) -> [UInt8] {
        address.ip + [UInt8(address.port >> 8), UInt8(address.port & 0xff)]
    }
}
