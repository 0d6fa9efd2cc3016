internal import CLibSSL

/// A failure of the OpenSSL reference peer, with OpenSSL's own diagnostics.
public enum OpenSSLPeerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration was rejected (certificate, key, cipher list, groups, SRTP profiles, MTU...).
    case configuration(String)
    /// A libssl operation failed. `operation` is e.g. "SSL_do_handshake", `sslError` the
    /// SSL_get_error code, `errorQueue` the drained ERR queue (one line per entry),
    /// `alertReceived`/`alertSent` the last alert descriptions (RFC 5246 §7.2) seen by the info callback.
    case failed(operation: String, sslError: Int32, errorQueue: String, alertReceived: UInt8?, alertSent: UInt8?)

    public var description: String {
        switch self {
        case .configuration(let s): return "OpenSSL configuration error: \(s)"
        case let .failed(op, code, queue, rcvd, sent):
            var s = "\(op) failed (SSL_get_error=\(code))"
            if let rcvd { s += ", alert received: \(OpenSSLDTLSPeer.alertName(rcvd)) (\(rcvd))" }
            if let sent { s += ", alert sent: \(OpenSSLDTLSPeer.alertName(sent)) (\(sent))" }
            if !queue.isEmpty { s += "\n\(queue)" }
            return s
        }
    }

    /// The last alert received, if any.
    public var alertReceived: UInt8? {
        if case let .failed(_, _, _, a, _) = self { return a }
        return nil
    }

    /// The last alert sent, if any.
    public var alertSent: UInt8? {
        if case let .failed(_, _, _, _, a) = self { return a }
        return nil
    }
}

/// Drains the thread's OpenSSL error queue into text (one entry per line).
func drainErrorQueue() -> String {
    var lines: [String] = []
    var buf = [CChar](repeating: 0, count: 256)
    while true {
        let e = ERR_get_error()
        if e == 0 { break }
        ERR_error_string_n(e, &buf, buf.count)
        lines.append(cBufferString(buf))
    }
    return lines.joined(separator: "\n")
}

/// The NUL-terminated string in a C buffer.
func cBufferString(_ buf: [CChar]) -> String {
    let end = buf.firstIndex(of: 0) ?? buf.count
    return String(decoding: buf[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
