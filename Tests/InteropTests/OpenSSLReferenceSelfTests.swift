import Testing
import OpenSSLReference

@Test func selfSignedPeersConnect() throws {
    let client = try OpenSSLDTLSPeer(.init(role: .client))
    let server = try OpenSSLDTLSPeer(.init(role: .server, cookieExchange: true))
    try DatagramPump.run(client, server)
    #expect(client.isConnected && server.isConnected)
}
