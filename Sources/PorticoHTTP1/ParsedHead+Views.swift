import NIOCore
import PorticoHTTP

// Parsed heads as Portico's own head types, which routing, filters and the request flow read
// whatever codec produced them.

extension RequestHead {
    /// The request `parsed` holds.
    public init(_ parsed: ParsedHead) {
        let (method, target, headers) = parsed.bytes.withUnsafeReadableBytes { all in
            (
                HTTPMethod(bytes: UnsafeRawBufferPointer(rebasing: all[parsed.startLine.first])),
                String(decoding: UnsafeRawBufferPointer(rebasing: all[parsed.startLine.second]), as: UTF8.self),
                parsed.headerList(all)
            )
        }
        self.init(method: method, target: target, version: parsed.version, headers: headers)
    }
}

extension ResponseHead {
    /// The response `parsed` holds. The reason phrase is kept only when it is not the
    /// standard one (most are, and then nothing is allocated for it).
    public init(_ parsed: ParsedHead) {
        let (reason, headers) = parsed.bytes.withUnsafeReadableBytes { all in
            let reasonBytes = UnsafeRawBufferPointer(rebasing: all[parsed.startLine.third])
            let standard = HTTP1Serializer.reasonPhrase(parsed.status)
            let isStandard =
                reasonBytes.count == standard.utf8CodeUnitCount
                && standard.withUTF8Buffer { reasonBytes.elementsEqual($0) }
            let reason: String? =
                reasonBytes.isEmpty || isStandard ? nil : String(decoding: reasonBytes, as: UTF8.self)
            return (reason, parsed.headerList(all))
        }
        self.init(status: parsed.status, reason: reason, version: parsed.version, headers: headers)
    }
}

extension ParsedHead {
    /// The fields as a ``HeaderList`` (room for the few the proxy adds).
    fileprivate func headerList(_ all: UnsafeRawBufferPointer) -> HeaderList {
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(self.fields.count + 6)
        for field in self.fields {
            pairs.append(
                (
                    String(decoding: UnsafeRawBufferPointer(rebasing: all[self.nameRange(field)]), as: UTF8.self),
                    String(decoding: UnsafeRawBufferPointer(rebasing: all[self.valueRange(field)]), as: UTF8.self)
                ))
        }
        return HeaderList(pairs)
    }
}

extension HTTPMethod {
    /// The method a request line's token names; the common ones without building a string.
    public init(bytes: UnsafeRawBufferPointer) {
        switch bytes.count {
        case 3:
            if Self.equals(bytes, "GET") {
                self = .GET
                return
            }
            if Self.equals(bytes, "PUT") {
                self = .PUT
                return
            }
        case 4:
            if Self.equals(bytes, "POST") {
                self = .POST
                return
            }
            if Self.equals(bytes, "HEAD") {
                self = .HEAD
                return
            }
        case 5:
            if Self.equals(bytes, "PATCH") {
                self = .PATCH
                return
            }
            if Self.equals(bytes, "TRACE") {
                self = .TRACE
                return
            }
        case 6:
            if Self.equals(bytes, "DELETE") {
                self = .DELETE
                return
            }
        case 7:
            if Self.equals(bytes, "OPTIONS") {
                self = .OPTIONS
                return
            }
            if Self.equals(bytes, "CONNECT") {
                self = .CONNECT
                return
            }
        default:
            break
        }
        self = .other(String(decoding: bytes, as: UTF8.self))
    }

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ token: StaticString) -> Bool {
        token.withUTF8Buffer { bytes.elementsEqual($0) }
    }
}
