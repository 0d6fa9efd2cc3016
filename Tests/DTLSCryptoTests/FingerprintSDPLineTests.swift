import DTLSCrypto
import Testing

/// `Fingerprint(sdpLine:)`: the `a=fingerprint:` attribute as SDP offers
/// carry it (RFC 8122 5), so an application can hand over the line itself.
@Suite struct FingerprintSDPLineTests {
    static let value = "sha-256 " + (0..<32).map { _ in "C3" }.joined(separator: ":")

    @Test(arguments: ["a=fingerprint:" + value, "fingerprint:" + value, "a=fingerprint:" + value + "\r\n",
                      "a=FINGERPRINT:" + value + " ", "a=fingerprint:" + value.uppercased()])
    func anAttributeLineParsesToItsFingerprint(line: String) throws {
        let fingerprint = try Fingerprint(sdpLine: line)
        #expect(fingerprint.algorithm == .sha256)
        #expect(fingerprint.bytes == [UInt8](repeating: 0xC3, count: 32))
    }

    @Test func theLineRoundTrips() throws {
        let certificate = try Certificate.selfSigned(privateKey: PrivateKey.generateECDSA(.p256), commonName: "line")
        let fingerprint = Fingerprint(certificate: certificate, algorithm: .sha384)
        #expect(fingerprint.sdpLine.hasPrefix("a=fingerprint:sha-384 "))
        #expect(try Fingerprint(sdpLine: fingerprint.sdpLine) == fingerprint)
        #expect(try Fingerprint(sdpLine: fingerprint.sdpLine).matches(certificate.derEncoded))
    }

    @Test(arguments: ["a=setup:actpass", "a=fingerprint:", "a=fingerprint:sha-256", "a=fingerprint: " + value,
                      "a=fingerprint:md5 " + (0..<16).map { _ in "AB" }.joined(separator: ":"), "", "a="])
    func otherAttributesAndMalformedValuesThrow(line: String) {
        #expect(throws: CryptoError.self) { try Fingerprint(sdpLine: line) }
    }
}
