import DTLSCrypto

extension NamedGroup {
    /// The hybrid key exchange of a post-quantum group (DTLS 1.3 only).
    var hybrid: HybridGroup? {
        switch self {
        case .x25519MLKEM768: .x25519MLKEM768
        case .secp256r1MLKEM768: .secp256r1MLKEM768
        default: nil
        }
    }
}

/// The private half of one key share a DTLS 1.3 client sent: classical
/// (EC)DH, or a hybrid with ML-KEM-768 (draft-ietf-tls-ecdhe-mlkem).
enum ClientKeyShare13 {
    case ecdh(ECDHPrivateKey)
    case hybrid(HybridClientKey)

    /// A fresh share for `group`. A classical share of the curve inside
    /// `reusing` (a hybrid share sent beside it) reuses that key, as
    /// Chromium and Firefox do: one X25519 key for both shares.
    static func make(for group: NamedGroup, reusing hybrid: HybridClientKey? = nil) throws(DTLSError) -> ClientKeyShare13 {
        do throws(CryptoError) {
            if let kind = group.hybrid { return .hybrid(try HybridClientKey(group: kind)) }
            guard let curve = group.ecGroup else { throw CryptoError.unsupportedKey }
            if let hybrid, hybrid.ecdhKey.group == curve { return .ecdh(hybrid.ecdhKey) }
            return .ecdh(try ECDHPrivateKey(group: curve))
        } catch {
            throw DTLSError(.internalError, alert: .internalError, "no key share for \(group): \(error)")
        }
    }

    var publicBytes: [UInt8] {
        switch self {
        case .ecdh(let key): key.publicKeyBytes
        case .hybrid(let key): key.share
        }
    }

    /// The shared secret from the server's share of this group. A share
    /// of the wrong length or a bad point is illegal_parameter (RFC 8446 4.2.8).
    func sharedSecret(serverShare: [UInt8]) throws(DTLSError) -> [UInt8] {
        do throws(CryptoError) {
            switch self {
            case .ecdh(let key): return try key.sharedSecret(peerPublicKey: serverShare.span)
            case .hybrid(let key): return try key.sharedSecret(serverShare: serverShare)
            }
        } catch {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "server key share: \(error)")
        }
    }
}

/// The server's side of a client's key share: our share to send back and
/// the shared secret. A malformed client share (its length, an invalid
/// point, an encapsulation key that fails FIPS 203's check) is
/// illegal_parameter, before any state changes.
func serverKeyExchange13(for entry: KeyShareEntry) throws(DTLSError) -> (share: [UInt8], secret: [UInt8]) {
    do throws(CryptoError) {
        if let kind = entry.group.hybrid {
            let (share, secret) = try kind.respond(toClientShare: entry.keyExchange)
            return (share, secret)
        }
        guard let curve = entry.group.ecGroup else { throw CryptoError.unsupportedKey }
        let ours = try ECDHPrivateKey(group: curve)
        return (ours.publicKeyBytes, try ours.sharedSecret(peerPublicKey: entry.keyExchange.span))
    } catch {
        throw DTLSError(.illegalParameter, alert: .illegalParameter, "client key share for \(entry.group): \(error)")
    }
}
