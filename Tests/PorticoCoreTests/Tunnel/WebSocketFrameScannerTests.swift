import NIOCore
import PorticoCore
import Testing

@Suite struct WebSocketFrameScannerTests {
    private func frame(opcode: UInt8, fin: Bool = true, length: Int, masked: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if length < 126 {
            bytes.append(maskBit | UInt8(length))
        } else if length <= 0xFFFF {
            bytes += [maskBit | 126, UInt8(length >> 8), UInt8(length & 0xFF)]
        } else {
            bytes.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((length >> shift) & 0xFF)) }
        }
        if masked { bytes += [1, 2, 3, 4] }
        return bytes + Array(repeating: 0x41, count: length)
    }

    @Test func acceptsMessagesWithinTheLimitInAnySplit() {
        let stream =
            self.frame(opcode: 1, length: 100) + self.frame(opcode: 9, length: 5) + self.frame(opcode: 2, length: 300)
        for split in [1, 2, 3, 7, 64, stream.count] {
            var scanner = WebSocketFrameScanner(maxMessageBytes: 300)
            var index = 0
            while index < stream.count {
                let end = min(index + split, stream.count)
                #expect(scanner.scan(ByteBuffer(bytes: stream[index..<end])) == .ok)
                index = end
            }
        }
    }

    @Test func countsFragmentsOfOneMessageTogether() {
        var scanner = WebSocketFrameScanner(maxMessageBytes: 150)
        #expect(scanner.scan(ByteBuffer(bytes: self.frame(opcode: 1, fin: false, length: 100))) == .ok)
        #expect(scanner.scan(ByteBuffer(bytes: self.frame(opcode: 10, length: 3))) == .ok)  // pong in between
        #expect(scanner.scan(ByteBuffer(bytes: self.frame(opcode: 0, fin: true, length: 60))) == .messageTooLarge)
    }

    @Test func rejectsOversizedAndBrokenFrames() {
        var big = WebSocketFrameScanner(maxMessageBytes: 70_000)
        #expect(
            big.scan(ByteBuffer(bytes: Array(self.frame(opcode: 2, length: 70_001).prefix(14)))) == .messageTooLarge)
        var reserved = WebSocketFrameScanner(maxMessageBytes: 10)
        #expect(reserved.scan(ByteBuffer(bytes: [0x83, 0x80, 1, 2, 3, 4])) == .protocolError)
        var orphan = WebSocketFrameScanner(maxMessageBytes: 10)
        #expect(orphan.scan(ByteBuffer(bytes: self.frame(opcode: 0, length: 1))) == .protocolError)
        var longControl = WebSocketFrameScanner(maxMessageBytes: 1000)
        #expect(longControl.scan(ByteBuffer(bytes: self.frame(opcode: 9, length: 200))) == .protocolError)
    }
}
