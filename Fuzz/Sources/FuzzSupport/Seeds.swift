@testable import DTLS
import DTLSCrypto
import Foundation

/// Seed corpora, written by each target when run with `FUZZ_WRITE_SEEDS=<dir>`
/// (see `scripts/fuzz.sh seeds`). Seeds come from real in-memory handshakes
/// and from the recorded messages in `Tests/Fixtures/vectors-raw/`.
public enum Seeds {
    /// Writes `seeds` into `directory` as `<prefix>-NNN` files.
    public static func write(_ seeds: [[UInt8]], to directory: String, prefix: String = "seed") {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (i, seed) in seeds.enumerated() {
            let name = "\(directory)/\(prefix)-\(String(format: "%03d", i))"
            FileManager.default.createFile(atPath: name, contents: Data(seed))
        }
    }

    /// One datagram of a captured handshake.
    public struct Datagram {
        public var toServer: Bool
        public var bytes: [UInt8]
    }

    /// Every datagram of a complete handshake between our client and server on a perfect network.
    public static func handshake(suite: CipherSuite = .ecdheEcdsaWithAes128GcmSha256, cookie: Bool = true,
                                 mtu: Int = 1200) -> [Datagram] {
        let serverIdentity = suite.authentication == .rsa ? FuzzIdentity.rsaServer : FuzzIdentity.server
        var c = FuzzIdentity.configuration(FuzzIdentity.client, peer: serverIdentity)
        var s = FuzzIdentity.configuration(serverIdentity, peer: FuzzIdentity.client)
        c.cipherSuites = [suite]
        c.mtu = mtu
        s.mtu = mtu
        s.cookieExchange = cookie
        let client = FuzzPeer(DTLSConnection(clientWith: c, now: fuzzStart), mtu: mtu)
        let server = FuzzPeer(DTLSConnection(serverWith: s, now: fuzzStart), mtu: mtu)
        var log: [Datagram] = []
        for _ in 0..<16 {
            let toServer = client.drain()
            for d in toServer {
                log.append(Datagram(toServer: true, bytes: d))
                server.connection.handlePacket(d, now: fuzzStart)
            }
            let toClient = server.drain()
            for d in toClient {
                log.append(Datagram(toServer: false, bytes: d))
                client.connection.handlePacket(d, now: fuzzStart)
            }
            if toServer.isEmpty && toClient.isEmpty { break }
        }
        precondition(client.isConnected && server.isConnected, "seed handshake did not complete")
        return log
    }

    /// Unfragmented plaintext handshake messages (type, body) in the epoch-0 records of datagrams.
    public static func messages(in datagrams: [[UInt8]]) -> [(type: HandshakeType, body: [UInt8])] {
        var out: [(HandshakeType, [UInt8])] = []
        var partial: [UInt16: (HandshakeType, [UInt8])] = [:]
        for d in datagrams {
            var views: [RecordView] = []
            RecordView.split(d, into: &views)
            for r in views where r.header.epoch == 0 && r.header.contentType == .handshake {
                guard let fragments = try? HandshakeFragmentView.split(d, range: r.fragment) else { continue }
                for f in fragments {
                    let seq = f.header.messageSequence
                    var p = partial[seq] ?? (f.header.type, [UInt8](repeating: 0, count: Int(f.header.length)))
                    for i in 0..<f.body.count { p.1[Int(f.header.fragmentOffset) + i] = d[f.body.lowerBound + i] }
                    partial[seq] = p
                    if f.header.fragmentOffset + f.header.fragmentLength == f.header.length {
                        out.append(p)
                        partial[seq] = nil
                    }
                }
            }
        }
        return out
    }

    /// The records of `dtls12_handshake_records.json` (hex), by name.
    public static func vectorRecords() -> [(name: String, bytes: [UInt8])] {
        guard let root = vectorFile("dtls12_handshake_records.json"),
              let records = root["records"] as? [String: Any] else { return [] }
        var out: [(String, [UInt8])] = []
        for name in records.keys.sorted() {
            if let r = records[name] as? [String: Any], let hex = r["record_hex"] as? String, let bytes = fromHex(hex) {
                out.append((name, bytes))
            }
        }
        return out
    }

    /// The pion ClientHello body vector.
    public static func pionClientHelloBody() -> [UInt8]? {
        guard let root = vectorFile("dtls12_handshake_records.json"),
              let pion = root["pion_dtls_client_hello_body"] as? [String: Any],
              let hex = pion["client_hello_body"] as? String else { return nil }
        return fromHex(hex)
    }

    /// Sample datagram prefixes from `demux_rfc7983_rfc5761.json`.
    public static func demuxSamples() -> [[UInt8]] {
        guard let root = vectorFile("demux_rfc7983_rfc5761.json"), let table = root["table"] as? [[String: Any]] else { return [] }
        return table.compactMap { row in
            guard let first = row["first_byte"] as? Int else { return nil }
            guard let second = row["second_byte"] as? Int else { return [UInt8(truncatingIfNeeded: first)] }
            return [UInt8(truncatingIfNeeded: first), UInt8(truncatingIfNeeded: second)]
        }
    }

    static func vectorFile(_ name: String) -> [String: Any]? {
        // The package sits at <repo>/Fuzz; the vectors at <repo>/Tests/Fixtures/vectors-raw.
        let here = URL(fileURLWithPath: #filePath)
        let repo = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = repo.appendingPathComponent("Tests/Fixtures/vectors-raw/\(name)").standardizedFileURL
        guard let data = try? Data(contentsOf: url) else {
            print("note: \(url.path) not found; seeds from real handshakes only")
            return nil
        }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    public static func fromHex(_ s: String) -> [UInt8]? {
        let chars = Array(s.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}
