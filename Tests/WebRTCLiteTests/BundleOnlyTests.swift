import DTLSCrypto
import DTLSEndpoint
import Foundation
import Testing
@testable import WebRTCLite

/// The offer Firefox ESR 153 (Debian `firefox-esr`) made in the browser test
/// with `bundlePolicy: "max-bundle"`: its video section has port 0 and
/// `a=bundle-only` inside `a=group:BUNDLE 0 1`.
private let firefoxOffer: String = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("firefox-esr-153-offer.sdp")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
}()

private let options = AnswerOptions(
    credentials: ICECredentials(ufrag: "srvU1234", password: "serverpassword0123456789"),
    fingerprint: Fingerprint(algorithm: .sha256, bytes: [UInt8](repeating: 0xAB, count: 32)),
    candidate: TransportAddress(host: "127.0.0.1", port: 40000)!, sessionID: 42)

/// RFC 8843 (7.3) and RFC 9429 (JSEP): port 0 with `a=bundle-only` asks
/// for the section to be bundled; port 0 without it, or outside every
/// BUNDLE group, is still a rejection (RFC 3264 6).
@Suite struct BundleOnlyTests {
    @Test func firefoxMaxBundleOfferHasABundleOnlyVideoSection() throws {
        #expect(firefoxOffer.contains("m=video 0 UDP/TLS/RTP/SAVPF"), "fixture missing or changed")
        #expect(firefoxOffer.contains("a=bundle-only"))
        let offer = try WebRTCOffer(parsing: firefoxOffer)
        #expect(offer.bundle == ["0", "1"])
        #expect(offer.media.map(\.kind) == ["audio", "video"])
        #expect(offer.media.map(\.isAnswerable) == [true, true])
        #expect(offer.media[1].port == 0)
        #expect(offer.media[1].ssrcs == [3_733_263_316, 2_401_984_093])
        #expect(offer.media[1].fidGroups == [[3_733_263_316, 2_401_984_093]])
        #expect(offer.fingerprints.count == 1 && offer.setup == .actpass)
    }

    @Test func bundleOnlyVideoIsAnsweredInTheGroupOnTheBundleTransport() throws {
        let answer = try WebRTCOffer(parsing: firefoxOffer).echoAnswer(options)
        #expect(answer.media.map(\.accepted) == [true, true])
        let text = answer.text
        #expect(text.contains("a=group:BUNDLE 0 1\r\n"))
        #expect(text.contains("m=audio 40000 UDP/TLS/RTP/SAVPF 109"))
        #expect(text.contains("m=video 40000 UDP/TLS/RTP/SAVPF 120 124"), "VP8 and its RTX on the bundle port")
        #expect(!text.contains("a=bundle-only"), "an answer never carries bundle-only")
        let video = answer.media[1]
        #expect(video.remoteSSRCs == [3_733_263_316, 2_401_984_093])
        #expect(text.contains("a=ssrc-group:FID \(video.localSSRCs[0]) \(video.localSSRCs[1])"))
    }

    @Test func portZeroWithoutBundleOnlyIsStillARejection() throws {
        let offer = try WebRTCOffer(parsing: firefoxOffer.replacingOccurrences(of: "a=bundle-only\r\n", with: ""))
        #expect(offer.media.map(\.isAnswerable) == [true, false])
        let answer = try offer.echoAnswer(options)
        #expect(answer.media.map(\.accepted) == [true, false])
        #expect(answer.text.contains("m=video 0 "))
        #expect(answer.text.contains("a=group:BUNDLE 0\r\n"))
    }

    @Test func bundleOnlyOutsideTheGroupIsARejection() throws {
        let offer = try WebRTCOffer(parsing: firefoxOffer.replacingOccurrences(of: "a=group:BUNDLE 0 1", with: "a=group:BUNDLE 0"))
        #expect(offer.media.map(\.isAnswerable) == [true, false])
        #expect(try offer.echoAnswer(options).media.map(\.accepted) == [true, false])
    }
}
