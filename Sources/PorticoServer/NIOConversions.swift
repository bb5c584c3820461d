import NIOCore
import NIOHTTP1
import PorticoHTTP

// Conversions between NIO's HTTP/1 types and Portico's own head types. They live at the
// codec edge so routing, filters and the request flow never see NIO's HTTP/1 model, and a
// different codec can replace this one without touching them.

extension PorticoHTTP.HTTPMethod {
    init(_ method: NIOHTTP1.HTTPMethod) {
        switch method {
        case .GET: self = .GET
        case .HEAD: self = .HEAD
        case .POST: self = .POST
        case .PUT: self = .PUT
        case .DELETE: self = .DELETE
        case .CONNECT: self = .CONNECT
        case .OPTIONS: self = .OPTIONS
        case .TRACE: self = .TRACE
        case .PATCH: self = .PATCH
        default: self = .other(method.rawValue)
        }
    }

    var nio: NIOHTTP1.HTTPMethod {
        switch self {
        case .GET: .GET
        case .HEAD: .HEAD
        case .POST: .POST
        case .PUT: .PUT
        case .DELETE: .DELETE
        case .CONNECT: .CONNECT
        case .OPTIONS: .OPTIONS
        case .TRACE: .TRACE
        case .PATCH: .PATCH
        case .other(let token): NIOHTTP1.HTTPMethod(rawValue: token)
        }
    }
}

extension PorticoHTTP.HTTPVersion {
    init(_ version: NIOHTTP1.HTTPVersion) {
        self.init(major: Int(version.major), minor: Int(version.minor))
    }

    var nio: NIOHTTP1.HTTPVersion {
        NIOHTTP1.HTTPVersion(major: self.major, minor: self.minor)
    }
}

extension HeaderList {
    init(_ headers: HTTPHeaders) {
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(headers.count + 6)
        for (name, value) in headers {
            pairs.append((name, value))
        }
        self.init(pairs)
    }

    /// Shares the pair array with NIO's `HTTPHeaders` (same storage shape): no copy.
    var nio: HTTPHeaders {
        HTTPHeaders(self.pairs)
    }
}

extension RequestHead {
    init(_ head: HTTPRequestHead) {
        self.init(
            method: .init(head.method), target: head.uri, version: .init(head.version), headers: .init(head.headers))
    }

    var nio: HTTPRequestHead {
        HTTPRequestHead(version: self.version.nio, method: self.method.nio, uri: self.target, headers: self.headers.nio)
    }
}

extension ResponseHead {
    init(_ head: HTTPResponseHead) {
        self.init(
            status: Int(head.status.code), reason: head.status.reasonPhrase, version: .init(head.version),
            headers: .init(head.headers))
    }

    var nio: HTTPResponseHead {
        let status: HTTPResponseStatus
        if let reason, !reason.isEmpty, HTTPResponseStatus(statusCode: self.status).reasonPhrase != reason {
            status = HTTPResponseStatus(statusCode: self.status, reasonPhrase: reason)
        } else {
            status = HTTPResponseStatus(statusCode: self.status)
        }
        return HTTPResponseHead(version: self.version.nio, status: status, headers: self.headers.nio)
    }
}
