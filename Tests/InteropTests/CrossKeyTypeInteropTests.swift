import DTLS
import DTLSCrypto
import DTLSTestSupport
import OpenSSLReference
import Testing

/// In DTLS 1.2 a cipher suite names the server's key; the client's
/// certificate type is agreed through CertificateRequest. So a client with
/// an ECDSA certificate must reach an RSA server, and the reverse, with its
/// default configuration (no suite list chosen by hand).
@Suite struct CrossKeyTypeInteropTests {
    static let rsaSuites = CipherSuite.supported.filter { $0.authentication == .rsa }
    static let ecdsaSuites = CipherSuite.supported.filter { $0.authentication == .ecdsa }

    static func libsslServer(identity: TestIdentity.Identity, suite: CipherSuite) throws -> OpenSSLDTLSPeer {
        let (cert, key) = Interop.pem(identity)
        return try OpenSSLDTLSPeer(OpenSSLDTLSPeer.Configuration(
            role: .server, certificatePEM: cert, privateKeyPEM: key, cipherList: suite.openSSLName,
            cookieExchange: true, requireClientCertificate: true))
    }

    @Test func defaultConfigurationOffersEverySuiteWhateverTheKey() {
        for identity in [TestIdentity.ecdsaP256, TestIdentity.rsa2048] {
            let config = TestIdentity.configuration(identity, peer: nil)
            #expect(config.cipherSuites == CipherSuite.supported)
        }
    }

    @Test(arguments: rsaSuites)
    func ecdsaClientCompletesWithRSAServer(suite: CipherSuite) throws {
        let theirs = try Self.libsslServer(identity: TestIdentity.rsa2048, suite: suite)
        let ours = EnginePeer(DTLSConnection(clientWith: Interop.ours(TestIdentity.ecdsaP256, pinning: theirs), now: .now),
                              name: "client", now: .now)
        try OpenSSLInteropTests.exercise(ours: ours, theirs: theirs, suite: suite,
                                         ourCertificate: TestIdentity.ecdsaP256.certificate.derEncoded)
    }

    @Test(arguments: ecdsaSuites)
    func rsaClientCompletesWithECDSAServer(suite: CipherSuite) throws {
        let theirs = try Self.libsslServer(identity: TestIdentity.ecdsaP256Other, suite: suite)
        let ours = EnginePeer(DTLSConnection(clientWith: Interop.ours(TestIdentity.rsa2048, pinning: theirs), now: .now),
                              name: "client", now: .now)
        try OpenSSLInteropTests.exercise(ours: ours, theirs: theirs, suite: suite,
                                         ourCertificate: TestIdentity.rsa2048.certificate.derEncoded)
    }

    /// The server side of the same rule: our RSA server with a default
    /// configuration picks an RSA suite for an ECDSA-certificate libssl
    /// client, and our ECDSA server an ECDSA suite for an RSA client.
    @Test(arguments: [(TestIdentity.rsa2048, TestIdentity.ecdsaP256Other), (TestIdentity.ecdsaP256, TestIdentity.rsa3072)])
    func ourServerServesAClientWithTheOtherKeyType(server: TestIdentity.Identity, client: TestIdentity.Identity) throws {
        let (cert, key) = Interop.pem(client)
        let theirs = try OpenSSLDTLSPeer(OpenSSLDTLSPeer.Configuration(role: .client, certificatePEM: cert, privateKeyPEM: key))
        let ours = EnginePeer(DTLSConnection(serverWith: Interop.ours(server, pinning: theirs), now: .now), name: "server", now: .now)
        try DatagramPump.run(theirs, ours, maxSteps: 40)
        let info = try #require(ours.driver.connectedInfo)
        let expected: CipherSuite.Authentication = server.certificate.derEncoded == TestIdentity.rsa2048.certificate.derEncoded ? .rsa : .ecdsa
        #expect(info.cipherSuite.authentication == expected)
        #expect(theirs.peerCertificateDER == server.certificate.derEncoded)
        #expect(ours.driver.peerCertificate == client.certificate.derEncoded)
    }
}
