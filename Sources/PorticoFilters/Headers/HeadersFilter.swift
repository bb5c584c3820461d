import PorticoCore
import PorticoHTTP

/// `headers` (SPEC F-45): edits request headers on their way upstream and response headers
/// on their way to the client. Each side applies, in this order: `rename`, `remove`, `set`
/// (replace or create), `add` (append another field).
///
/// ```yaml
/// tag-requests:
///   type: headers
///   request:  { set: { X-Env: prod }, remove: [X-Debug], rename: { X-Old: X-New } }
///   response: { add: { Cache-Control: no-store } }
/// ```
public struct HeadersFilter: HTTPFilter {
    /// One side's edits.
    public struct Edits: Decodable, Sendable, Equatable {
        /// Fields to replace (or create) with a value.
        public var set: [String: String]
        /// Fields to append, keeping existing ones.
        public var add: [String: String]
        /// Fields to delete.
        public var remove: [String]
        /// Fields to rename (old → new), keeping their values.
        public var rename: [String: String]

        /// No edits.
        public init(
            set: [String: String] = [:], add: [String: String] = [:], remove: [String] = [],
            rename: [String: String] = [:]
        ) {
            self.set = set
            self.add = add
            self.remove = remove
            self.rename = rename
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.set = try container.decodeIfPresent([String: String].self, forKey: .set) ?? [:]
            self.add = try container.decodeIfPresent([String: String].self, forKey: .add) ?? [:]
            self.remove = try container.decodeIfPresent([String].self, forKey: .remove) ?? []
            self.rename = try container.decodeIfPresent([String: String].self, forKey: .rename) ?? [:]
            for (key, names) in [
                ("set", Array(self.set.keys)), ("add", Array(self.add.keys)), ("remove", self.remove),
                ("rename", Array(self.rename.keys) + Array(self.rename.values)),
            ] {
                for name in names where !HTTPSyntax.isValidFieldName(name) {
                    throw ConfigIssue("'\(name)' is not a valid header name", key: key)
                }
                for name in names
                where HopByHop.isAlwaysStripped(name) || HTTPSyntax.equalsCaseInsensitive(name, "content-length") {
                    throw ConfigIssue("'\(name)' is managed by the proxy and cannot be edited", key: key)
                }
            }
            for (key, values) in [("set", Array(self.set.values)), ("add", Array(self.add.values))] {
                for value in values where !HTTPSyntax.isValidFieldValue(value) {
                    throw ConfigIssue("header value contains a control character", key: key)
                }
            }
        }

        enum CodingKeys: String, CodingKey {
            case set, add, remove, rename
        }

        var isEmpty: Bool { self.set.isEmpty && self.add.isEmpty && self.remove.isEmpty && self.rename.isEmpty }

        /// The edits as ordered lists (sorted by name, so the result does not depend on
        /// dictionary order), prepared once when the filter is built.
        struct Plan: Sendable {
            var rename: [(String, String)]
            var remove: [String]
            var set: [(String, String)]
            var add: [(String, String)]

            init(_ edits: Edits) {
                self.rename = edits.rename.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                self.remove = edits.remove
                self.set = edits.set.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                self.add = edits.add.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            }

            /// Applies the edits in their documented order.
            func apply(to headers: inout HeaderList) {
                for (old, new) in self.rename { headers.rename(old, to: new) }
                for name in self.remove { headers.remove(name: name) }
                for (name, value) in self.set { headers.set(name: name, value: value) }
                for (name, value) in self.add { headers.add(name: name, value: value) }
            }
        }
    }

    /// The filter's configuration.
    public struct Configuration: FilterConfiguration {
        public static let typeName = "headers"
        /// Edits to the upstream request.
        public var request: Edits
        /// Edits to the client response.
        public var response: Edits

        /// A configuration.
        public init(request: Edits = Edits(), response: Edits = Edits()) {
            self.request = request
            self.response = response
        }

        enum CodingKeys: String, CodingKey {
            case request, response
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.request = try container.decodeIfPresent(Edits.self, forKey: .request) ?? Edits()
            self.response = try container.decodeIfPresent(Edits.self, forKey: .response) ?? Edits()
            if self.request.isEmpty && self.response.isEmpty {
                throw ConfigIssue(
                    "a headers filter needs request or response edits", hint: "e.g. request: { set: { X-Env: prod } }")
            }
        }

        public func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
            HeadersFilter(configuration: self)
        }
    }

    private let request: Edits.Plan
    private let response: Edits.Plan

    /// A filter.
    public init(configuration: Configuration) {
        self.request = Edits.Plan(configuration.request)
        self.response = Edits.Plan(configuration.response)
    }

    public func onUpstreamRequest(_ request: inout RequestHead, context: RequestContext) {
        self.request.apply(to: &request.headers)
    }

    public func onResponse(_ response: inout ResponseHead, context: RequestContext) {
        self.response.apply(to: &response.headers)
    }
}
