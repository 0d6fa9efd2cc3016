import Glibc

/// Whole-file reads and writes for PEM text, with the modes keys need.
enum PEMFile {
    /// At most this many bytes: a PEM certificate or key is a few KB; a
    /// bigger file is not one.
    static let maximumLength = 1 << 20

    static func read(_ path: String) throws(CryptoError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read", path)
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            guard bytes.count <= maximumLength else { throw .file("\(path): larger than \(maximumLength) bytes, not a PEM file") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Replaces `path` with `text` through a temporary file in the same
    /// folder and a rename, so a reader never sees half a key. `mode` is
    /// applied at creation (0600 for private keys: never readable by others,
    /// not even for a moment).
    static func write(_ text: String, to path: String, mode: mode_t) throws(CryptoError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("cannot create", temporary) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let error = failure("cannot write", temporary)
                close(fd); unlink(temporary)
                throw error
            }
            written += count
        }
        guard fsync(fd) == 0, close(fd) == 0 else {
            let error = failure("cannot flush", temporary)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename to", path)
            unlink(temporary)
            throw error
        }
    }

    private static func failure(_ what: String, _ path: String) -> CryptoError {
        .file("\(what) \(path): \(String(cString: strerror(errno)))")
    }
}
