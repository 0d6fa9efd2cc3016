import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

// A forwarding SFU: every verified peer's RTP and RTCP go to every other
// peer (not back to the sender), re-encrypted under each receiver's keys.
//
//     swift run SFU [--port 4444] [--seconds N]
//
// Peers are accepted whatever their certificate (a real SFU takes each
// peer's fingerprint from its signalling: `EndpointConfiguration.remoteFingerprints`
// or `Fingerprint(sdpLine:)`), and the SFU's own fingerprint is printed for
// them. SIGINT or SIGTERM (or --seconds) shuts down gracefully: every peer
// gets close_notify.

var port = 4444
var seconds: Double?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--port": port = Int(arguments.popFirst() ?? "") ?? port
    case "--seconds": seconds = Double(arguments.popFirst() ?? "")
    default:
        print("usage: SFU [--port N] [--seconds S]")
        exit(2)
    }
}

LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
let logger = Logger(label: "sfu")

let identity = try DTLSIdentity.generate(commonName: "sfu-example")  // ECDSA P-256, 30 days, as browsers make it
var configuration = EndpointConfiguration(role: .server, identity: identity, remoteFingerprints: [])
configuration.acceptsAnyCertificate = true

let server = try await DTLSSRTPAsyncServer.bind(host: "127.0.0.1", port: port, configuration: configuration, logger: logger)
print("sfu: listening on 127.0.0.1:\(server.localAddress.port ?? port)")
print("sfu: \(identity.fingerprint().sdpLine)")

let room = Room()
let services = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))

try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await services.run() }
    if let seconds {
        group.addTask {
            // Cancelled when the server stops first (a signal).
            guard (try? await Task.sleep(for: .seconds(seconds))) != nil else { return }
            await services.triggerGracefulShutdown()
        }
    }
    for await peer in server.peers {
        group.addTask {
            var members = await room.join(peer)
            var received = 0, sent = 0
            for await media in peer.inbound {
                // Refresh the snapshot now and then, not per packet.
                if received % 64 == 0 { members = await room.members }
                for (address, writer) in members where address != peer.address {
                    writer.send(media)
                    sent += 1
                }
                received += 1
            }
            await room.count(received: received, sent: sent)
            await room.leave(peer.address)
        }
    }
    // The server has stopped: end the timer too.
    group.cancelAll()
}
print("sfu: \(await room.joined) peers, \(await room.received) packets received, \(await room.sent) forwarded")
