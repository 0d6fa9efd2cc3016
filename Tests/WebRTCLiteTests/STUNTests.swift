import DTLS
import Testing
@testable import WebRTCLite
import ZlibChecksum

private func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8).filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") }
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
}

/// RFC 5769 test vectors (short-term credentials, password below).
enum RFC5769 {
    static let password: [UInt8] = Array("VOkJxbRl1RmTxUk/WvJxBt".utf8)
    static let transactionID = bytes("b7e7a701bc34d686fa87dfae")
    /// 2.1 Sample Request.
    static let request = bytes("""
        000100582112a442b7e7a701bc34d686fa87dfae
        802200105354554e207465737420636c69656e74
        002400046e0001ff80290008932ff9b151263b36
        000600096576746a3a68367659202020
        000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2
        80280004e57a3bcf
        """)
    /// 2.2 Sample IPv4 Response (192.0.2.1:32853).
    static let responseIPv4 = bytes("""
        0101003c2112a442b7e7a701bc34d686fa87dfae
        8022000b7465737420766563746f7220
        0020000800 01a147e112a643
        000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7
        80280004c07d4c96
        """)
    /// 2.3 Sample IPv6 Response ([2001:db8:1234:5678:11:2233:4455:6677]:32853).
    static let responseIPv6 = bytes("""
        010100482112a442b7e7a701bc34d686fa87dfae
        8022000b7465737420766563746f7220
        002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9
        00080014a382954e4be67bf11784c97c8292c275bfe3ed41
        80280004c8fb0b4c
        """)
}

@Suite struct STUNTests {
    @Test func zlibCRC32() {
        // The classic check value of CRC-32/ISO-HDLC.
        #expect(CRC32.checksum(Array("123456789".utf8).span) == 0xCBF4_3926)
    }

    @Test func rfc5769SampleRequest() throws {
        let message = try STUNMessage(parsing: RFC5769.request)
        #expect(message.messageClass == .request)
        #expect(message.method == STUNMessage.binding)
        #expect(message.transactionID == RFC5769.transactionID)
        #expect(message.username == "evtj:h6vY")
        #expect(message.priority == 0x6e00_01ff)
        #expect(message.attribute(.iceControlled)?.value == bytes("932ff9b151263b36"))
        #expect(message.attribute(.software)?.value == Array("STUN test client".utf8))
        #expect(message.verifyIntegrity(of: RFC5769.request, key: RFC5769.password))
        #expect(message.verifyFingerprint(of: RFC5769.request))
        #expect(!message.verifyIntegrity(of: RFC5769.request, key: Array("wrong".utf8)))
    }

    @Test func rfc5769SampleResponses() throws {
        for (vector, expected) in [
            (RFC5769.responseIPv4, TransportAddress(host: "192.0.2.1", port: 32853)!),
            (RFC5769.responseIPv6, TransportAddress(host: "2001:db8:1234:5678:11:2233:4455:6677", port: 32853)!),
        ] {
            let message = try STUNMessage(parsing: vector)
            #expect(message.messageClass == .successResponse)
            #expect(try message.xorMappedAddress() == expected)
            #expect(message.verifyIntegrity(of: vector, key: RFC5769.password))
            #expect(message.verifyFingerprint(of: vector))
        }
    }

