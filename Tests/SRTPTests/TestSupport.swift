import DTLS
import Foundation
import Testing

/// Raw test vectors live in `Tests/Fixtures/vectors-raw` (their sources are in its README).
enum Vectors {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/SRTPTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Tests/Fixtures/vectors-raw")
        .standardizedFileURL

    /// Loads a vector file; a missing or unreadable file fails the test.
    static func load(_ name: String) throws -> [String: Any] {
        let url = directory.appendingPathComponent(name)
        let data = try Data(contentsOf: url)
        let object = try JSONSerialization.jsonObject(with: data)
        return try #require(object as? [String: Any], "\(name) is not a JSON object")
    }
}

extension Dictionary where Key == String, Value == Any {
    func object(_ key: String) throws -> [String: Any] {
        try #require(self[key] as? [String: Any], "missing object \(key)")
    }
    func string(_ key: String) throws -> String {
        try #require(self[key] as? String, "missing string \(key)")
    }
    func hex(_ key: String) throws -> [UInt8] {
        try #require([UInt8](hex: string(key)), "bad hex in \(key)")
    }
    func array(_ key: String) throws -> [[String: Any]] {
        try #require(self[key] as? [[String: Any]], "missing array \(key)")
    }
}

extension [UInt8] {
    init?(hex: String) {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = Self.nibble(chars[i]), let lo = Self.nibble(chars[i + 1]) else {
                return nil
            }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        self = bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

/// Builds RTP / RTCP packets and deterministic keying material.
enum Packets {
    static func rtp(ssrc: UInt32, sequence: UInt16, timestamp: UInt32 = 0x1234_5678,
                    payloadType: UInt8 = 111, payload: [UInt8]) -> [UInt8] {
        var p: [UInt8] = [0x80, payloadType & 0x7F]
        p += withUnsafeBytes(of: sequence.bigEndian, Array.init)
        p += withUnsafeBytes(of: timestamp.bigEndian, Array.init)
        p += withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        return p + payload
    }

    /// A receiver report with no report blocks followed by `extra` bytes of
    /// a second (APP-like) packet body, so length stays a multiple of 4.
    static func rtcpReceiverReport(ssrc: UInt32, extraWords: Int = 4) -> [UInt8] {
        var p: [UInt8] = [0x80, 201, 0x00, 0x01]
        p += withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        // APP packet: V=2, subtype 0, PT 204, length = 2 + extraWords
        p += [0x80, 204, 0x00, UInt8(2 + extraWords)]
        p += withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        p += Array("TEST".utf8)
        p += (0..<(extraWords * 4)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        return p
    }

    static func keyingMaterial(length: Int, seed: UInt8 = 1) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    /// `packet` followed by `room` spare bytes.
    static func withRoom(_ packet: [UInt8], _ room: Int = 32) -> [UInt8] {
        packet + [UInt8](repeating: 0, count: room)
    }
}

import SRTP

/// A client and a server transport built from the same exporter output.
struct Peers {
    let client: SRTPTransport
    let server: SRTPTransport

    init(_ profile: SRTPProtectionProfile, replayWindowSize: Int = SRTPSession.defaultReplayWindowSize,
         allowRepeatTransmission: Bool = false) throws {
        let material = Packets.keyingMaterial(length: profile.keyingMaterialLength)
        client = try SRTPTransport(
            profile: profile, exportedKeyingMaterial: material, isClient: true,
            replayWindowSize: replayWindowSize, allowRepeatTransmission: allowRepeatTransmission)
        server = try SRTPTransport(
            profile: profile, exportedKeyingMaterial: material, isClient: false,
            replayWindowSize: replayWindowSize, allowRepeatTransmission: allowRepeatTransmission)
    }
}

extension SRTPTransport {
    /// Protects a copy of `packet` and returns exactly the SRTP bytes.
    func sealRTP(_ packet: [UInt8]) throws -> [UInt8] {
        var buffer = Packets.withRoom(packet)
        let length = try protectRTP(&buffer, length: packet.count)
        return Array(buffer[..<length])
    }
    func sealRTCP(_ packet: [UInt8]) throws -> [UInt8] {
        var buffer = Packets.withRoom(packet)
        let length = try protectRTCP(&buffer, length: packet.count)
        return Array(buffer[..<length])
    }
    func openRTP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        var buffer = packet
        let length = try unprotectRTP(&buffer, length: packet.count)
        return Array(buffer[..<length])
    }
    func openRTCP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        var buffer = packet
        let length = try unprotectRTCP(&buffer, length: packet.count)
        return Array(buffer[..<length])
    }
}
