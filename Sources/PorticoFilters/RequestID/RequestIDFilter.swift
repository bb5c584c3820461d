import PorticoCore
import PorticoHTTP

/// `request_id` (SPEC F-46): gives every request an id, propagated from the client when it
/// sent a plausible one, else generated; sent upstream, returned to the client, written to
/// the access log and put in gateway error bodies.
///
/// ```yaml
/// request-id: { type: request_id, header: X-Request-ID, trust_incoming: true }
/// ```
public struct RequestIDFilter: HTTPFilter {
    /// The filter's configuration.
    public struct Configuration: FilterConfiguration {
        public static let typeName = "request_id"
        /// The header carrying the id (default `X-Request-ID`).
        public var header: String
        /// Keep an id the client sent (default true); false always generates a new one.
        public var trustIncoming: Bool
        /// Return the id to the client in the response (default true).
        public var echoToClient: Bool

        enum CodingKeys: String, CodingKey {
            case header
            case trustIncoming = "trust_incoming"
            case echoToClient = "response_header"
        }

        /// A configuration with the defaults.
        public init(header: String = "X-Request-ID", trustIncoming: Bool = true, echoToClient: Bool = true) {
            self.header = header
            self.trustIncoming = trustIncoming
            self.echoToClient = echoToClient
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.header = try container.decodeIfPresent(String.self, forKey: .header) ?? "X-Request-ID"
            self.trustIncoming = try container.decodeIfPresent(Bool.self, forKey: .trustIncoming) ?? true
            self.echoToClient = try container.decodeIfPresent(Bool.self, forKey: .echoToClient) ?? true
            guard HTTPSyntax.isValidFieldName(self.header) else {
                throw ConfigIssue(
                    "'\(self.header)' is not a valid header name", key: "header", hint: "e.g. header: X-Request-ID")
            }
        }

        public func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
            RequestIDFilter(configuration: self)
        }
    }

    let configuration: Configuration

    /// A filter.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Incoming ids are accepted only when short and made of safe characters, so a client
    /// cannot inject arbitrary text into logs.
    static func isAcceptable(_ id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= 128
            && bytes.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                    || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-")
                    || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":")
            }
    }

    public func onRequest(_ context: inout RequestContext) -> FilterDecision {
        if self.configuration.trustIncoming, let incoming = context.request.headers[self.configuration.header],
            Self.isAcceptable(incoming)
        {
            context.requestID = incoming
        } else {
            context.requestID = context.makeRequestID()
        }
        return .proceed
    }

    public func onUpstreamRequest(_ request: inout RequestHead, context: RequestContext) {
        if let id = context.requestID {
            request.headers.set(name: self.configuration.header, value: id)
        }
    }

    public func onResponse(_ response: inout ResponseHead, context: RequestContext) {
        if self.configuration.echoToClient, let id = context.requestID {
            response.headers.set(name: self.configuration.header, value: id)
        }
    }
}