    /// Our encoder writes the IPv4 sample response's header and attributes
    /// byte for byte; only SOFTWARE's pad byte differs (the RFC pads with a
    /// space, we pad with zero), and since padding is covered by the HMAC,
    /// MESSAGE-INTEGRITY and FINGERPRINT are checked by verification.
    @Test func encoderMatchesRFC5769ResponseLayout() throws {
        let response = STUNMessage(class: .successResponse, transactionID: RFC5769.transactionID, attributes: [
            STUNAttribute(type: .software, value: Array("test vector".utf8)),
            STUNMessage.xorMappedAddress(TransportAddress(host: "192.0.2.1", port: 32853)!, transactionID: RFC5769.transactionID),
        ])
        let ours = response.encoded(integrityKey: RFC5769.password, fingerprint: true)
        #expect(ours.count == RFC5769.responseIPv4.count)
        #expect(Array(ours[0..<35]) == Array(RFC5769.responseIPv4[0..<35]))
        #expect(ours[35] == 0 && RFC5769.responseIPv4[35] == 0x20)
        #expect(Array(ours[36..<52]) == Array(RFC5769.responseIPv4[36..<52]))
        let parsed = try STUNMessage(parsing: ours)
        #expect(parsed.verifyIntegrity(of: ours, key: RFC5769.password))
        #expect(parsed.verifyFingerprint(of: ours))
        // With the RFC's space padding our MAC and CRC are the vector's.
        var spaced = ours
        spaced[35] = 0x20
        let again = STUNMessage(class: .successResponse, transactionID: RFC5769.transactionID, attributes: [
            STUNAttribute(type: .software, value: Array("test vector ".utf8)),
            STUNMessage.xorMappedAddress(TransportAddress(host: "192.0.2.1", port: 32853)!, transactionID: RFC5769.transactionID),
        ]).encoded(integrityKey: nil)
        var withSpaceLength = again
        withSpaceLength[23] = 0x0b  // declare 11 bytes: the 12th becomes padding, as in the RFC
        withSpaceLength[3] = UInt8(RFC5769.responseIPv4.count - 20)
        withSpaceLength += Array(RFC5769.responseIPv4[48...])
        #expect(withSpaceLength == RFC5769.responseIPv4)
    }

    @Test func encodeParseRoundTripIPv6() throws {
        let id = STUNMessage.randomTransactionID()
        let address = TransportAddress(host: "::1", port: 9)!
        let message = STUNMessage(class: .successResponse, transactionID: id,
                                  attributes: [STUNMessage.xorMappedAddress(address, transactionID: id)])
        let wire = message.encoded(integrityKey: [1, 2, 3], fingerprint: true)
        #expect(STUNMessage.isSTUN(wire))
        let parsed = try STUNMessage(parsing: wire)
        #expect(try parsed.xorMappedAddress() == address)
        #expect(parsed.verifyIntegrity(of: wire, key: [1, 2, 3]))
        #expect(parsed.verifyFingerprint(of: wire))
    }

    @Test func refusesMalformed() {
        #expect(throws: STUNError.self) { try STUNMessage(parsing: Array(RFC5769.request.dropLast())) }
        var noCookie = RFC5769.request
        noCookie[4] = 0
        #expect(throws: STUNError.self) { try STUNMessage(parsing: noCookie) }
        var tampered = RFC5769.request
        tampered[30] ^= 1  // inside SOFTWARE: integrity and fingerprint both break
        let message = try? STUNMessage(parsing: tampered)
        #expect(message?.verifyIntegrity(of: tampered, key: RFC5769.password) == false)
        #expect(message?.verifyFingerprint(of: tampered) == false)
    }
}

@Suite struct ICELiteTests {
    let local = ICECredentials(ufrag: "srvU", password: "serverpassword0123456789")
    let remoteUfrag = "brwS"

    func request(username: String = "srvU:brwS", password: String = "serverpassword0123456789",
                 useCandidate: Bool = false, controlled: Bool = false, integrity: Bool = true) -> [UInt8] {
        let id = STUNMessage.randomTransactionID()
        var attrs = [STUNMessage.username(username), STUNAttribute(type: .priority, value: [0x6e, 0, 1, 0xff])]
        attrs.append(STUNAttribute(type: controlled ? .iceControlled : .iceControlling, value: [1, 2, 3, 4, 5, 6, 7, 8]))
        if useCandidate { attrs.append(STUNAttribute(type: .useCandidate, value: [])) }
        return STUNMessage(class: .request, transactionID: id, attributes: attrs)
            .encoded(integrityKey: integrity ? Array(password.utf8) : nil, fingerprint: true)
    }

