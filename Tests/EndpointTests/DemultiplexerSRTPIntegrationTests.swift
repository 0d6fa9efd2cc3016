import DTLS
import Testing
import DTLSEndpoint
import SRTP

/// SRTP/SRTCP keep the first two header bytes in clear, so protected
/// packets are classified like the plain ones.
@Suite struct DemultiplexerSRTPIntegrationTests {
    @Test(arguments: SRTPProtectionProfile.supported)
    func protectedPacketsAreClassifiedAsRTPAndRTCP(profile: SRTPProtectionProfile) throws {
        let material = (0..<profile.keyingMaterialLength).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let transport = try SRTPTransport(profile: profile, exportedKeyingMaterial: material, isClient: true)

        let rtp: [UInt8] = [0x80, 0xEF, 0x00, 0x01, 0, 0, 0, 1, 0xCA, 0xFE, 0xBA, 0xBE] + Array(repeating: 1, count: 20)
        var rtpBuffer = rtp + Array(repeating: 0, count: SRTPSession.maximumTrailerLength)
        let rtpLength = try transport.protectRTP(&rtpBuffer, length: rtp.count)
        #expect(Demultiplexer.classify(rtpBuffer[..<rtpLength]) == .rtp)

        let rtcp: [UInt8] = [0x80, 201, 0x00, 0x01, 0xCA, 0xFE, 0xBA, 0xBE]
        var rtcpBuffer = rtcp + Array(repeating: 0, count: SRTPSession.maximumTrailerLength)
        let rtcpLength = try transport.protectRTCP(&rtcpBuffer, length: rtcp.count)
        #expect(Demultiplexer.classify(rtcpBuffer[..<rtcpLength]) == .rtcp)
    }
}
