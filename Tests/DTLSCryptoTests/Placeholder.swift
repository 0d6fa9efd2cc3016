import Testing

@Test func DTLSCryptoTestsBuilds() {}
