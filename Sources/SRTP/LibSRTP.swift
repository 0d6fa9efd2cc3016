internal import CSRTP
internal import CSRTPCrypto
import Synchronization

/// The cryptography libsrtp runs on, process-wide.
public enum SRTPCryptoBackend: Sendable, Hashable {
    /// AES-ICM, AES-GCM and HMAC-SHA1 from the system's OpenSSL 3
    /// libcrypto, registered with libsrtp's crypto kernel right after
    /// `srtp_init()` (`Sources/CSRTPCrypto`). The default: no heap
    /// allocation per packet, and a per-packet cost that does not depend on
    /// the number of live sessions.
    case libcrypto
    /// libsrtp's own cipher and auth types. Debian builds libsrtp2 on NSS:
    /// 10 to 28 heap allocations per protect + unprotect, and a cost per
    /// packet that grows with the number of sessions. Kept as the
    /// benchmark's baseline; see `SRTPLibrary.useBuiltInCrypto()`.
    case libsrtpBuiltIn
}

/// Process-wide libsrtp settings.
public enum SRTPLibrary {
    /// Keeps libsrtp on its built-in crypto (Debian: NSS) instead of
    /// libcrypto. For baselines and comparisons only (the benchmark runs
    /// its "stock libsrtp2" rows in a child process that calls this).
    ///
    /// Must run before the first SRTP session (or `initialize()`,
    /// `backend`) in the process: libsrtp is initialised once and its
    /// kernel types are fixed from then on. Returns whether libsrtp runs,
    /// or will run, on its built-in crypto: `false` when it was already
    /// initialised with libcrypto.
    @discardableResult
    public static func useBuiltInCrypto() -> Bool {
        LibSRTP.choice.withLock { choice in
            if !choice.decided { choice.builtIn = true }
            return choice.builtIn
        }
    }

    /// The backend in use. Initialises libsrtp if it is not yet.
    public static var backend: SRTPCryptoBackend { LibSRTP.state.backend }

    /// Initialises libsrtp (`srtp_init()` and the libcrypto types) now
    /// rather than on the first session. Throws what session creation
    /// would throw if that failed.
    public static func initialize() throws(SRTPError) {
        try LibSRTP.ensureInitialized()
    }
}

/// Process-wide libsrtp state.
enum LibSRTP {
    struct Choice {
        var builtIn = false
        /// Set when initialisation read `builtIn`; later requests are refused.
        var decided = false
    }
    static let choice = Mutex(Choice())

    struct State: Sendable {
        /// `srtp_err_status_t` of initialisation: `srtp_init()`, then the
        /// replacement of the kernel's types.
        let status: UInt32
        let backend: SRTPCryptoBackend
    }

    /// `srtp_init()` and the libcrypto types run exactly once per process,
    /// on first use of any session: Swift initialises static stored
    /// properties lazily under `swift_once` (dispatch_once semantics), so
    /// this is thread-safe, and no session exists before the kernel's types
    /// are final (srtp_replace_* must not race srtp_create). libsrtp is
    /// never shut down (sessions may live until process exit).
    ///
    /// If the libcrypto types cannot be installed (libcrypto without
    /// AES-CTR or AES-GCM, or one of them failing libsrtp's self-test), the
    /// status records it and every session creation throws: no silent
    /// fallback to the built-in crypto.
    static let state: State = {
        let builtIn = choice.withLock { choice in
            choice.decided = true
            return choice.builtIn
        }
        // Before libsrtp touches NSS: see the note in CSRTP/shim.h.
        CSRTP_openNSSForSpeed()
        let initStatus = srtp_init()
        guard initStatus == srtp_err_status_ok else {
            return State(status: initStatus.rawValue, backend: builtIn ? .libsrtpBuiltIn : .libcrypto)
        }
        if builtIn { return State(status: initStatus.rawValue, backend: .libsrtpBuiltIn) }
        return State(status: UInt32(bitPattern: csrtp_libcrypto_install()), backend: .libcrypto)
    }()

    /// Throws unless `srtp_init()` (and, by default, the installation of
    /// the libcrypto types) succeeded.
    static func ensureInitialized() throws(SRTPError) {
        let status = state.status
        guard status == srtp_err_status_ok.rawValue else {
            throw .library(Int32(truncatingIfNeeded: status))
        }
    }

    /// Maps a non-ok status from session creation.
    static func setupError(_ status: srtp_err_status_t) -> SRTPError {
        switch status {
        case srtp_err_status_bad_param: return .badParameter
        default: return .library(Int32(truncatingIfNeeded: status.rawValue))
        }
    }

    /// Maps a non-ok status from protect/unprotect. Here a "bad parameter"
    /// is always the packet (the other arguments are checked beforehand).
    static func packetError(_ status: srtp_err_status_t) -> SRTPError {
        switch status {
        case srtp_err_status_auth_fail: return .authenticationFailed
        case srtp_err_status_replay_fail, srtp_err_status_replay_old: return .replayDetected
        case srtp_err_status_bad_param, srtp_err_status_parse_err, srtp_err_status_bad_mki:
            return .badPacket
        case srtp_err_status_no_ctx: return .unknownSSRC
        default: return .library(Int32(truncatingIfNeeded: status.rawValue))
        }
    }
}
