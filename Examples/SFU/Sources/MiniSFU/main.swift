// An SFU in twenty lines: each peer's media to every other peer. `make test`
// builds it and the README quotes it; Examples/SFU/Sources/SFU is the full one.
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import NIOConcurrencyHelpers
import NIOCore

let identity = try DTLSIdentity.generate()  // ECDSA P-256, 30 days, as a browser makes it
var configuration = EndpointConfiguration(role: .server, identity: identity, remoteFingerprints: [])
configuration.acceptsAnyCertificate = true  // a real SFU passes each offer's a=fingerprint instead
let port = CommandLine.arguments.last.flatMap(Int.init) ?? 4433
let server = try await DTLSSRTPAsyncServer.bind(host: "127.0.0.1", port: port, configuration: configuration)
print("listening on \(server.localAddress), \(identity.fingerprint().sdpLine)")
let writers = NIOLockedValueBox<[SocketAddress: DTLSSRTPPeerWriter]>([:])
try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await server.run() }  // until cancelled: close_notify to every peer
    for await peer in server.peers {  // each one verified, with its fingerprint in peer.info
        writers.withLockedValue { $0[peer.address] = peer.outbound }
        group.addTask {
            for await media in peer.inbound {
                for (address, writer) in writers.withLockedValue({ $0 }) where address != peer.address { writer.send(media) }
            }
            writers.withLockedValue { $0[peer.address] = nil }  // the peer is gone
        }
    }
}
