import DTLS
import DTLSCrypto

/// ICE credentials of one side (RFC 8445 section 5.3, RFC 8839 section 5.4).
///
/// `Sendable`.
public struct ICECredentials: Sendable, Hashable {
    public var ufrag: String
    public var password: String

    public init(ufrag: String, password: String) {
        self.ufrag = ufrag
        self.password = password
    }

    /// Random credentials from the ice-char set: an 8-character ufrag (48
    /// bits) and a 24-character password (144 bits, RFC 8445 requires 128).
    public static func random() -> ICECredentials {
        ICECredentials(ufrag: randomICEChars(8), password: randomICEChars(24))
    }

    static let iceChars = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func randomICEChars(_ count: Int) -> String {
        // 64 symbols: six bits of each random byte, no modulo bias.
        String(decoding: SecureRandom.bytes(count).map { iceChars[Int($0 & 63)] }, as: UTF8.self)
    }

    /// ice-char = ALPHA / DIGIT / "+" / "/"; ufrag 4-256, password 22-256.
    static func isValid(ufrag: String) -> Bool { isICEChars(ufrag, 4...256) }
    static func isValid(password: String) -> Bool { isICEChars(password, 22...256) }
    private static func isICEChars(_ s: String, _ range: ClosedRange<Int>) -> Bool {
        let u = Array(s.utf8)
        return range.contains(u.count) && u.allSatisfy { iceChars.contains($0) }
    }
}

/// What the responder did with a datagram.
///
/// `Sendable`.
public enum ICEOutcome: Sendable, Hashable {
    /// A valid Binding request: send `response` (success, with
    /// XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT) back to the
    /// source. `newlyValidated`: the source address had not passed a check
    /// before. `nominated`: the check carried USE-CANDIDATE and the source
    /// is now the selected address.
    case success(response: [UInt8], newlyValidated: Bool, nominated: Bool)
    /// A request refused with an error response (400 Bad Request, 401
    /// Unauthorized, 420 Unknown Attribute, 487 Role Conflict): send it back.
    case error(response: [UInt8], code: Int)
    /// Dropped without an answer (not a request, bad MESSAGE-INTEGRITY or
    /// FINGERPRINT, not STUN at all).
    case ignored(ICEIgnoreReason)
}

/// Why `ICELiteResponder` dropped a datagram (each has a counter).
public enum ICEIgnoreReason: Sendable, Hashable {
    case malformed
    case notARequest
    case badFingerprint
    /// MESSAGE-INTEGRITY does not verify with the local password: anybody
    /// could have sent it, so it gets no answer at all.
    case badIntegrity
}

/// Counters of an `ICELiteResponder`.
public struct ICECounters: Sendable, Hashable {
    public var requests = 0
    public var successResponses = 0
    public var errorResponses = 0
    public var malformed = 0
    public var notRequests = 0
    public var badFingerprint = 0
    public var badIntegrity = 0
    public var badUsername = 0
    public var roleConflicts = 0
    public var nominations = 0
    public init() {}
}

/// The responder half of an ICE-lite agent (RFC 8445 section 2.5 and
/// 7.3; RFC 5389 STUN short-term credentials; RFC 7675 consent freshness),
/// for a server with one host candidate. Sans-IO: it gets datagrams with
/// their source address and a clock reading, and returns what to send back.
///
/// A lite agent sends no checks: it answers the full agent's Binding
/// requests, learns the peer addresses that prove they know the ICE
/// password, and takes the controlling agent's nomination (USE-CANDIDATE).
/// Media and DTLS should be accepted only from `isValidated` addresses and
/// sent to `selectedAddress`.
///
/// Requests are checked in this order (RFC 5389 section 10.1.2): FINGERPRINT
/// (if present) must verify, else ignored; USERNAME and MESSAGE-INTEGRITY
/// must be present, else 400; USERNAME must be `localUfrag:remoteUfrag`,
/// else 401; MESSAGE-INTEGRITY must verify with the local password, else the
/// request is **ignored** (an unauthenticated sender learns nothing); unknown
/// comprehension-required attributes get 420; a peer that also claims the
/// controlled role gets 487 (a lite agent is always controlled).
///
/// Consent (RFC 7675): the browser repeats checks on the selected pair
/// every few seconds. `consentDeadline` is `consentTimeout` after the last
/// authenticated check (or after creation, before the first); past it,
/// `consentExpired(now:)` is true and the caller must stop sending.
///
/// Not `Sendable`: confine it with the endpoint it serves.
public final class ICELiteResponder {
    public let local: ICECredentials
    public let remoteUfrag: String
    public let consentTimeout: Duration
    public private(set) var counters = ICECounters()
    /// The address nominated by USE-CANDIDATE (the latest nomination wins);
    /// before any nomination, the latest validated address.
    public private(set) var selectedAddress: TransportAddress?
    /// Whether `selectedAddress` was nominated (USE-CANDIDATE).
    public private(set) var isNominated = false
    /// Addresses that passed an authenticated check, with the time of their
    /// latest one.
    public private(set) var validated: [TransportAddress: DTLSInstant] = [:]
    public private(set) var lastConsent: DTLSInstant?
    private let createdAt: DTLSInstant
    private let expectedUsername: [UInt8]
    private let key: [UInt8]
    /// Sent in every response.
    public var software: String? = nil

