import DTLSCrypto
import Testing

@Suite struct TLSPRFTests {
    static func hash(_ name: String) -> HashAlgorithm? {
        switch name {
        case "sha256": .sha256
        case "sha384": .sha384
        case "sha512": .sha512
        default: nil  // sha224 rows: not a TLS 1.2 PRF hash we support
        }
    }

    @Test func ietfAndNISTVectors() throws {
        let json = try Vectors.json("tls12_prf.json")
        let rows = (json["ietf_list_vectors"] as! [[String: Any]]) + (json["openssl_nist_vectors"] as! [[String: Any]])
        var run = 0
        for row in rows {
            guard let algorithm = Self.hash(row["hash"] as! String) else { continue }
            let expected = [UInt8](hex: row["output"] as! String)
            let out = try TLSPRF.derive(algorithm,
                                        secret: [UInt8](hex: row["secret"] as! String).span,
                                        label: Array((row["label_ascii"] as! String).utf8).span,
                                        seed: [UInt8](hex: row["seed"] as! String).span,
                                        count: expected.count)
            #expect(out == expected, "\(row["hash"]!) \(row["label_ascii"]!)")
            run += 1
        }
        #expect(run == 5)  // sha256, sha384, sha512 list rows + 2 NIST rows
    }

    @Test func extendedMasterSecretAndKeyBlockVectors() throws {
        let json = try Vectors.json("tls12_ems_exporter.json")
        let rows = json["ems_acvp"] as! [[String: Any]]
        #expect(rows.count == 4)
        for row in rows {
            let algorithm = try #require(Self.hash(row["hash"] as! String))
            let master = try TLSPRF.derive(algorithm,
                                           secret: [UInt8](hex: row["pre_master_secret"] as! String).span,
                                           label: Array("extended master secret".utf8).span,
                                           seed: [UInt8](hex: row["session_hash"] as! String).span, count: 48)
            #expect(master.hex == row["master_secret"] as! String)
            let keyBlock = try TLSPRF.derive(algorithm, secret: master.span,
                                             label: Array("key expansion".utf8).span,
                                             seed: ([UInt8](hex: row["server_random"] as! String) + [UInt8](hex: row["client_random"] as! String)).span,
                                             count: 128)
            #expect(keyBlock.hex == row["key_block_128_bytes"] as! String)
        }
        for row in json["ems_label_prf_openssl"] as! [[String: Any]] {
            let expected = [UInt8](hex: row["output"] as! String)
            let out = try TLSPRF.derive(.sha256, secret: [UInt8](hex: row["secret"] as! String).span,
                                        label: Array((row["label_ascii"] as! String).utf8).span,
                                        seed: [UInt8](hex: row["seed"] as! String).span, count: expected.count)
            #expect(out == expected)
        }
    }

    /// RFC 5705 exporter with the DTLS-SRTP label, including the pion vector
    /// that runs the PRF over an empty secret.
    @Test func dtlsSRTPExporterVectors() throws {
        let json = try Vectors.json("tls12_ems_exporter.json")
        let pion = json["exporter_pion_dtls"] as! [String: Any]
        let label = Array("EXTRACTOR-dtls_srtp".utf8)
        let local = [UInt8](hex: pion["local_random_when_server"] as! String)
        let remote = [UInt8](hex: pion["remote_random_when_server"] as! String)
        // Server view: client_random is the remote one.
        let serverView = try TLSPRF.derive(.sha256, secret: [UInt8]().span, label: label.span, seed: (remote + local).span, count: 10)
        #expect(serverView.hex == pion["expected_server_view"] as! String)
        let clientView = try TLSPRF.derive(.sha256, secret: [UInt8]().span, label: label.span, seed: (local + remote).span, count: 10)
        #expect(clientView.hex == pion["expected_client_view"] as! String)

        let derived = json["dtls_srtp_exporter_derived"] as! [String: Any]
        for profile in derived["profiles"] as! [[String: Any]] {
            let out = try TLSPRF.derive(.sha256, secret: [UInt8](hex: derived["master_secret"] as! String).span, label: label.span,
                                        seed: ([UInt8](hex: derived["client_random"] as! String) + [UInt8](hex: derived["server_random"] as! String)).span,
                                        count: profile["length"] as! Int)
            #expect(out.hex == profile["keying_material"] as! String)
        }
    }

    @Test func verifyDataLengthAndZeroCount() throws {
        let out = try TLSPRF.derive(.sha256, secret: [1, 2, 3].span, label: Array("client finished".utf8).span, seed: [UInt8](repeating: 0, count: 32).span, count: 12)
        #expect(out.count == 12)
        #expect(try TLSPRF.derive(.sha256, secret: [1].span, label: [1].span, seed: [1].span, count: 0).isEmpty)
    }
}
