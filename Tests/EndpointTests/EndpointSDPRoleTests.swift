import DTLS
import DTLSEndpoint
import Testing

@Suite struct EndpointSDPRoleTests {
    @Test func parsesSetupValuesInEveryForm() throws {
        #expect(try SDPSetup(sdp: "actpass") == .actpass)
        #expect(try SDPSetup(sdp: "a=setup:active") == .active)
        #expect(try SDPSetup(sdp: "setup:passive") == .passive)
        #expect(try SDPSetup(sdp: "  a=setup:holdconn\r\n") == .holdconn)
        #expect(throws: EndpointError.invalidSetupAttribute("ACTIVE")) { try SDPSetup(sdp: "ACTIVE") }
        #expect(throws: EndpointError.invalidSetupAttribute("a=setup:")) { try SDPSetup(sdp: "a=setup:") }
        #expect(SDPSetup.active.sdpAttribute == "a=setup:active")
    }

    @Test func localSetupMapsActiveToClientAndPassiveToServer() throws {
        #expect(try DTLSRole(localSetup: .active) == .client)
        #expect(try DTLSRole(localSetup: .passive) == .server)
        #expect(throws: EndpointError.setupNotNegotiable(.actpass)) { try DTLSRole(localSetup: .actpass) }
        #expect(throws: EndpointError.setupNotNegotiable(.holdconn)) { try DTLSRole(localSetup: .holdconn) }
        #expect(DTLSRole.client.sdpSetup == .active)
        #expect(DTLSRole.server.sdpSetup == .passive)
        #expect(DTLSRole.client.opposite == .server)
    }

    /// RFC 8842 5.3: the answerer to actpass MUST pick active or passive and
    /// SHOULD pick active.
    @Test func answererToActpassChoosesActiveByDefault() throws {
        #expect(try SDPSetup.actpass.answer() == .active)
        #expect(try SDPSetup.actpass.answer(preferring: .server) == .passive)
        #expect(try SDPSetup.active.answer() == .passive)
        #expect(try SDPSetup.passive.answer(preferring: .server) == .active)
        #expect(throws: EndpointError.setupNotNegotiable(.holdconn)) { try SDPSetup.holdconn.answer() }
    }

    @Test func offerAnswerGivesComplementaryRoles() throws {
        for offer in [SDPSetup.actpass, .active, .passive] {
            let answer = try offer.answer()
            let offerer = try DTLSRole(offer: offer, answer: answer, localIsOfferer: true)
            let answerer = try DTLSRole(offer: offer, answer: answer, localIsOfferer: false)
            #expect(offerer == answerer.opposite, "\(offer) / \(answer)")
        }
        // The common WebRTC case: offer actpass, answer active -> offerer is the DTLS server.
        #expect(try DTLSRole(offer: .actpass, answer: .active, localIsOfferer: true) == .server)
        #expect(try DTLSRole(offer: .actpass, answer: .active, localIsOfferer: false) == .client)
    }

    @Test func invalidAnswersAreRefused() {
        #expect(throws: EndpointError.setupNotNegotiable(.actpass)) {
            try DTLSRole(offer: .actpass, answer: .actpass, localIsOfferer: true)
        }
        #expect(throws: EndpointError.inconsistentSetup(offer: .active, answer: .active)) {
            try DTLSRole(offer: .active, answer: .active, localIsOfferer: false)
        }
        #expect(throws: EndpointError.inconsistentSetup(offer: .passive, answer: .passive)) {
            try DTLSRole(offer: .passive, answer: .passive, localIsOfferer: false)
        }
        #expect(throws: EndpointError.setupNotNegotiable(.holdconn)) {
            try DTLSRole(offer: .holdconn, answer: .active, localIsOfferer: false)
        }
    }
}
