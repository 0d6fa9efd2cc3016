internal import CSRTP

/// Process-wide libsrtp state.
enum LibSRTP {
    /// `srtp_init()` runs exactly once per process, on first use of any
    /// session: Swift initialises static stored properties lazily under
    /// `swift_once` (dispatch_once semantics), so this is thread-safe.
    /// libsrtp is never shut down (sessions may live until process exit).
    static let initStatus: UInt32 = {
        // Before libsrtp touches NSS: see the note in CSRTP/shim.h.
        CSRTP_openNSSForSpeed()
        return srtp_init().rawValue
    }()

    /// Throws unless `srtp_init()` succeeded.
    static func ensureInitialized() throws(SRTPError) {
        let status = initStatus
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
