import Testing
import DTLSEndpoint

@Suite struct DemultiplexerEdgeCaseTests {
    @Test func anEmptyDatagramIsUnknown() {
        #expect(Demultiplexer.classify([UInt8]()) == .unknown)
        #expect(Demultiplexer.classify([UInt8]().span) == .unknown)
    }

    @Test func aOneByteDatagramInTheRTPRangeIsUnknown() {
        for first in UInt8(128)...191 {
            #expect(Demultiplexer.classify([first]) == .unknown)
        }
    }

    @Test func oneByteIsEnoughForTheOtherClasses() {
        #expect(Demultiplexer.classify([0x00]) == .stun)
        #expect(Demultiplexer.classify([0x10]) == .zrtp)
        #expect(Demultiplexer.classify([0x16]) == .dtls)
        #expect(Demultiplexer.classify([0x40]) == .turnChannel)
    }

    @Test func everyUnassignedFirstByteIsUnknown() {
        let unassigned = Array(4...15) + Array(80...127) + Array(192...255)
        for first in unassigned {
            #expect(Demultiplexer.classify([UInt8(first), 0, 0, 0]) == .unknown, "\(first)")
        }
    }

    @Test func rtpPayloadTypes64To95WithTheMarkerBitLookLikeRTCP() {
        // RFC 5761 section 4: why those payload types are forbidden with rtcp-mux.
        #expect(Demultiplexer.classify([0x80, 0x80 | 64]) == .rtcp)
        #expect(Demultiplexer.classify([0x80, 0x80 | 95]) == .rtcp)
        #expect(Demultiplexer.classify([0x80, 0x80 | 96]) == .rtp)
        #expect(Demultiplexer.classify([0x80, 64]) == .rtp, "PT 64 without the marker bit")
    }

    @Test func arraySlicesAndSpansClassifyTheSameAsArrays() {
        let datagrams: [[UInt8]] = [[0x01, 0x01], [0x17, 0xFE, 0xFD], [0x81, 0xC9], [0x80, 0x6F], [0xC0]]
        for datagram in datagrams {
            let framed = [0xAA] + datagram + [0xBB]
            let slice = framed[1..<(framed.count - 1)]
            #expect(Demultiplexer.classify(slice) == Demultiplexer.classify(datagram))
            #expect(Demultiplexer.classify(datagram.span) == Demultiplexer.classify(datagram))
        }
    }
}