    @Test func answersValidCheckWithXorMappedAddressIntegrityAndFingerprint() throws {
        let now = DTLSInstant.now
        let ice = ICELiteResponder(local: local, remoteUfrag: remoteUfrag, now: now)
        let source = TransportAddress(host: "127.0.0.1", port: 50000)!
        let datagram = request()
        #expect(ICELiteResponder.localUfrag(of: datagram) == "srvU")
        guard case .success(let response, let newlyValidated, let nominated) = ice.handle(datagram, from: source, now: now) else {
            Issue.record("no success response")
            return
        }
        #expect(newlyValidated && !nominated)
        let parsed = try STUNMessage(parsing: response)
        #expect(parsed.messageClass == .successResponse)
        #expect(parsed.transactionID == Array(datagram[8..<20]))
        #expect(try parsed.xorMappedAddress() == source)
        #expect(parsed.verifyIntegrity(of: response, key: Array(local.password.utf8)))
        #expect(parsed.verifyFingerprint(of: response))
        #expect(ice.isValidated(source))
        #expect(ice.selectedAddress == source && !ice.isNominated)

        guard case .success(_, false, true) = ice.handle(request(useCandidate: true), from: source, now: now) else {
            Issue.record("USE-CANDIDATE not taken")
            return
        }
        #expect(ice.isNominated && ice.counters.nominations == 1)
    }

    @Test func badIntegrityIsIgnoredAndDoesNotValidate() {
        let now = DTLSInstant.now
        let ice = ICELiteResponder(local: local, remoteUfrag: remoteUfrag, now: now)
        let source = TransportAddress(host: "127.0.0.1", port: 50001)!
        #expect(ice.handle(request(password: "not-the-password-at-all-x"), from: source, now: now) == .ignored(.badIntegrity))
        #expect(!ice.isValidated(source) && ice.selectedAddress == nil)
        var corrupted = request()
        corrupted[corrupted.count - 1] ^= 0xff
        #expect(ice.handle(corrupted, from: source, now: now) == .ignored(.badFingerprint))
        #expect(ice.counters.badIntegrity == 1 && ice.counters.badFingerprint == 1)
    }

    @Test func errorResponses() throws {
        let now = DTLSInstant.now
        let ice = ICELiteResponder(local: local, remoteUfrag: remoteUfrag, now: now)
        let source = TransportAddress(host: "127.0.0.1", port: 50002)!
        func code(_ outcome: ICEOutcome) -> Int? {
            if case .error(let response, let code) = outcome {
                #expect((try? STUNMessage(parsing: response))?.errorCode == code)
                return code
            }
            return nil
        }
        #expect(code(ice.handle(request(username: "srvU:other"), from: source, now: now)) == 401)
        #expect(code(ice.handle(request(integrity: false), from: source, now: now)) == 400)
        #expect(code(ice.handle(request(controlled: true), from: source, now: now)) == 487)
        #expect(!ice.isValidated(source))
    }

    @Test func consentExpiresWithoutChecks() {
        let start = DTLSInstant.now
        let ice = ICELiteResponder(local: local, remoteUfrag: remoteUfrag, consentTimeout: .seconds(5), now: start)
        let source = TransportAddress(host: "127.0.0.1", port: 50003)!
        #expect(!ice.consentExpired(now: start + .seconds(4)))
        #expect(ice.consentExpired(now: start + .seconds(5)))
        _ = ice.handle(request(), from: source, now: start + .seconds(4))
        #expect(!ice.consentExpired(now: start + .seconds(8)))
        #expect(ice.consentExpired(now: start + .seconds(9)))
        #expect(ice.consentDeadline == start + .seconds(9))
    }

    @Test func randomCredentialsAreValid() {
        let c = ICECredentials.random()
        #expect(ICECredentials.isValid(ufrag: c.ufrag) && ICECredentials.isValid(password: c.password))
        #expect(c != ICECredentials.random())
    }
}
