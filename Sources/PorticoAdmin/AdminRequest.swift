import Foundation
import NIOHTTP1

import enum PorticoHTTP.JSONText

/// An admin API request, fully read (admin bodies are small and bounded).
public struct AdminRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The path, without the query.
    public var path: String
    /// The query string, if any.
    public var query: String?
    /// The headers.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a request.
    public init(method: HTTPMethod, path: String, query: String? = nil, headers: HTTPHeaders = [:], body: [UInt8] = [])
    {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// An admin API response.
public struct AdminResponse: Sendable {
    /// The status.
    public var status: HTTPResponseStatus
    /// The content type.
    public var contentType: String
    /// The body.
    public var body: String
    /// Extra headers.
    public var headers: [(String, String)]

    /// Creates a response.
    public init(
        status: HTTPResponseStatus = .ok, contentType: String = "application/json", body: String,
        headers: [(String, String)] = []
    ) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// A JSON error body `{"error": message}`.
    public static func error(_ status: HTTPResponseStatus, _ message: String) -> AdminResponse {
        var body = "{\"error\":"
        JSONText.appendString(message, to: &body)
        return AdminResponse(status: status, body: body + "}\n")
    }

    /// A JSON body encoded from a value (control plane: `JSONEncoder` is fine here).
    public static func json<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) -> AdminResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else {
            return .error(.internalServerError, "could not encode the response")
        }
        return AdminResponse(status: status, body: String(decoding: data, as: UTF8.self) + "\n")
    }
}
