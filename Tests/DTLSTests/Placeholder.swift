import Testing

@Test func DTLSTestsBuilds() {}
