import Testing

@Test func InteropTestsBuilds() {}
