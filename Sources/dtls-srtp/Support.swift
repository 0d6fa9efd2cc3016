import DTLS
import DTLSCrypto
import DTLSNIO
import Foundation
import NIOCore
import SRTP

/// A failure the command reports as one line on standard error.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func eprint(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0f)]) }
    return String(decoding: out, as: UTF8.self)
}

/// Parses `HOST:PORT`, `[V6]:PORT`. Names are resolved (localhost works).
func parseAddress(_ text: String) throws(CLIError) -> (host: String, port: Int) {
    var host: Substring
    var portText: Substring
    if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
        host = text[text.index(after: text.startIndex)..<close]
        let rest = text[text.index(after: close)...]
        guard rest.hasPrefix(":") else { throw CLIError("bad address '\(text)': expected [HOST]:PORT") }
        portText = rest.dropFirst()
    } else {
        guard let colon = text.lastIndex(of: ":") else { throw CLIError("bad address '\(text)': expected HOST:PORT") }
        host = text[..<colon]
        portText = text[text.index(after: colon)...]
    }
    guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else {
        throw CLIError("bad address '\(text)': expected HOST:PORT with a port in 0...65535")
    }
    return (String(host), port)
}

func resolve(_ text: String) throws(CLIError) -> SocketAddress {
    let (host, port) = try parseAddress(text)
    do {
        return try SocketAddress.makeAddressResolvingHost(host, port: port)
    } catch {
        throw CLIError("bad address '\(text)': cannot resolve host '\(host)'")
    }
}

typealias Identity = DTLSIdentity

/// Loads `--cert/--key` (which must match), or generates a self-signed
/// ECDSA P-256 identity (RSA-2048 with `rsa`).
func loadIdentity(cert: String?, key: String?, rsa: Bool = false) throws(CLIError) -> (Identity, generated: Bool) {
    switch (cert, key) {
    case (nil, nil):
        do {
            return (try DTLSIdentity.generate(rsa ? .rsa2048 : .ecdsaP256), true)
        } catch {
            throw CLIError("cannot generate a certificate: \(error)")
        }
    case (let c?, let k?):
        do {
            return (try DTLSIdentity(certificatePEMFile: c, privateKeyPEMFile: k), false)
        } catch .file(let reason) {
            throw CLIError("cannot read certificate or key: \(reason)")
        } catch {
            throw CLIError("cannot load certificate '\(c)' with key '\(k)': \(error)")
        }
    default:
        throw CLIError("--cert and --key go together")
    }
}

func parseSuites(_ list: String?) throws(CLIError) -> [CipherSuite]? {
    guard let list else { return nil }
    var out: [CipherSuite] = []
    for name in list.split(whereSeparator: { $0 == "," || $0 == ":" }) {
        guard let suite = CipherSuite(name: String(name).trimmingCharacters(in: .whitespaces)) else {
            throw CLIError("unknown cipher suite '\(name)' (known: \(CipherSuite.supported.map(\.ianaName).joined(separator: ", ")))")
        }
        out.append(suite)
    }
    guard !out.isEmpty else { throw CLIError("empty cipher suite list") }
    return out
}

func parseProfiles(_ list: String?) throws(CLIError) -> [SRTPProtectionProfile]? {
    guard let list else { return nil }
    var out: [SRTPProtectionProfile] = []
    for name in list.split(whereSeparator: { $0 == "," || $0 == ":" }) {
        guard let profile = SRTPProtectionProfile(name: String(name).trimmingCharacters(in: .whitespaces)) else {
            throw CLIError("unknown SRTP profile '\(name)' (known: \(SRTPProtectionProfile.supported.map(\.rfcName).joined(separator: ", ")))")
        }
        out.append(profile)
    }
    guard !out.isEmpty else { throw CLIError("empty SRTP profile list") }
    return out
}

func parseFingerprints(_ texts: [String]) throws(CLIError) -> [Fingerprint] {
    var out: [Fingerprint] = []
    for text in texts {
        guard let fp = Fingerprint(text) else {
            throw CLIError("bad fingerprint '\(text)': expected \"sha-256 AB:CD:...\"")
        }
        out.append(fp)
    }
    return out
}

/// A DTLS 1.2 suite names the server's key, not the client's (the client's
/// certificate type is agreed through CertificateRequest), so only a server
/// refuses suites its own key cannot authenticate; a client offers any list.
func makeConfiguration(identity: Identity, role: DTLSConnection.Role, suites: [CipherSuite]?,
                       profiles: [SRTPProtectionProfile]?, peerFingerprints: [Fingerprint],
                       requireClientCertificate: Bool = true) throws(CLIError) -> DTLSConfiguration {
    var config = DTLSConfiguration(certificate: identity.certificate, privateKey: identity.privateKey,
                                   peerVerification: peerFingerprints.isEmpty ? .acceptAny : .fingerprints(peerFingerprints))
    if let suites {
        let usable = role == .client ? suites : suites.filter { CipherSuite.suites(for: identity.privateKey.keyType).contains($0) }
        guard !usable.isEmpty else {
            throw CLIError("none of the cipher suites \(suites.map(\.ianaName).joined(separator: ",")) fits this certificate's key")
        }
        config.cipherSuites = usable
    }
    if let profiles { config.srtpProfiles = profiles }
    config.requireClientCertificate = requireClientCertificate
    return config
}

