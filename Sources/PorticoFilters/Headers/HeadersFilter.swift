import PorticoCore
import PorticoHTTP

/// `headers` (SPEC F-45): edits request headers on their way upstream and response headers
/// on their way to the client. Each side applies, in this order: `rename`, `remove`, `set`
/// (replace or create), `add` (append another field). `set` and `add` values may reference
/// request data (``HeaderTemplate``: `${client_ip}`, `${path.id}`, `${jwt.sub}`,
/// `${request_id}`, `${consumer}`, `${header.NAME}`, `${query.NAME}`...); a value whose data is
/// missing is not written.
///
/// ```yaml
/// tag-requests:
///   type: headers
///   request:  { set: { X-Env: prod, X-User: "${jwt.sub}" }, remove: [X-Debug], rename: { X-Old: X-New } }
///   response: { add: { Cache-Control: no-store } }
/// ```
///
/// Request edits happen in this filter's turn of `onRequest`, so filters listed after it see
/// them (a token injected here is what a later `jwt` filter checks); in the same way,
/// `${jwt.*}`, `${consumer}` and `${request_id}` need the filters that provide them to be
/// listed before this one. Response edits happen in `onResponse`.
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
                for value in values {
                    guard HTTPSyntax.isValidFieldValue(value) else {
                        throw ConfigIssue("header value contains a control character", key: key)
                    }
                    do {
                        _ = try HeaderTemplate(value)
                    } catch {
                        throw ConfigIssue(error.message, key: key, hint: error.hint)
                    }
                }
            }
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case set, add, remove, rename
        }

        var isEmpty: Bool { self.set.isEmpty && self.add.isEmpty && self.remove.isEmpty && self.rename.isEmpty }

        /// The edits as ordered lists (sorted by name, so the result does not depend on
        /// dictionary order), with values parsed into templates once, when the filter is built.
        struct Plan: Sendable {
            var rename: [(String, String)]
            var remove: [String]
            var set: [(String, HeaderTemplate)]
            var add: [(String, HeaderTemplate)]
            /// Whether any value reads a request header (`${header.NAME}`), which the edits
            /// themselves may change.
            var readsHeaders: Bool
            var isEmpty: Bool

            init(_ edits: Edits) {
                self.rename = edits.rename.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                self.remove = edits.remove
                // Validated in `Edits.init(from:)`; a configuration built in code with a bad
                // placeholder writes the value as it is.
                func template(_ text: String) -> HeaderTemplate {
                    (try? HeaderTemplate(text)) ?? HeaderTemplate(literal: text)
                }
                self.set = edits.set.sorted { $0.key < $1.key }.map { ($0.key, template($0.value)) }
                self.add = edits.add.sorted { $0.key < $1.key }.map { ($0.key, template($0.value)) }
                self.readsHeaders = (self.set + self.add).contains { $0.1.readsHeaders }
                self.isEmpty = edits.isEmpty
            }

            /// The values of `set` and `add` for this request (nil: not written).
            func render(_ context: RequestContext) -> (set: [String?], add: [String?]) {
                (self.set.map { $0.1.render(context) }, self.add.map { $0.1.render(context) })
            }

            /// Applies the edits in their documented order, with the values in `rendered`
            /// (made before `headers` started changing), or the literal ones when nil.
            func apply(to headers: inout HeaderList, rendered: (set: [String?], add: [String?])?) {
                self.apply(
                    to: &headers, setValue: { rendered?.set[$0] ?? self.set[$0].1.literal },
                    addValue: { rendered?.add[$0] ?? self.add[$0].1.literal })
            }

            /// Applies the edits, rendering each value from `context` as it is written: for
            /// values that read nothing the edits change (no arrays of rendered values).
            func apply(to headers: inout HeaderList, renderingFrom context: RequestContext) {
                self.apply(
                    to: &headers, setValue: { self.set[$0].1.render(context) },
                    addValue: { self.add[$0].1.render(context) })
            }

            private func apply(
                to headers: inout HeaderList, setValue: (Int) -> String?, addValue: (Int) -> String?
            ) {
                for (old, new) in self.rename { headers.rename(old, to: new) }
                for name in self.remove { headers.remove(name: name) }
                for index in self.set.indices {
                    guard let value = setValue(index) else { continue }
                    headers.set(name: self.set[index].0, value: value)
                }
                for index in self.add.indices {
                    guard let value = addValue(index) else { continue }
                    headers.add(name: self.add[index].0, value: value)
                }
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

        enum CodingKeys: String, CodingKey, CaseIterable {
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

    public var phases: FilterPhases {
        var phases: FilterPhases = []
        if !self.request.isEmpty { phases.insert(.request) }
        if !self.response.isEmpty { phases.insert(.response) }
        return phases
    }

    public func onRequest(_ context: inout RequestContext) -> FilterDecision {
        guard !self.request.isEmpty else { return .proceed }
        // Values are rendered from the request as it arrived here, before any edit.
        if self.request.readsHeaders {
            let rendered = self.request.render(context)
            self.request.apply(to: &context.request.headers, rendered: rendered)
        } else {
            // Nothing rendered reads the headers being edited, so values can be rendered as
            // they are written. The list is moved out (not copied) while the context is read.
            var headers = HeaderList()
            swap(&headers, &context.request.headers)
            self.request.apply(to: &headers, renderingFrom: context)
            swap(&headers, &context.request.headers)
        }
        return .proceed
    }

    public func onResponse(_ response: inout ResponseHead, context: RequestContext) {
        guard !self.response.isEmpty else { return }
        // Response values read the request, which these edits do not touch.
        self.response.apply(to: &response.headers, renderingFrom: context)
    }
}
