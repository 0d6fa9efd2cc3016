import DTLS
import DTLSCrypto
import DTLSEndpoint
import Foundation
import Testing
@testable import WebRTCLite

/// The offer Chromium 156 (Debian) made in the browser test, captured from
/// the page (`artifacts/chromium-offer.sdp`).
private let chromiumOffer: String = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("chromium-156-offer.sdp")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
}()

private func options(role: DTLSRole = .server) -> AnswerOptions {
    let fingerprint = Fingerprint(algorithm: .sha256, bytes: [UInt8](repeating: 0xAB, count: 32))
    var o = AnswerOptions(credentials: ICECredentials(ufrag: "srvU1234", password: "serverpassword0123456789"),
                          fingerprint: fingerprint, candidate: TransportAddress(host: "127.0.0.1", port: 40000)!, sessionID: 42)
    o.preferredRole = role
    return o
}

private func replacing(_ text: String, _ old: String, _ new: String) -> String {
    text.replacingOccurrences(of: old, with: new)
}

@Suite struct SDPTests {
    @Test func parsesChromiumOffer() throws {
        let offer = try WebRTCOffer(parsing: chromiumOffer)
        #expect(offer.bundle == ["0", "1"])
        #expect(offer.ice == ICECredentials(ufrag: "bTR6", password: "o363qn9TdcZcIdoILZqvkqdW"))
        #expect(offer.fingerprints.map(\.description) == ["sha-256 54:56:96:0A:3C:CE:89:AA:A5:75:0A:B3:93:C1:81:53:20:03:68:6C:55:7F:08:E7:59:C2:27:E1:8D:9D:21:6A"])
        #expect(offer.setup == .actpass)
        #expect(offer.media.map(\.kind) == ["audio", "video"])
        #expect(offer.media[0].ssrcs == [1_079_254_178])
        #expect(offer.media[1].ssrcs == [183_877_292, 4_068_018_284])
        #expect(offer.media[1].fidGroups == [[183_877_292, 4_068_018_284]])
        #expect(offer.media[0].codecs.first?.name == "opus" && offer.media[0].codecs.first?.payloadType == 111)
        let vp8rtx = offer.media[1].codecs.first { $0.payloadType == 97 }
        #expect(vp8rtx?.isRTX == true && vp8rtx?.associatedPayloadType == 96)
    }

    @Test func answersChromiumOffer() throws {
        let offer = try WebRTCOffer(parsing: chromiumOffer)
        let answer = try offer.echoAnswer(options())
        #expect(answer.setup == .passive && answer.role == .server)
        let text = answer.text
        for line in ["a=group:BUNDLE 0 1", "a=ice-lite", "m=audio 40000 UDP/TLS/RTP/SAVPF 111", "m=video 40000 UDP/TLS/RTP/SAVPF 96 97",
                     "a=ice-ufrag:srvU1234", "a=ice-pwd:serverpassword0123456789", "a=setup:passive", "a=rtcp-mux",
                     "a=fingerprint:sha-256 AB:AB:", "a=rtpmap:111 opus/48000/2", "a=fmtp:97 apt=96", "a=mid:0", "a=mid:1",
                     "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host", "a=sendrecv"] {
            #expect(text.contains(line), "answer lacks \(line)")
        }
        #expect(!text.contains("transport-cc"))
        #expect(text.hasSuffix("\r\n") && !text.contains("\n\n"))
        // New SSRCs for every offered one, announced with the FID pairing kept.
        #expect(Set(answer.ssrcMap.keys) == [1_079_254_178, 183_877_292, 4_068_018_284])
        let video = answer.media[1]
        #expect(text.contains("a=ssrc-group:FID \(video.localSSRCs[0]) \(video.localSSRCs[1])"))
        #expect(Set(answer.ssrcMap.values).isDisjoint(with: answer.ssrcMap.keys))
        // The answer parses back, and is itself ICE-lite (so it is refused as an offer).
        let reparsed = try SessionDescription(parsing: text)
        #expect(reparsed.media.count == 2 && reparsed.has("ice-lite"))
        #expect(throws: SDPError.offererIsICELite) { try WebRTCOffer(reparsed) }
    }

    @Test func activeOnRequestAndForcedByOffer() throws {
        let offer = try WebRTCOffer(parsing: chromiumOffer)
        let active = try offer.echoAnswer(options(role: .client))
        #expect(active.setup == .active && active.role == .client && active.text.contains("a=setup:active"))
        let offerActive = try WebRTCOffer(parsing: replacing(chromiumOffer, "a=setup:actpass", "a=setup:active"))
        #expect(try offerActive.echoAnswer(options(role: .client)).setup == .passive)
    }

