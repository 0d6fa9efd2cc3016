import DTLS
import FuzzSupport
import SRTP

/// The SRTP/SRTCP unprotect path (libsrtp through `SRTPSession`).
///
/// First byte: bits 0-1 pick the profile, bit 2 RTCP instead of RTP,
/// bit 3 the mode:
/// - raw: the rest is a received packet, unprotected by an inbound session
///   keyed with the fixed fuzz key (seeds are packets protected with it, so
///   mutations reach past the tag check as well as failing it). A packet
///   that authenticates must come out no longer than it went in, and the
///   same packet a second time must be refused as a replay.
/// - round trip: the rest (after one byte choosing a position) is a
///   plaintext packet. It is protected, one byte of the result is
///   flipped and must be refused, then the intact packet must unprotect to
///   the plaintext, and once only.
///
/// Sessions are made per input, so runs do not depend on each other and
/// libsrtp's per-SSRC streams do not pile up.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var input = FuzzReader(data, size)
    guard let mode = input.u8() else { return 0 }
    let profile = SRTPProtectionProfile.supported[Int(mode & 3)]
    let rtcp = mode & 4 != 0
    if mode & 8 == 0 {
        raw(input.rest(), profile: profile, rtcp: rtcp)
    } else {
        let position = Int(input.u8() ?? 0) | Int(input.u8() ?? 0) << 8
        roundTrip(input.rest(), profile: profile, rtcp: rtcp, flipAt: position)
    }
    return 0
}

/// The fixed master key and salt of every fuzz session (seed generators use the same).
func session(_ profile: SRTPProtectionProfile, _ direction: SRTPSession.Direction) -> SRTPSession {
    let key = (0..<profile.masterKeyLength).map { UInt8(truncatingIfNeeded: 0x10 + $0) }
    let salt = (0..<profile.masterSaltLength).map { UInt8(truncatingIfNeeded: 0xA0 + $0) }
    return try! SRTPSession(profile: profile, masterKey: key, masterSalt: salt, direction: direction, replayWindowSize: 64)
}

func unprotect(_ s: SRTPSession, _ buffer: inout [UInt8], rtcp: Bool) throws(SRTPError) -> Int {
    rtcp ? try s.unprotectRTCP(&buffer, length: buffer.count) : try s.unprotectRTP(&buffer, length: buffer.count)
}

func raw(_ packet: [UInt8], profile: SRTPProtectionProfile, rtcp: Bool) {
    let inbound = session(profile, .inbound)
    var buffer = packet
    guard let length = try? unprotect(inbound, &buffer, rtcp: rtcp) else { return }
    fuzzCheck(length >= (rtcp ? 8 : 12) && length <= packet.count, "unprotected length \(length) of \(packet.count)")
    var again = packet
    do {
        _ = try unprotect(inbound, &again, rtcp: rtcp)
        fuzzCheck(false, "a replayed packet was accepted")
    } catch {
        fuzzCheck(error == .replayDetected, "a replay failed as \(error), not as a replay")
    }
}

func roundTrip(_ plain: [UInt8], profile: SRTPProtectionProfile, rtcp: Bool, flipAt position: Int) {
    let outbound = session(profile, .outbound)
    let inbound = session(profile, .inbound)
    var buffer = plain + [UInt8](repeating: 0, count: SRTPSession.maximumTrailerLength)
    let protectedLength: Int
    do {
        protectedLength = rtcp ? try outbound.protectRTCP(&buffer, length: plain.count)
                               : try outbound.protectRTP(&buffer, length: plain.count)
    } catch {
        return
    }
    fuzzCheck(protectedLength == plain.count + (rtcp ? profile.rtcpOverhead : profile.rtpOverhead), "protected length")
    let packet = Array(buffer[0..<protectedLength])

    var tampered = packet
    tampered[position % tampered.count] ^= 0x01
    if (try? unprotect(inbound, &tampered, rtcp: rtcp)) != nil {
        fuzzCheck(false, "a tampered packet was accepted (byte \(position % packet.count))")
    }

    var good = packet
    let length: Int
    do {
        length = try unprotect(inbound, &good, rtcp: rtcp)
    } catch {
        fuzzCheck(false, "our own packet did not unprotect: \(error)")
        return
    }
    fuzzCheck(length == plain.count && Array(good[0..<length]) == plain, "round trip changed the packet")

    var replay = packet
    fuzzCheck((try? unprotect(inbound, &replay, rtcp: rtcp)) == nil, "a replay was accepted")
}

@_cdecl("fuzz_srtp_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv, fuzz, seeds: seeds)
}

func seeds() -> [[UInt8]] {
    var out: [[UInt8]] = []
    // An RTP packet with a CSRC and a one-byte header extension, and a compound RTCP SR+SDES.
    let rtp: [UInt8] = [0x91, 0x60, 0x12, 0x34, 0, 0, 0x10, 0, 0xCA, 0xFE, 0xBA, 0xBE, 0xDE, 0xAD, 0xBE, 0xEF,
                        0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0x00, 0x00] + [UInt8](repeating: 0x42, count: 40)
    let plainRTP: [UInt8] = [0x80, 0x6F, 0x00, 0x01, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44] + [UInt8](repeating: 0xAB, count: 20)
    let rtcp: [UInt8] = [0x80, 0xC8, 0x00, 0x06, 0xCA, 0xFE, 0xBA, 0xBE] + [UInt8](repeating: 0, count: 20)
        + [0x81, 0xCA, 0x00, 0x02, 0xCA, 0xFE, 0xBA, 0xBE, 0x01, 0x01, 0x41, 0x00]
    for (index, profile) in SRTPProtectionProfile.supported.enumerated() {
        let outbound = session(profile, .outbound)
        for (packet, isRTCP) in [(rtp, false), (plainRTP, false), (rtcp, true)] {
            var buffer = packet + [UInt8](repeating: 0, count: SRTPSession.maximumTrailerLength)
            let n = isRTCP ? try! outbound.protectRTCP(&buffer, length: packet.count)
                           : try! outbound.protectRTP(&buffer, length: packet.count)
            let mode = UInt8(index) | (isRTCP ? 4 : 0)
            out.append([mode] + buffer[0..<n])
            out.append([mode | 8, 3, 0] + packet)
        }
    }
    return out
}
