import NIOCore
import PorticoCore
import PorticoHTTP

/// `json_schema` (SPEC F-48): validates JSON request bodies against a schema before the
/// upstream is contacted. The body is buffered for this (up to `max_body`, else `413`).
///
/// ```yaml
/// new-user:
///   type: json_schema
///   schema:
///     type: object
///     required: [name]
///     properties: { name: { type: string, minLength: 1 }, age: { type: integer, minimum: 0 } }
///     additionalProperties: false
///   # or: schema_file: schemas/new-user.json   (relative to the config file)
/// ```
///
/// Requests whose method is in `methods` are checked: they must carry a body (`400`
/// otherwise) with a JSON media type (`application/json` or `application/*+json`; `415`
/// otherwise) that parses (`400`, naming the problem and byte offset) and matches the schema
/// (`422`, naming the failing value by JSON pointer). Other methods pass unchecked. See
/// ``JSONSchema`` for the supported keywords.
public struct JSONSchemaFilter: HTTPFilter {
    /// The filter's configuration.
    public struct Configuration: FilterConfiguration {
        public static let typeName = "json_schema"
        /// The schema written inline.
        var schema: JSONValue?
        /// A JSON file holding the schema.
        public var schemaFile: String?
        /// The largest body that is read for validation (default 1 MiB).
        public var maxBody: Int
        /// The deepest nesting of arrays and objects accepted (default 64).
        public var maxDepth: Int
        /// The methods whose bodies are validated (default POST, PUT, PATCH).
        public var methods: [HTTPMethod]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case schema, methods
            case schemaFile = "schema_file"
            case maxBody = "max_body"
            case maxDepth = "max_depth"
        }

        /// A configuration with the schema given as JSON text, or read from `schemaFile` (then
        /// pass nil) when the filter is built.
        public init(
            schemaJSON: String?, schemaFile: String? = nil, maxBody: Int = 1 << 20, maxDepth: Int = 64,
            methods: [HTTPMethod] = [.POST, .PUT, .PATCH]
        ) throws {
            if let schemaJSON {
                do {
                    let document = try JSONReader.parse(schemaJSON, maxDepth: 512)
                    _ = try JSONSchema(document)
                    self.schema = document
                } catch let failure as JSONReader.Failure {
                    throw ConfigIssue("schema is not valid JSON: \(failure.message) at byte \(failure.offset)")
                } catch let error as JSONSchema.CompileError {
                    throw ConfigIssue(error.message, hint: error.hint)
                }
            } else {
                self.schema = nil
            }
            self.schemaFile = schemaFile
            self.maxBody = maxBody
            self.maxDepth = maxDepth
            self.methods = methods
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.schema = try container.decodeIfPresent(ConfigJSON.self, forKey: .schema)?.value
            self.schemaFile = try container.decodeIfPresent(String.self, forKey: .schemaFile)
            if let text = try container.decodeIfPresent(String.self, forKey: .maxBody) {
                guard let size = ConfigValues.size(text), size > 0 else {
                    throw ConfigIssue("'\(text)' is not a size", key: "max_body", hint: "e.g. 64KiB, 1MiB")
                }
                self.maxBody = size
            } else {
                self.maxBody = 1 << 20
            }
            self.maxDepth = try container.decodeIfPresent(Int.self, forKey: .maxDepth) ?? 64
            guard (1...512).contains(self.maxDepth) else {
                throw ConfigIssue("max_depth must be between 1 and 512", key: "max_depth")
            }
            let methods = try container.decodeIfPresent([String].self, forKey: .methods) ?? ["POST", "PUT", "PATCH"]
            self.methods = try methods.map { name in
                guard HTTPMethod.isValidToken(name) else {
                    throw ConfigIssue("'\(name)' is not a method", key: "methods", hint: "e.g. [POST, PUT]")
                }
                return HTTPMethod(name)
            }
            switch (self.schema, self.schemaFile) {
            case (nil, nil):
                throw ConfigIssue(
                    "a json_schema filter needs schema or schema_file", key: "schema",
                    hint: "e.g. schema: { type: object, required: [name] }")
            case (.some, .some):
                throw ConfigIssue("give schema or schema_file, not both", key: "schema_file")
            case (.some(let schema), nil):
                do {
                    _ = try JSONSchema(schema)
                } catch {
                    throw ConfigIssue(error.message, key: "schema", hint: error.hint)
                }
            case (nil, .some):
                break
            }
        }

