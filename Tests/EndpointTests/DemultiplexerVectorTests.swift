import Testing
import DTLSEndpoint

/// Every row of demux_rfc7983_rfc5761.json through Demultiplexer.classify.
@Suite struct DemultiplexerVectorTests {
    static func expectedKind(_ name: String) -> DatagramKind? {
        switch name {
        case "STUN": .stun
        case "ZRTP": .zrtp
        case "DTLS": .dtls
        case "TURN_CHANNEL": .turnChannel
        case "RTP": .rtp
        case "RTCP": .rtcp
        case "DROP": .unknown
        default: nil
        }
    }

    @Test func everyTableRowIsClassifiedAsTheVectorSays() throws {
        let rows = try #require(
            try Vectors.load("demux_rfc7983_rfc5761.json")["table"] as? [[String: Any]])
        #expect(rows.count == 40)
        for row in rows {
            let first = try #require(row["first_byte"] as? Int)
            let second = row["second_byte"] as? Int  // null: one-byte datagram
            let className = try #require(row["class"] as? String)
            let expected = try #require(Self.expectedKind(className), "unknown class \(className)")
            var datagram = [UInt8(first)]
            if let second { datagram.append(UInt8(second)) }
            // pad to a realistic size; only the first two bytes may matter
            let padded = datagram + [UInt8](repeating: 0xFF, count: 30)
            let comment = row["comment"] as? String ?? ""
            if second != nil || expected != .rtp && expected != .rtcp {
                #expect(Demultiplexer.classify(padded) == expected, "\(first),\(second ?? -1): \(comment)")
            }
            if second != nil {
                #expect(Demultiplexer.classify(datagram) == expected, "\(first),\(second!): \(comment)")
            }
        }
    }

    @Test func theRuleRangesInTheFileMatchTheClassifier() throws {
        let rules = try #require(
            try Vectors.load("demux_rfc7983_rfc5761.json")["rules"] as? [String: Any])
        let ranges: [(String, DatagramKind)] = [
            ("STUN", .stun), ("ZRTP", .zrtp), ("DTLS", .dtls), ("TURN_CHANNEL", .turnChannel),
        ]
        for (key, kind) in ranges {
            let bounds = try #require(rules[key] as? [Int])
            for first in bounds[0]...bounds[1] {
                #expect(Demultiplexer.classify([UInt8(first), 0]) == kind, "\(key) \(first)")
            }
        }
        let media = try #require(rules["RTP_RTCP"] as? [Int])
        let rtcp = try #require(rules["RTCP_if_second_byte_in"] as? [Int])
        for first in media[0]...media[1] {
            for second in 0...255 {
                let expected: DatagramKind = (rtcp[0]...rtcp[1]).contains(second) ? .rtcp : .rtp
                #expect(Demultiplexer.classify([UInt8(first), UInt8(second)]) == expected)
            }
        }
    }
}
