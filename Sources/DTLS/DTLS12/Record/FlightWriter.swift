import DTLSCrypto

/// Writing records and flights into datagrams: fragmentation to the MTU,
/// packing several records per datagram, sealing, retransmission.
extension DTLS12Engine {
    static func recordOverhead(epoch: UInt16) -> Int {
        RecordHeader.length + (epoch == 0 ? 0 : RecordProtection.overhead)
    }

    /// Writes one whole record into `buffer`; `body` appends the plaintext.
    final func appendRecord(_ buffer: inout [UInt8], type: ContentType, epoch: UInt16,
                            body: (inout [UInt8]) -> Void) throws(DTLSError) {
        let headerStart = buffer.count
        guard let (protection, sequence) = io.claimRecordNumber(epoch: epoch) else {
            throw DTLSError.internalError("no write keys for epoch \(epoch)")
        }
        RecordHeader.append(to: &buffer, type: type, epoch: epoch, sequence: sequence)
        if let protection {
            for _ in 0..<RecordProtection.explicitNonceLength { buffer.append(0) }
            let start = buffer.count
            body(&buffer)
            let length = buffer.count - start
            for _ in 0..<AESGCM.tagLength { buffer.append(0) }
            do {
                try protection.seal(&buffer, headerStart: headerStart, plaintextLength: length, type: type,
                                    version: .dtls12, epoch: epoch, sequence: sequence)
            } catch {
                throw DTLSError.internalError("seal: \(error)")
            }
        } else {
            let start = buffer.count
            body(&buffer)
            RecordHeader.patchLength(&buffer, headerAt: headerStart, length: buffer.count - start)
        }
    }

    /// Queues an alert in the current write epoch, in its own datagram.
    final func sendAlert(_ alert: Alert) {
        var buffer = io.takeBuffer()
        do {
            try appendRecord(&buffer, type: .alert, epoch: io.writeEpoch) { b in
                b.append(alert.level.rawValue)
                b.append(alert.description.rawValue)
            }
            io.enqueue(.packet, buffer)
        } catch {
            // Nothing more can be said to a peer we cannot seal for.
        }
    }

    /// Sends a new flight and arms its retransmission timer.
    final func sendFlight(_ flight: Flight, now: DTLSInstant) throws(DTLSError) {
        lastFlight = flight
        if let hs = handshake {
            let next = hs.reassembler.nextSequence
            hs.answeredPeerMessage = next > 0 ? next - 1 : nil
        }
        retransmitInterval = config.initialRetransmitTimeout
        try transmit(flight)
        retransmitAt = flight.retransmitsOnTimer ? now + retransmitInterval : nil
    }

    /// Takes over a flight another engine already sent (the two-version
    /// ClientHello): kept and armed for retransmission, not sent again;
    /// epoch-0 records number on from `nextRecordSequence`.
    final func adoptFlight(_ flight: Flight, nextRecordSequence: UInt64, now: DTLSInstant) {
        lastFlight = flight
        io.writeSequence = nextRecordSequence
        retransmitInterval = config.initialRetransmitTimeout
        retransmitAt = flight.retransmitsOnTimer ? now + retransmitInterval : nil
    }

    /// Resends the last flight with fresh record sequence numbers (RFC 6347 4.2.4).
    final func retransmitFlight(now: DTLSInstant) {
        guard let flight = lastFlight else { return }
        do {
            try transmit(flight)
        } catch {
            fail(error)
            return
        }
        if flight.retransmitsOnTimer { retransmitAt = now + retransmitInterval }
    }

    /// Fragments each handshake message to the MTU and packs records into
    /// as few datagrams as fit.
    final func transmit(_ flight: Flight) throws(DTLSError) {
        let mtu = config.mtu
        var current = io.takeBuffer()
        func flush() {
            if !current.isEmpty {
                io.enqueue(.packet, current)
                current = io.takeBuffer()
            }
        }
        for item in flight.items {
            switch item {
            case .changeCipherSpec:
                if current.count + Self.recordOverhead(epoch: 0) + 1 > mtu { flush() }
                try appendRecord(&current, type: .changeCipherSpec, epoch: 0) { $0.append(1) }
            case .handshake(let type, let sequence, let body, let epoch):
                let overhead = Self.recordOverhead(epoch: epoch) + HandshakeHeader.length
                var offset = 0
                repeat {
                    let remaining = body.count - offset
                    var space = mtu - current.count - overhead
                    // Start a new datagram rather than send a sliver.
                    if space < min(remaining, 64), !current.isEmpty {
                        flush()
                        space = mtu - overhead
                    }
                    let length = max(0, min(remaining, max(space, 1)))
                    let header = HandshakeHeader(type: type, length: UInt32(body.count), messageSequence: sequence,
                                                 fragmentOffset: UInt32(offset), fragmentLength: UInt32(length))
                    let start = offset
                    try appendRecord(&current, type: .handshake, epoch: epoch) { b in
                        var w = ByteWriter(reusing: [])
                        header.write(to: &w)
                        b.append(contentsOf: w.bytes)
                        b.append(contentsOf: body[start..<(start + length)])
                    }
                    offset += length
                } while offset < body.count
            }
        }
        flush()
        io.recycle(current)
    }
}
