/// The use_srtp extension body (RFC 5764 4.1.1).
///
/// ```
/// uint8 SRTPProtectionProfile[2];
/// struct {
///    SRTPProtectionProfiles SRTPProtectionProfiles;  // <2..2^16-1>
///    opaque srtp_mki<0..255>;
/// } UseSRTPData;
/// ```
package struct UseSRTPData: Hashable, Sendable {
    package var profiles: [SRTPProtectionProfile]
    package var mki: [UInt8]

    package init(profiles: [SRTPProtectionProfile], mki: [UInt8] = []) {
        self.profiles = profiles
        self.mki = mki
    }

    package init(parsing bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        var list = try reader.readLengthPrefixed(lengthBytes: 2)
        guard list.remaining >= 2, list.remaining % 2 == 0 else { throw .invalidValue("use_srtp profile list") }
        var profiles: [SRTPProtectionProfile] = []
        while !list.isAtEnd { profiles.append(SRTPProtectionProfile(rawValue: try list.readUInt16())) }
        self.profiles = profiles
        self.mki = try reader.readVector(lengthBytes: 1)
        try reader.expectEnd()
    }

    package var bytes: [UInt8] {
        var w = ByteWriter(capacity: 4 + 2 * profiles.count + mki.count)
        w.writeLengthPrefixed(lengthBytes: 2) { w in for p in profiles { w.writeUInt16(p.rawValue) } }
        w.writeVector(lengthBytes: 1, mki)
        return w.bytes
    }
}

extension HelloExtension {
    /// use_srtp with these profiles and MKI.
    package static func useSRTP(_ data: UseSRTPData) -> HelloExtension {
        HelloExtension(type: .useSRTP, data: data.bytes)
    }
}

extension Array where Element == HelloExtension {
    /// The use_srtp extension's body, if present.
    package func useSRTP() throws(WireError) -> UseSRTPData? {
        guard let ext = first(.useSRTP) else { return nil }
        return try UseSRTPData(parsing: ext.data)
    }
}
