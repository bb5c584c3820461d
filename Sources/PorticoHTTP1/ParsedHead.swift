import NIOCore
import PorticoHTTP

/// A message head parsed in place: the head's bytes plus byte ranges into them, so nothing
/// is copied or turned into a `String` until someone asks.
public struct ParsedHead: Sendable {
    /// A header field's position in ``bytes``.
    public struct Field: Sendable, Equatable {
        public var nameStart: UInt32
        public var nameLength: UInt32
        public var valueStart: UInt32
        public var valueLength: UInt32
        /// The field if it is one the proxy acts on.
        public var known: KnownHeader?
    }

    /// The head, from the start line through the blank line that ends it.
    public var bytes: ByteBuffer
    /// Request: the method token. Response: `HTTP-version`.
    public var startLine: (first: Range<Int>, second: Range<Int>, third: Range<Int>)
    /// The protocol version (1.0 or 1.1).
    public var version: HTTPVersion
    /// Response status code (0 for requests).
    public var status: Int
    /// The header fields, in order.
    public var fields: [Field]

    /// The bytes of a range of ``bytes``.
    @inlinable
    public func withBytes<T>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try self.bytes.withUnsafeReadableBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[range]))
        }
    }

    /// A range as a `String`.
    public func string(_ range: Range<Int>) -> String {
        self.withBytes(range) { String(decoding: $0, as: UTF8.self) }
    }

    /// A field's name range.
    @inlinable
    public func nameRange(_ field: Field) -> Range<Int> {
        Int(field.nameStart)..<Int(field.nameStart + field.nameLength)
    }

    /// A field's value range.
    @inlinable
    public func valueRange(_ field: Field) -> Range<Int> {
        Int(field.valueStart)..<Int(field.valueStart + field.valueLength)
    }
}