    @Test func rejectsWhatItCannotHonour() {
        func refusal(_ text: String) -> SDPError? {
            do { _ = try WebRTCOffer(parsing: text); return nil } catch { return error }
        }
        #expect(refusal(replacing(chromiumOffer, "a=group:BUNDLE 0 1", "a=group:LS 0 1")) == .noBundle)
        #expect(refusal(replacing(chromiumOffer, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0")) == .notBundled(mid: "1"))
        #expect(refusal(replacing(chromiumOffer, "a=rtcp-mux\r\n", "")) == .noRTCPMux(mid: "0"))
        #expect(refusal(replacing(chromiumOffer, "a=setup:actpass", "a=setup:holdconn")).map { if case .unusableSetup = $0 { true } else { false } } == true)
        #expect(refusal(replacing(chromiumOffer, "a=fingerprint:sha-256", "a=fingerprint:sha-1")).map { if case .badFingerprint = $0 { true } else { false } } == true)
        #expect(refusal(replacing(chromiumOffer, "a=fingerprint:", "a=x-fingerprint:")) == .missingFingerprint)
        #expect(refusal(replacing(chromiumOffer, "a=ice-pwd:", "a=x-ice-pwd:")) == .missingICECredentials(mid: "0"))
        #expect(refusal(replacing(chromiumOffer, "UDP/TLS/RTP/SAVPF", "RTP/AVP")) == .unsupportedProtocol(mid: "0", proto: "RTP/AVP"))
        #expect(refusal(replacing(chromiumOffer, "a=ssrc:", "a=x-ssrc:")) == .missingSSRC(mid: "0"))
        #expect(refusal(replacing(chromiumOffer, "a=group:BUNDLE", "a=ice-lite\r\na=group:BUNDLE")) == .offererIsICELite)
        #expect(refusal("v=1\r\n") != nil)
        #expect(refusal("v=0\r\ngarbage\r\n") == .malformedLine(2, "garbage"))
        #expect(SDPError.noRTCPMux(mid: "0").description.contains("rtcp-mux"))
    }

    @Test func rejectsDataChannelSectionButAnswersMedia() throws {
        let withData = chromiumOffer.replacingOccurrences(of: "a=group:BUNDLE 0 1", with: "a=group:BUNDLE 0 1 2")
            + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=sctp-port:5000\r\n"
        let offer = try WebRTCOffer(parsing: withData)
        let answer = try offer.echoAnswer(options())
        #expect(answer.media.map(\.accepted) == [true, true, false])
        #expect(answer.text.contains("m=application 0 UDP/DTLS/SCTP webrtc-datachannel"))
        #expect(answer.text.contains("a=group:BUNDLE 0 1\r\n"))
    }
}

@Suite struct SSRCRewriterTests {
    let rewriter = SSRCRewriter(forward: [0x1111_1111: 0xAAAA_AAAA, 0x2222_2222: 0xBBBB_BBBB])

    @Test func rtp() {
        var packet: [UInt8] = [0x80, 96, 0, 1, 0, 0, 0, 1, 0x11, 0x11, 0x11, 0x11, 0xde, 0xad]
        #expect(rewriter.rewriteRTP(&packet, length: packet.count) == 0xAAAA_AAAA)
        #expect(Array(packet[8..<12]) == [0xAA, 0xAA, 0xAA, 0xAA])
        var unknown: [UInt8] = [0x80, 96, 0, 1, 0, 0, 0, 1, 9, 9, 9, 9]
        #expect(rewriter.rewriteRTP(&unknown, length: unknown.count) == nil)
    }

    /// The browser's PLI about the echo stream (media SSRC = announced
    /// SSRC) becomes a PLI about its own outgoing stream.
    @Test func compoundRTCPWithPLIAndREMB() {
        var rtcp: [UInt8] = []
        // RR from 0x00000001 with one report block about 0xAAAAAAAA.
        rtcp += [0x81, 201, 0, 7, 0, 0, 0, 1, 0xAA, 0xAA, 0xAA, 0xAA] + [UInt8](repeating: 0, count: 20)
        // PLI: sender 0x00000001, media 0xBBBBBBBB.
        rtcp += [0x81, 206, 0, 2, 0, 0, 0, 1, 0xBB, 0xBB, 0xBB, 0xBB]
        // REMB: sender 1, media 0, 'REMB', 1 SSRC, bitrate, SSRC 0xBBBBBBBB.
        rtcp += [0x8F, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0] + Array("REMB".utf8) + [1, 0x04, 0x00, 0x00, 0xBB, 0xBB, 0xBB, 0xBB]
        // SDES for 0x11111111 with a CNAME "ab".
        rtcp += [0x81, 202, 0, 3, 0x11, 0x11, 0x11, 0x11, 1, 2, 0x61, 0x62, 0, 0, 0, 0]
        let summary = rewriter.rewriteRTCP(&rtcp, length: rtcp.count)
        #expect(summary?.pli == 1 && summary?.remb == 1 && summary?.receiverReports == 1)
        #expect(Array(rtcp[8..<12]) == [0x11, 0x11, 0x11, 0x11])
        #expect(Array(rtcp[40..<44]) == [0x22, 0x22, 0x22, 0x22])
        #expect(Array(rtcp[64..<68]) == [0x22, 0x22, 0x22, 0x22])
        #expect(Array(rtcp[72..<76]) == [0xAA, 0xAA, 0xAA, 0xAA])
        var truncated = Array(rtcp.dropLast(4))
        #expect(rewriter.rewriteRTCP(&truncated, length: truncated.count) == nil)
    }
}
