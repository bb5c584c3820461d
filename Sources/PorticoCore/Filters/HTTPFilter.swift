import NIOCore
import PorticoHTTP

/// A request policy attached to routes: authentication, rate limiting, header rewriting...
///
/// A filter instance is built once per config snapshot by its ``FilterConfiguration`` and
/// shared by every event loop, so it must be `Sendable`; state that changes per request lives
/// in the ``RequestContext`` or in per-loop storage the filter owns.
///
/// The phases (see docs/life-of-a-request.md), each with a no-op default:
/// - ``onRequest(_:)`` runs in order (listener defaults, then the route's) once the route is
///   known. It may let the request proceed, answer it, or suspend it for asynchronous work.
/// - ``onRequestBody(_:context:)`` runs in the same order on the whole body, only when a
///   filter asked for it (``RequestContext/bufferBody(upTo:)``).
/// - ``onUpstreamRequest(_:context:)`` runs in route order on the request about to be sent
///   upstream (after Portico's own rewrites), once per attempt.
/// - ``onResponse(_:context:)`` runs in reverse order on every response head the client will
///   get, including the gateway's own error and redirect responses.
public protocol HTTPFilter: Sendable {
    /// Decides whether the request may continue. Called on the connection's event loop.
    func onRequest(_ context: inout RequestContext) -> FilterDecision
    /// Sees the whole request body, when a filter asked for it with
    /// ``RequestContext/bufferBody(upTo:)``; in route order, after every `onRequest`.
    func onRequestBody(_ body: ByteBuffer, context: inout RequestContext) -> FilterDecision
    /// Edits the request that goes upstream.
    func onUpstreamRequest(_ request: inout RequestHead, context: RequestContext)
    /// Edits the response head that goes to the client.
    func onResponse(_ response: inout ResponseHead, context: RequestContext)
    /// Whether the filter answers CORS preflights itself. A preflight (`OPTIONS` with
    /// `Origin` and `Access-Control-Request-Method`) to a route whose `methods` leave out
    /// OPTIONS then reaches the route of the method it asks about instead of getting 405.
    var answersCORSPreflight: Bool { get }
    /// The phases the filter does something in; the flow skips the calls for the others.
    /// The default is every phase, which is always correct: narrowing it only saves calls.
    var phases: FilterPhases { get }
}

/// The phases of ``HTTPFilter``, as a set.
public struct FilterPhases: OptionSet, Sendable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// ``HTTPFilter/onRequest(_:)``.
    public static let request = FilterPhases(rawValue: 1)
    /// ``HTTPFilter/onRequestBody(_:context:)``.
    public static let requestBody = FilterPhases(rawValue: 2)
    /// ``HTTPFilter/onUpstreamRequest(_:context:)``.
    public static let upstreamRequest = FilterPhases(rawValue: 4)
    /// ``HTTPFilter/onResponse(_:context:)``.
    public static let response = FilterPhases(rawValue: 8)
    /// Every phase.
    public static let all: FilterPhases = [.request, .requestBody, .upstreamRequest, .response]
}

extension HTTPFilter {
    public var answersCORSPreflight: Bool { false }
    public var phases: FilterPhases { .all }
    public func onRequest(_ context: inout RequestContext) -> FilterDecision { .proceed }
    public func onRequestBody(_ body: ByteBuffer, context: inout RequestContext) -> FilterDecision { .proceed }
    public func onUpstreamRequest(_ request: inout RequestHead, context: RequestContext) {}
    public func onResponse(_ response: inout ResponseHead, context: RequestContext) {}
}

/// What a filter decides in the request phase.
public enum FilterDecision: Sendable {
    /// Continue with the next filter, then the route's action.
    case proceed
    /// Answer the client with this response; the upstream is never contacted.
    case respond(LocalResponse)
    /// Answer with a gateway error (JSON body with the request id).
    case reject(GatewayError)
    /// Wait for asynchronous work (a key fetch, say), then call the same filter's
    /// `onRequest` again. The future must complete on the connection's event loop or be
    /// hopped there; a failed future answers 500. The filter must not suspend again for the
    /// same reason, or the request waits until its timeout.
    case suspend(EventLoopFuture<Void>)
}

/// A filter's configuration: decoded strictly from the `filters:` entry (unknown keys are
/// errors), validated in `init(from:)`, and turned into a filter once per snapshot.
///
/// Built-in filters and filters registered by embedding programs use the same protocol and
/// the same ``FilterRegistry``.
public protocol FilterConfiguration: Decodable, Sendable {
    /// The `type:` value that selects this filter in config, e.g. `request_id`.
    static var typeName: String { get }
    /// Builds the filter. Throw ``ConfigIssue`` for problems found only now.
    func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter
}

/// What a filter may use while it is being built.
public struct FilterBuildContext: Sendable {
    /// The filter's name in the `filters:` map.
    public var name: String
    /// The directory of the config file, for resolving relative file paths.
    public var baseDirectory: String

    /// Creates a build context.
    public init(name: String, baseDirectory: String) {
        self.name = name
        self.baseDirectory = baseDirectory
    }
}

/// The filter types a gateway knows, keyed by `type:` name.
public struct FilterRegistry: Sendable {
    private var types: [String: any FilterConfiguration.Type] = [:]

    /// An empty registry.
    public init() {}

    /// Registers a filter type; a later registration under the same name replaces it.
    public mutating func register(_ type: any FilterConfiguration.Type) {
        self.types[type.typeName] = type
    }

    /// The configuration type registered under `name`.
    public func configurationType(named name: String) -> (any FilterConfiguration.Type)? {
        self.types[name]
    }

    /// Every registered type name, sorted.
    public var typeNames: [String] { self.types.keys.sorted() }
}

/// A validation problem found in a configuration value: thrown by `init(from:)` or
/// `makeFilter` and reported by the config loader with file, line and column.
public struct ConfigIssue: Error, Sendable, Equatable {
    /// What is wrong.
    public var message: String
    /// The key (inside the value being decoded) the problem is about, if any; the loader
    /// uses it to point at the right line.
    public var key: String?
    /// How to fix it.
    public var hint: String?

    /// Creates an issue.
    public init(_ message: String, key: String? = nil, hint: String? = nil) {
        self.message = message
        self.key = key
        self.hint = hint
    }
}
