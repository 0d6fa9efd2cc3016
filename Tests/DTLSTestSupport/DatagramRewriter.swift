import DTLS

/// Edits handshake messages inside captured datagrams, for tests that play
/// a man in the middle.
public enum DatagramRewriter {
    /// Rewrites unfragmented epoch-0 handshake messages: `change` returns
    /// the new type and body, or nil to keep the message.
    package static func rewritingMessages(_ d: [UInt8], _ change: (HandshakeType, [UInt8]) -> (HandshakeType, [UInt8])?) -> [UInt8] {
        var records: [RecordView] = []
        RecordView.split(d, into: &records)
        var out = ByteWriter()
        for r in records {
            guard r.header.epoch == 0, r.header.contentType == .handshake,
                  let fragments = try? HandshakeFragmentView.split(d, range: r.fragment) else {
                out.writeBytes(d[(r.fragment.lowerBound - RecordHeader.length)..<r.fragment.upperBound])
                continue
            }
            var content = ByteWriter()
            for f in fragments {
                var header = f.header
                var body = Array(d[f.body])
                if header.isUnfragmented, let (type, newBody) = change(header.type, body) {
                    body = newBody
                    header.type = type
                    header.length = UInt32(body.count)
                    header.fragmentLength = UInt32(body.count)
                }
                header.write(to: &content)
                content.writeBytes(body)
            }
            var h = r.header
            h.length = UInt16(content.count)
            h.write(to: &out)
            out.writeBytes(content.bytes)
        }
        return out.bytes
    }
}
