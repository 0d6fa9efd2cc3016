import DTLS

/// Which end of the DTLS handshake an endpoint plays. The same type as the
/// engine's `DTLSConnection.Role`, so it passes straight through.
///
/// `Sendable`.
public typealias DTLSRole = DTLSConnection.Role

/// The value of an SDP `a=setup` attribute (RFC 4145 section 4, as used for
/// DTLS by RFC 8842 section 5).
///
/// - `active`: this side initiates the DTLS handshake (DTLS client).
/// - `passive`: this side waits for the handshake (DTLS server).
/// - `actpass`: either; only meaningful in an offer, the answerer decides.
/// - `holdconn`: no connection. RFC 8842 section 5.1 forbids it for DTLS,
///   so every API here refuses it.
///
/// `Sendable`.
public enum SDPSetup: String, Sendable, Hashable, CaseIterable {
    case active, passive, actpass, holdconn

    /// Parses `actpass`, `setup:actpass` or `a=setup:actpass` (surrounding
    /// white space ignored). Attribute values are case-sensitive in SDP
    /// (RFC 8866 section 5.13), so `ACTPASS` is refused.
    public init(sdp text: some StringProtocol) throws(EndpointError) {
        var value = Substring(text)
        while let first = value.first, first.isWhitespace { value.removeFirst() }
        while let last = value.last, last.isWhitespace { value.removeLast() }
        for prefix in ["a=setup:", "setup:"] where value.hasPrefix(prefix) {
            value = value.dropFirst(prefix.count)
            break
        }
        guard let setup = SDPSetup(rawValue: String(value)) else {
            throw .invalidSetupAttribute(String(text))
        }
        self = setup
    }

    /// The full attribute line without line ending, e.g. `a=setup:active`.
    public var sdpAttribute: String { "a=setup:" + rawValue }

    /// The value an answerer puts in its answer to an offer carrying `self`
    /// (RFC 8842 section 5.3, RFC 5763 section 5):
    ///
    /// - offer `actpass`: the answerer MUST answer `active` or `passive` and
    ///   SHOULD answer `active` (so the handshake starts while the answer is
    ///   still travelling). `preferredRole` chooses; the default follows the
    ///   SHOULD.
    /// - offer `active`: answer `passive`; offer `passive`: answer `active`.
    /// - offer `holdconn`: refused (`setupNotNegotiable`).
    public func answer(preferring preferredRole: DTLSRole = .client) throws(EndpointError) -> SDPSetup {
        switch self {
        case .actpass: preferredRole == .client ? .active : .passive
        case .active: .passive
        case .passive: .active
        case .holdconn: throw .setupNotNegotiable(self)
        }
    }
}

extension DTLSConnection.Role {
    /// The role an endpoint plays given its own, final `a=setup` value:
    /// `active` is the DTLS client, `passive` the DTLS server. `actpass`
    /// is not final (the answer decides) and `holdconn` is not allowed for
    /// DTLS; both throw `setupNotNegotiable`.
    public init(localSetup: SDPSetup) throws(EndpointError) {
        switch localSetup {
        case .active: self = .client
        case .passive: self = .server
        case .actpass, .holdconn: throw .setupNotNegotiable(localSetup)
        }
    }

    /// The local role after a complete offer/answer exchange.
    ///
    /// The answer must be `active` or `passive` (RFC 8842 section 5.3: the
    /// answerer MUST NOT answer `actpass`) and must be compatible with the
    /// offer (`active` answered by `passive` and vice versa; `actpass` by
    /// either). Anything else throws `inconsistentSetup` or
    /// `setupNotNegotiable`.
    public init(offer: SDPSetup, answer: SDPSetup, localIsOfferer: Bool) throws(EndpointError) {
        if offer == .holdconn { throw .setupNotNegotiable(offer) }
        if answer == .holdconn || answer == .actpass { throw .setupNotNegotiable(answer) }
        switch (offer, answer) {
        case (.actpass, _), (.active, .passive), (.passive, .active): break
        default: throw .inconsistentSetup(offer: offer, answer: answer)
        }
        let answererRole = try DTLSRole(localSetup: answer)
        self = localIsOfferer ? answererRole.opposite : answererRole
    }

    /// The `a=setup` value that announces this role once it is decided:
    /// client `active`, server `passive`.
    public var sdpSetup: SDPSetup { self == .client ? .active : .passive }

    /// The role the peer plays.
    public var opposite: DTLSRole { self == .client ? .server : .client }
}