        public func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
            var document: JSONValue
            if let schema = self.schema {
                document = schema
            } else {
                let file = self.schemaFile ?? ""
                let bytes = try ConfigFile.read(file, baseDirectory: context.baseDirectory, key: "schema_file")
                do {
                    document = try JSONReader.parse(bytes, maxDepth: 512)
                } catch {
                    throw ConfigIssue(
                        "\(file) is not valid JSON: \(error.message) at byte \(error.offset)", key: "schema_file")
                }
            }
            let schema: JSONSchema
            do {
                schema = try JSONSchema(document)
            } catch {
                throw ConfigIssue(
                    self.schemaFile.map { "\($0): " + error.message } ?? error.message,
                    key: self.schemaFile == nil ? "schema" : "schema_file", hint: error.hint)
            }
            return JSONSchemaFilter(configuration: self, schema: schema)
        }
    }

    private let schema: JSONSchema
    private let maxBody: Int
    private let maxDepth: Int
    private let methods: [HTTPMethod]

    init(configuration: Configuration, schema: JSONSchema) {
        self.schema = schema
        self.maxBody = configuration.maxBody
        self.maxDepth = configuration.maxDepth
        self.methods = configuration.methods
    }

    /// `application/json` or `application/something+json`, any parameters.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingHTTPWhitespace() } ?? ""
        let lowered = HTTPSyntax.lowercasedASCII(String(mediaType))
        return lowered == "application/json" || (lowered.hasPrefix("application/") && lowered.hasSuffix("+json"))
    }

    private func applies(to request: RequestHead) -> Bool {
        self.methods.contains(request.method)
    }

    public func onRequest(_ context: inout RequestContext) -> FilterDecision {
        guard self.applies(to: context.request) else { return .proceed }
        let headers = context.request.headers
        let hasBody =
            headers.contains("transfer-encoding")
            || (headers["content-length"].flatMap { HTTPSyntax.parseDecimal($0[...]) } ?? 0) > 0
        guard hasBody else {
            return .reject(GatewayError(.badRequest, "a JSON request body is required"))
        }
        guard let contentType = headers["content-type"], Self.isJSON(contentType) else {
            return .respond(
                Self.errorResponse(
                    status: 415, message: "request body must be application/json",
                    requestID: context.requestID))
        }
        context.bufferBody(upTo: self.maxBody)
        return .proceed
    }

    public func onRequestBody(_ body: ByteBuffer, context: inout RequestContext) -> FilterDecision {
        // Another filter may have asked for the body of a request this one does not check.
        guard self.applies(to: context.request),
            let contentType = context.request.headers["content-type"], Self.isJSON(contentType)
        else { return .proceed }
        let parsed = body.withUnsafeReadableBytes { bytes in
            Result { () throws(JSONReader.Failure) in try JSONReader.parse(bytes, maxDepth: self.maxDepth) }
        }
        switch parsed {
        case .failure(let failure):
            return .reject(
                GatewayError(
                    .badRequest, "request body is not valid JSON: \(failure.message) at byte \(failure.offset)"))
        case .success(let value):
            do throws(JSONSchema.Violation) {
                try self.schema.validate(value)
                return .proceed
            } catch {
                return .reject(
                    GatewayError(.unprocessableContent, "request body does not match the schema: \(error.description)"))
            }
        }
    }

    /// A gateway-style JSON error for statuses `GatewayError` has no kind for (415).
    static func errorResponse(status: Int, message: String, requestID: String?) -> LocalResponse {
        var body = "{\"error\":"
        JSONText.appendString(message, to: &body)
        body += ",\"status\":\(status)"
        if let requestID {
            body += ",\"request_id\":"
            JSONText.appendString(requestID, to: &body)
        }
        body += "}\n"
        return LocalResponse(status: status, headers: ["content-type": "application/json"], body: body)
    }
}
