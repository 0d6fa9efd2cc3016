@testable import DTLS
import FuzzSupport

/// The record layer and handshake reassembly, fed arbitrary bytes.
///
/// Mode (first byte, low 2 bits):
/// - 0: the input is a datagram. `RecordView.split` must locate records
///   inside it; each header must round-trip; each handshake record's
///   fragments must round-trip and stay inside the record.
/// - 1: the input is a sequence of handshake fragments fed to a
///   `HandshakeReassembler` (overlaps, gaps, fragments past the end,
///   conflicting lengths). Messages come out in order, complete, never
///   longer than the bound, and a message assembled from consistent
///   fragments equals the bytes those fragments carried.
/// - 2: the input is a sequence of 48-bit sequence numbers for the
///   `ReplayWindow`: once a number is accepted, it is never accepted again.
/// - 3: the input is an alert record body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var input = FuzzReader(data, size)
    guard let mode = input.u8() else { return 0 }
    let rest = input.rest()
    switch mode & 3 {
    case 0: datagram(rest)
    case 1: reassembly(rest)
    case 2: replayWindow(rest)
    default: alert(rest)
    }
    return 0
}

func datagram(_ bytes: [UInt8]) {
    var records: [RecordView] = []
    RecordView.split(bytes, into: &records)
    var cursor = 0
    var rebuilt = ByteWriter()
    for record in records {
        fuzzCheck(record.fragment.lowerBound - RecordHeader.length == cursor, "records not contiguous")
        fuzzCheck(record.fragment.upperBound <= bytes.count, "fragment past the datagram")
        fuzzCheck(record.fragment.count == Int(record.header.length), "fragment length differs from header")
        fuzzCheck(record.fragment.count <= RecordHeader.maxFragmentLength, "oversized fragment accepted")
        cursor = record.fragment.upperBound
        record.header.write(to: &rebuilt)
        rebuilt.writeBytes(bytes[record.fragment])
        var reader = ByteReader(bytes, range: (record.fragment.lowerBound - RecordHeader.length)..<record.fragment.lowerBound)
        let again = try? RecordHeader(parsing: &reader)
        fuzzCheck(again == record.header, "record header does not round-trip")

        if record.header.contentType == .handshake, let fragments = try? HandshakeFragmentView.split(bytes, range: record.fragment) {
            var inner = ByteWriter()
            for f in fragments {
                fuzzCheck(f.body.lowerBound >= record.fragment.lowerBound && f.body.upperBound <= record.fragment.upperBound,
                          "handshake fragment outside its record")
                fuzzCheck(f.body.count == Int(f.header.fragmentLength), "fragment body length")
                fuzzCheck(UInt64(f.header.fragmentOffset) + UInt64(f.header.fragmentLength) <= UInt64(f.header.length),
                          "fragment past the message length accepted")
                f.header.write(to: &inner)
                inner.writeBytes(bytes[f.body])
            }
            fuzzCheck(inner.bytes[...] == bytes[record.fragment], "handshake fragments do not round-trip")
        }
    }
    fuzzCheck(rebuilt.bytes[...] == bytes[0..<cursor], "records do not round-trip")
    // Whatever was not split must be a runt or a record whose length lies.
    if cursor < bytes.count, bytes.count - cursor >= RecordHeader.length {
        var reader = ByteReader(bytes, range: cursor..<bytes.count)
        if let header = try? RecordHeader(parsing: &reader) {
            fuzzCheck(Int(header.length) > reader.remaining || Int(header.length) > RecordHeader.maxFragmentLength,
                      "a well-formed record was left unsplit")
        }
    }
}

