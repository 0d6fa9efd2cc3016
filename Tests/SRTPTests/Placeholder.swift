import Testing

@Test func SRTPTestsBuilds() {}
