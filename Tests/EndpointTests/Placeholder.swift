import Testing

@Test func EndpointTestsBuilds() {}