/// `--dtls-versions`: "1.3,1.2", "1.2,1.3", "1.3" or "1.2".
func parseVersions(_ list: String) throws(CLIError) -> [ProtocolVersion] {
    var out: [ProtocolVersion] = []
    for name in list.split(separator: ",") {
        switch name.trimmingCharacters(in: .whitespaces) {
        case "1.3": out.append(.dtls13)
        case "1.2": out.append(.dtls12)
        default: throw CLIError("--dtls-versions takes 1.3 and 1.2, comma separated (got \(name))")
        }
    }
    guard !out.isEmpty, Set(out).count == out.count else { throw CLIError("--dtls-versions needs 1.3, 1.2 or both, once each") }
    return out
}

/// `--groups`: names (as the `group:` line prints them, any case) or hex code points.
func parseGroups(_ list: String) throws(CLIError) -> [NamedGroup] {
    let known: [NamedGroup] = [.x25519MLKEM768, .secp256r1MLKEM768, .x25519, .secp256r1, .secp384r1, .ffdhe2048, .ffdhe3072, .ffdhe4096]
    var out: [NamedGroup] = []
    for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
        let lower = name.lowercased()
        if let group = known.first(where: { $0.description.lowercased() == lower }) {
            out.append(group)
        } else if ["secp256r1", "prime256v1"].contains(lower) {
            out.append(.secp256r1)
        } else if lower == "secp384r1" {
            out.append(.secp384r1)
        } else if let value = UInt16(lower.hasPrefix("0x") ? String(lower.dropFirst(2)) : lower, radix: 16), known.contains(NamedGroup(rawValue: value)) {
            out.append(NamedGroup(rawValue: value))
        } else {
            throw CLIError("unknown group '\(name)' (known: \(known.map(\.description).joined(separator: ", ")))")
        }
    }
    guard !out.isEmpty else { throw CLIError("--groups needs at least one group") }
    return out
}

func fingerprintOf(der: [UInt8]) -> String {
    Fingerprint(algorithm: .sha256, bytes: Digest.hash(.sha256, der.span)).description
}

/// Appends NSS key log lines; the file is opened per line (rare event).
struct KeyLog: Sendable {
    let path: String
    func append(_ line: String) {
        let data = Data((line + "\n").utf8)
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            eprint("warning: cannot open key log '\(path)'")
            return
        }
        handle.seekToEndOfFile()
        handle.write(data)
        handle.closeFile()
    }
}

func describe(_ error: DTLSError) -> String {
    var s = "handshake failed: \(error.code.rawValue)"
    if let alert = error.alert { s += ", alert \(alert)" }
    if !error.detail.isEmpty { s += ": \(error.detail)" }
    return s
}

// MARK: - RTP/RTCP test packets

enum MediaPackets {
    static let ssrc: UInt32 = 0x5EED_CAFE

    static func rtp(sequence: UInt16, payloadSize: Int = 160) -> [UInt8] { rtp(sequence: sequence, ssrc: ssrc, payloadSize: payloadSize) }

    /// A packet of sender `ssrc` whose payload follows from its sequence
    /// number, so a receiver can check it arrived intact.
    static func rtp(sequence: UInt16, ssrc: UInt32, payloadSize: Int = 160) -> [UInt8] {
        let ts = UInt32(sequence) &* 960
        var p: [UInt8] = [0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        p += [UInt8(ts >> 24), UInt8((ts >> 16) & 0xff), UInt8((ts >> 8) & 0xff), UInt8(ts & 0xff)]
        p += [UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xff), UInt8((ssrc >> 8) & 0xff), UInt8(ssrc & 0xff)]
        for j in 0..<payloadSize { p.append(UInt8(truncatingIfNeeded: Int(sequence) &* 31 &+ j)) }
        return p
    }

    /// A sender report (28 bytes) carrying `index` in its packet count.
    static func rtcp(index: UInt32) -> [UInt8] {
        var p: [UInt8] = [0x80, 200, 0, 6]
        p += [UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xff), UInt8((ssrc >> 8) & 0xff), UInt8(ssrc & 0xff)]
        p += [UInt8](repeating: 0xAB, count: 12)  // NTP + RTP timestamp
        p += [UInt8(index >> 24), UInt8((index >> 16) & 0xff), UInt8((index >> 8) & 0xff), UInt8(index & 0xff)]
        p += [0, 0, 0x10, 0]
        return p
    }

    static func ssrc(of rtp: [UInt8]) -> UInt32? {
        rtp.count >= 12 ? rtp[8..<12].reduce(0) { $0 << 8 | UInt32($1) } : nil
    }

    static func sequence(of rtp: [UInt8]) -> UInt16? {
        rtp.count >= 12 ? UInt16(rtp[2]) << 8 | UInt16(rtp[3]) : nil
    }

    static func rtcpIndex(of rtcp: [UInt8]) -> UInt32? {
        rtcp.count >= 24 ? rtcp[20..<24].reduce(0) { $0 << 8 | UInt32($1) } : nil
    }
}

/// `127.0.0.1:4433` / `[::1]:4433` rather than NIO's `[IPv4]host/ip:port`.
func display(_ address: SocketAddress) -> String {
    guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
    return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
}