func reassembly(_ bytes: [UInt8]) {
    var input = FuzzReader(bytes)
    let maxMessage = 4096
    var reassembler = HandshakeReassembler(nextSequence: 0, maxMessageSize: maxMessage, maxBufferedBytes: 3 * maxMessage)
    // What each message's bytes must be, where fragments agreed.
    var expected: [UInt16: (type: HandshakeType, length: Int, bytes: [UInt8?])] = [:]
    var consistent = Set<UInt16>()
    var lastDelivered: Int = -1
    var steps = 0
    while !input.isAtEnd, steps < 64 {
        steps += 1
        // A compact fragment description: type, seq (0..15), length, offset, fragment length.
        guard let t = input.u8(), let s = input.u8(), let l = input.u16(), let o = input.u16(), let fl = input.u16() else { break }
        let length = UInt32(l) & 0x1FFF
        let offset = UInt32(o) & 0x1FFF
        let fragLength = UInt32(fl) & 0x1FFF
        let header = HandshakeHeader(type: HandshakeType(rawValue: t & 0x1F), length: length, messageSequence: UInt16(s & 0x0F),
                                     fragmentOffset: offset, fragmentLength: fragLength)
        // Only what the header parser accepts reaches the reassembler.
        var w = ByteWriter()
        header.write(to: &w)
        var r = ByteReader(w.bytes)
        guard let parsed = try? HandshakeHeader(parsing: &r) else { continue }
        var body = input.take(Int(fragLength))
        while body.count < Int(fragLength) { body.append(UInt8(truncatingIfNeeded: body.count)) }
        let storage = [UInt8](repeating: 0xEE, count: 3) + body
        let seq = parsed.messageSequence
        let outcome = reassembler.add(parsed, bytes: storage, body: 3..<storage.count)
        if outcome == .accepted, Int(length) <= maxMessage {
            if expected[seq] == nil {
                expected[seq] = (parsed.type, Int(length), [UInt8?](repeating: nil, count: Int(length)))
                consistent.insert(seq)
            }
            if var e = expected[seq], e.type == parsed.type, e.length == Int(length) {
                for i in 0..<body.count {
                    let index = Int(offset) + i
                    if let old = e.bytes[index], old != body[i] { consistent.remove(seq) }
                    e.bytes[index] = body[i]
                }
                expected[seq] = e
            }
        }
        while let message = reassembler.next() {
            fuzzCheck(Int(message.sequence) == lastDelivered + 1, "message out of order")
            lastDelivered = Int(message.sequence)
            fuzzCheck(message.body.count <= maxMessage, "message over the bound")
            if let e = expected[message.sequence] {
                fuzzCheck(message.type == e.type && message.body.count == e.length, "message differs from its fragments' header")
                fuzzCheck(!e.bytes.contains(nil) || e.length == 0, "message released with a gap")
                if consistent.contains(message.sequence) {
                    fuzzCheck(message.body == e.bytes.map { $0 ?? 0 }, "message bytes differ from the fragments")
                }
            }
            expected[message.sequence] = nil
        }
    }
}

func replayWindow(_ bytes: [UInt8]) {
    var input = FuzzReader(bytes)
    var window = ReplayWindow()
    var accepted = Set<UInt64>()
    var highest: UInt64?
    while input.remaining >= 6 {
        let raw = input.take(6)
        var seq: UInt64 = 0
        for b in raw { seq = seq << 8 | UInt64(b) }
        // Small numbers make collisions likely; the top bit picks a jump.
        if raw[0] & 0x80 == 0 { seq &= 0x3FF }
        let ok = window.check(seq)
        if accepted.contains(seq) { fuzzCheck(!ok, "replayed sequence \(seq) accepted") }
        if let h = highest, seq > h { fuzzCheck(ok, "newer sequence \(seq) refused") }
        if let h = highest, h >= seq, h - seq >= ReplayWindow.size { fuzzCheck(!ok, "sequence older than the window accepted") }
        if ok {
            window.update(seq)
            accepted.insert(seq)
            highest = max(highest ?? seq, seq)
        }
    }
}

func alert(_ bytes: [UInt8]) {
    var reader = ByteReader(bytes)
    guard let alert = try? Alert(parsing: &reader) else { return }
    var w = ByteWriter()
    alert.write(to: &w)
    fuzzCheck(w.bytes[...] == bytes[0..<2], "alert does not round-trip")
}

@_cdecl("fuzz_record_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv, fuzz, seeds: seeds)
}

func seeds() -> [[UInt8]] {
    var out: [[UInt8]] = []
    // Mode 0: every datagram of real handshakes (plaintext and sealed records), and the recorded records.
    for d in Seeds.handshake() { out.append([0] + d.bytes) }
    for d in Seeds.handshake(mtu: 256).prefix(6) { out.append([0] + d.bytes) }
    for (_, r) in Seeds.vectorRecords() { out.append([0] + r) }
    // Mode 1: the fragments of a real fragmented flight, in the compact form `reassembly` reads.
    var fragments: [UInt8] = [1]
    for d in Seeds.handshake(mtu: 256) where !d.toServer {
        var views: [RecordView] = []
        RecordView.split(d.bytes, into: &views)
        for r in views where r.header.epoch == 0 && r.header.contentType == .handshake {
            for f in (try? HandshakeFragmentView.split(d.bytes, range: r.fragment)) ?? [] where f.header.messageSequence < 16 {
                let h = f.header
                fragments += [h.type.rawValue, UInt8(h.messageSequence),
                              UInt8(truncatingIfNeeded: h.length >> 8), UInt8(truncatingIfNeeded: h.length),
                              UInt8(truncatingIfNeeded: h.fragmentOffset >> 8), UInt8(truncatingIfNeeded: h.fragmentOffset),
                              UInt8(truncatingIfNeeded: h.fragmentLength >> 8), UInt8(truncatingIfNeeded: h.fragmentLength)]
                fragments += d.bytes[f.body]
            }
        }
        break
    }
    out.append(fragments)
    // Mode 2: sequence numbers in order, reordered, replayed, and far ahead.
    var seqs: [UInt8] = [2]
    for s: UInt64 in [1, 2, 5, 3, 3, 70, 6, 7, 0x8000_0000_0001, 2] {
        for shift in stride(from: 40, through: 0, by: -8) { seqs.append(UInt8(truncatingIfNeeded: s >> UInt64(shift))) }
    }
    out.append(seqs)
    // Mode 3: alerts.
    out += [[3, 1, 0], [3, 2, 40], [3, 3, 0]]
    return out
}