    public init(local: ICECredentials, remoteUfrag: String, consentTimeout: Duration = .seconds(30), now: DTLSInstant) {
        self.local = local
        self.remoteUfrag = remoteUfrag
        self.consentTimeout = consentTimeout
        self.createdAt = now
        self.expectedUsername = Array((local.ufrag + ":" + remoteUfrag).utf8)
        self.key = Array(local.password.utf8)
    }

    /// The local ufrag a Binding request's USERNAME names (the part before
    /// the colon), to find the responder it is for; nil if the datagram is
    /// not a request with a USERNAME.
    public static func localUfrag(of datagram: [UInt8]) -> String? {
        guard let message = try? STUNMessage(parsing: datagram), message.messageClass == .request,
              let username = message.attribute(.username)?.value,
              let colon = username.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return String(decoding: username[..<colon], as: UTF8.self)
    }

    /// Whether `address` passed an authenticated check.
    public func isValidated(_ address: TransportAddress) -> Bool { validated[address] != nil }

    /// When consent runs out unless another check arrives.
    public var consentDeadline: DTLSInstant { (lastConsent ?? createdAt) + consentTimeout }

    public func consentExpired(now: DTLSInstant) -> Bool { now >= consentDeadline }

    /// Handles one STUN datagram from `source`.
    public func handle(_ datagram: [UInt8], from source: TransportAddress, now: DTLSInstant) -> ICEOutcome {
        let request: STUNMessage
        do throws(STUNError) {
            request = try STUNMessage(parsing: datagram)
        } catch {
            counters.malformed += 1
            return .ignored(.malformed)
        }
        guard request.messageClass == .request, request.method == STUNMessage.binding else {
            // Binding indications (keepalives) and stray responses need no answer.
            counters.notRequests += 1
            return .ignored(.notARequest)
        }
        counters.requests += 1
        if request.fingerprintOffset != nil, !request.verifyFingerprint(of: datagram) {
            counters.badFingerprint += 1
            return .ignored(.badFingerprint)
        }
        guard let username = request.attribute(.username)?.value, request.integrityOffset != nil else {
            return errorResponse(to: request, code: 400, reason: "Bad Request", authenticated: false)
        }
        let expected = expectedUsername
        let usernameMatches = ConstantTime.equals(username.span, expected.span)
        guard usernameMatches else {
            counters.badUsername += 1
            return errorResponse(to: request, code: 401, reason: "Unauthorized", authenticated: false)
        }
        guard request.verifyIntegrity(of: datagram, key: key) else {
            counters.badIntegrity += 1
            return .ignored(.badIntegrity)
        }
        let unknown = request.unknownComprehensionRequired
        if !unknown.isEmpty {
            return errorResponse(to: request, code: 420, reason: "Unknown Attribute", authenticated: true,
                                 extra: [STUNMessage.unknownAttributes(unknown)])
        }
        if request.attribute(.iceControlled) != nil {
            // Both sides controlled: a lite agent cannot switch to controlling.
            counters.roleConflicts += 1
            return errorResponse(to: request, code: 487, reason: "Role Conflict", authenticated: true)
        }
        let newlyValidated = validated[source] == nil
        validated[source] = now
        lastConsent = now
        var nominated = false
        if request.hasUseCandidate {
            if selectedAddress != source || !isNominated { counters.nominations += 1 }
            nominated = true
            selectedAddress = source
            isNominated = true
        } else if !isNominated {
            selectedAddress = source
        }
        var response = STUNMessage(class: .successResponse, transactionID: request.transactionID,
                                   attributes: [STUNMessage.xorMappedAddress(source, transactionID: request.transactionID)])
        if let software { response.attributes.append(STUNMessage.software(software)) }
        counters.successResponses += 1
        return .success(response: response.encoded(integrityKey: key, fingerprint: true),
                        newlyValidated: newlyValidated, nominated: nominated)
    }

    private func errorResponse(to request: STUNMessage, code: Int, reason: String, authenticated: Bool,
                               extra: [STUNAttribute] = []) -> ICEOutcome {
        counters.errorResponses += 1
        var response = STUNMessage(class: .errorResponse, transactionID: request.transactionID,
                                   attributes: [STUNMessage.errorCode(code, reason: reason)] + extra)
        if let software { response.attributes.append(STUNMessage.software(software)) }
        // Only a request that proved the password gets an authenticated answer.
        return .error(response: response.encoded(integrityKey: authenticated ? key : nil, fingerprint: true), code: code)
    }
}
