/// Finished (RFC 5246 7.4.9): 12 bytes of verify_data for every suite here.
package struct Finished: Hashable, Sendable {
    package static let verifyDataLength = 12
    package var verifyData: [UInt8]

    package init(verifyData: [UInt8]) { self.verifyData = verifyData }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        verifyData = try reader.readBytes(Self.verifyDataLength)
        try reader.expectEnd()
    }

    package func write(to writer: inout ByteWriter) { writer.writeBytes(verifyData) }
}
