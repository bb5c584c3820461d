import NIOCore

/// The two messages of the standard gRPC health protocol (`grpc/health/v1/health.proto`) and the
/// gRPC length-prefixed framing, encoded by hand.
///
/// Why by hand: each message has one field (`HealthCheckRequest.service = 1`, a string;
/// `HealthCheckResponse.status = 1`, an enum), so a few lines of varint code replace grpc-swift and
/// swift-protobuf, which would add two large packages to the gateway for one unary call.
enum GRPCHealth {
    /// The method path of `grpc.health.v1.Health/Check`.
    static let checkPath = "/grpc.health.v1.Health/Check"

    /// `HealthCheckResponse.ServingStatus.SERVING`.
    static let serving = 1

    /// The name of a `ServingStatus` value, for failure reasons.
    static func servingStatusName(_ status: Int) -> String {
        switch status {
        case 0: "UNKNOWN"
        case 1: "SERVING"
        case 2: "NOT_SERVING"
        case 3: "SERVICE_UNKNOWN"
        default: "\(status)"
        }
    }

    /// A gRPC message frame (uncompressed flag, 4-byte big-endian length) carrying
    /// `HealthCheckRequest { service }`. An empty service is left out, as proto3 does for defaults.
    static func requestFrame(service: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var message = allocator.buffer(capacity: service.utf8.count + 8)
        if !service.isEmpty {
            writeVarint(UInt64(1 << 3 | 2), into: &message)  // field 1, wire type 2 (length-delimited)
            writeVarint(UInt64(service.utf8.count), into: &message)
            message.writeString(service)
        }
        return frame(message, allocator: allocator)
    }

    /// A gRPC frame carrying `HealthCheckResponse { status }` (used by test servers).
    static func responseFrame(status: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var message = allocator.buffer(capacity: 8)
        if status != 0 {
            writeVarint(UInt64(1 << 3 | 0), into: &message)  // field 1, wire type 0 (varint)
            writeVarint(UInt64(status), into: &message)
        }
        return frame(message, allocator: allocator)
    }

    /// Wraps a message in the gRPC length prefix.
    static func frame(_ message: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var framed = allocator.buffer(capacity: message.readableBytes + 5)
        framed.writeInteger(UInt8(0))
        framed.writeInteger(UInt32(message.readableBytes))
        framed.writeImmutableBuffer(message)
        return framed
    }

    /// Reads the first complete gRPC message from `buffer`; `nil` when the frame is incomplete.
    static func readMessage(from buffer: inout ByteBuffer) throws(ProbeFailure) -> ByteBuffer? {
        guard let compressed = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            let length = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self)
        else { return nil }
        guard compressed == 0 else {
            throw .protocolError("compressed gRPC message (compression was not offered)")
        }
        guard buffer.readableBytes >= 5 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 5)
        return buffer.readSlice(length: Int(length))
    }

    /// Decodes `HealthCheckRequest` and returns its `service` (used by test servers).
    static func decodeRequest(_ message: ByteBuffer) throws(ProbeFailure) -> String {
        var service = ""
        try forEachField(in: message) { (field, value) throws(ProbeFailure) in
            if field == 1, case .bytes(let bytes) = value {
                service = String(buffer: bytes)
            }
        }
        return service
    }

    /// Decodes `HealthCheckResponse` and returns its `status` (0, UNKNOWN, when absent).
    static func decodeResponse(_ message: ByteBuffer) throws(ProbeFailure) -> Int {
        var status = 0
        try forEachField(in: message) { (field, value) throws(ProbeFailure) in
            if field == 1, case .varint(let raw) = value {
                // Enums are int32 on the wire; negative values come as ten-byte varints.
                status = Int(truncatingIfNeeded: Int32(truncatingIfNeeded: raw))
            }
        }
        return status
    }

    enum FieldValue {
        case varint(UInt64)
        case bytes(ByteBuffer)
        case fixed
    }

    /// Walks the fields of a protobuf message, skipping the wire types it does not need.
    static func forEachField(
        in message: ByteBuffer,
        _ body: (Int, FieldValue) throws(ProbeFailure) -> Void
    ) throws(ProbeFailure) {
        var message = message
        while message.readableBytes > 0 {
            let key = try readVarint(from: &message)
            let field = Int(truncatingIfNeeded: key >> 3)
            switch key & 7 {
            case 0:
                try body(field, .varint(try readVarint(from: &message)))
            case 1, 5:
                let width = key & 7 == 1 ? 8 : 4
                guard message.readSlice(length: width) != nil else { throw .protocolError("truncated protobuf field") }
                try body(field, .fixed)
            case 2:
                let length = try readVarint(from: &message)
                guard length <= UInt64(message.readableBytes), let bytes = message.readSlice(length: Int(length))
                else { throw .protocolError("truncated protobuf field") }
                try body(field, .bytes(bytes))
            default:
                throw .protocolError("unsupported protobuf wire type \(key & 7)")
            }
        }
    }

    static func writeVarint(_ value: UInt64, into buffer: inout ByteBuffer) {
        var value = value
        while value >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        buffer.writeInteger(UInt8(value))
    }

    static func readVarint(from buffer: inout ByteBuffer) throws(ProbeFailure) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            guard let byte = buffer.readInteger(as: UInt8.self) else { throw .protocolError("truncated varint") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw .protocolError("varint too long")
    }

    /// Decodes a `grpc-message` value, which is percent-encoded.
    static func decodeMessage(_ value: String) -> String {
        guard value.contains("%") else { return value }
        var bytes: [UInt8] = []
        var utf8 = value.utf8[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let high = hexValue(utf8[utf8.startIndex]),
                let low = hexValue(utf8[utf8.index(after: utf8.startIndex)])
            {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
