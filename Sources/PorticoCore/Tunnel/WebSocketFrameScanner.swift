import NIOCore

/// Follows WebSocket frame boundaries (RFC 6455 §5.2) in one direction of a tunnel to
/// enforce a maximum message size, without decoding or copying payloads.
///
/// Only frame headers are read; payload bytes are skipped by count. A message is the data
/// frame that starts it plus its continuation frames up to the one with FIN; control frames
/// in between do not count.
public struct WebSocketFrameScanner: Sendable {
    /// The verdict after a chunk of bytes.
    public enum Verdict: Equatable, Sendable {
        /// Within limits so far.
        case ok
        /// A message exceeded the limit.
        case messageTooLarge
        /// The bytes are not a valid frame sequence.
        case protocolError
    }

    private let maxMessageBytes: Int
    private var header: [UInt8] = []
    private var payloadRemaining: UInt64 = 0
    private var messageBytes: UInt64 = 0
    private var inFragmentedMessage = false

    /// A scanner allowing messages up to `maxMessageBytes`.
    public init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
        self.header.reserveCapacity(14)
    }

    /// Scans the next bytes of the stream.
    public mutating func scan(_ buffer: ByteBuffer) -> Verdict {
        buffer.withUnsafeReadableBytes { bytes in
            var index = 0
            while index < bytes.count {
                if self.payloadRemaining > 0 {
                    let skip = Int(min(self.payloadRemaining, UInt64(bytes.count - index)))
                    self.payloadRemaining -= UInt64(skip)
                    index += skip
                    continue
                }
                self.header.append(bytes[index])
                index += 1
                switch self.headerComplete() {
                case .needMore: continue
                case .invalid: return .protocolError
                case .complete(let fin, let opcode, let length):
                    self.header.removeAll(keepingCapacity: true)
                    if opcode >= 8 {
                        // Control frame: ≤125 bytes, never fragmented (RFC 6455 §5.5).
                        guard fin, length <= 125 else { return .protocolError }
                    } else {
                        if opcode == 0 {
                            guard self.inFragmentedMessage else { return .protocolError }
                        } else {
                            guard !self.inFragmentedMessage, opcode <= 2 else { return .protocolError }
                            self.messageBytes = 0
                        }
                        self.messageBytes += length
                        if self.messageBytes > UInt64(self.maxMessageBytes) { return .messageTooLarge }
                        self.inFragmentedMessage = !fin
                    }
                    self.payloadRemaining = length
                }
            }
            return .ok
        }
    }

    private enum HeaderState {
        case needMore
        case invalid
        case complete(fin: Bool, opcode: UInt8, length: UInt64)
    }

    private func headerComplete() -> HeaderState {
        guard self.header.count >= 2 else { return .needMore }
        let fin = self.header[0] & 0x80 != 0
        let opcode = self.header[0] & 0x0F
        let masked = self.header[1] & 0x80 != 0
        let shortLength = self.header[1] & 0x7F
        let lengthBytes = shortLength == 126 ? 2 : (shortLength == 127 ? 8 : 0)
        let needed = 2 + lengthBytes + (masked ? 4 : 0)
        guard self.header.count >= needed else { return .needMore }
        if (3...7).contains(opcode) || opcode > 10 { return .invalid }
        var length = UInt64(shortLength)
        if lengthBytes > 0 {
            length = 0
            for offset in 0..<lengthBytes { length = length << 8 | UInt64(self.header[2 + offset]) }
            if lengthBytes == 8 && length >> 63 != 0 { return .invalid }
        }
        return .complete(fin: fin, opcode: opcode, length: length)
    }
}
