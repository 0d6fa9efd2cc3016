/// Every failure the crypto layer can report. The protocol engine maps these to
/// TLS alerts, so the cases separate "peer sent something bad" (alert-worthy)
/// from "our libcrypto call failed" (internal error).
public enum CryptoError: Error, Equatable, Sendable {
    /// AEAD tag mismatch: the record must be dropped silently (RFC 6347 4.1.2.7).
    case authenticationFailed
    case invalidKeyLength
    /// Bad EC point, X25519 low-order/all-zero result, or DH value out of range.
    case invalidPublicKey
    /// Malformed signature encodings where a caller wants to tell them apart;
    /// `PublicKey.verify` itself just returns false.
    case invalidSignature
    /// Key type, curve or size outside what DTLS-SRTP peers use.
    case unsupportedKey
    /// DER/PEM/text parse failures.
    case malformedInput(String)
    /// libcrypto failure: the drained ERR queue as text.
    case library(String)
    /// A PEM file could not be read or written: the path and the system's reason.
    case file(String)
}
