import Foundation
import NIOCore
import PorticoCore
import PorticoFilters
import PorticoHTTP
import Testing

@Suite struct BodyLimitFilterTests {
    @Test func lowersTheBodyLimit() throws {
        let filter = try FilterHarness.filter("    type: body_limit\n    max_body: 64KiB")
        var context = FilterHarness.context(FilterHarness.get(), filter: filter)
        #expect(filter.onRequest(&context).isProceed)
        #expect(context.maxBodyBytes == 65536)
        #expect(context.bufferedBodyLimit == nil)
        let bytes = try FilterHarness.filter("    type: body_limit\n    max_body: 512")
        var other = FilterHarness.context(FilterHarness.get(), filter: bytes)
        _ = bytes.onRequest(&other)
        #expect(other.maxBodyBytes == 512)
    }

    @Test(arguments: [
        ("    type: body_limit", "missing required key 'max_body'"),
        ("    type: body_limit\n    max_body: big", "'big' is not a size"),
        ("    type: body_limit\n    max_body: 10XB", "'10XB' is not a size"),
        ("    type: body_limit\n    max_bdy: 1KiB", "did you mean 'max_body'"),
    ])
    func rejectsInvalidConfigs(yaml: String, message: String) {
        let errors = FilterHarness.errors(yaml)
        #expect(errors.contains(message), "\(errors)")
    }
}

@Suite struct JSONSchemaFilterTests {
    static let yaml = """
            type: json_schema
            max_body: 4KiB
            schema:
              type: object
              required: [name, tags]
              additionalProperties: false
              properties:
                name: { type: string, minLength: 1, maxLength: 5, pattern: "^[a-z]+$" }
                age: { type: integer, minimum: 0, exclusiveMaximum: 150 }
                score: { type: number, multipleOf: 0.5 }
                tags: { type: array, items: { type: string, enum: [a, b, c] }, minItems: 1, maxItems: 3, uniqueItems: true }
                kind: { const: user }
                address: { $ref: "#/$defs/address" }
                contact: { oneOf: [{ type: string }, { type: integer }] }
                flag: { not: { type: "null" } }
                nick: { anyOf: [{ type: string, maxLength: 2 }, { type: string, minLength: 4 }] }
                extra: { type: object, additionalProperties: { type: boolean } }
              $defs:
                address:
                  type: object
                  required: [city]
                  properties: { city: { type: string }, next: { $ref: "#/$defs/address" } }
        """

    static func post(_ body: String, contentType: String? = "application/json") -> (RequestHead, ByteBuffer) {
        var headers: [(String, String)] = [("Host", "h"), ("Content-Length", "\(body.utf8.count)")]
        if let contentType { headers.append(("Content-Type", contentType)) }
        return (RequestHead(method: .POST, target: "/", headers: HeaderList(headers)), ByteBuffer(string: body))
    }

    /// The status the filter answers with (200 if it lets the request through).
    static func status(_ filter: any HTTPFilter, _ body: String, contentType: String? = "application/json") -> (
        Int, String
    ) {
        let (head, buffer) = Self.post(body, contentType: contentType)
        var context = FilterHarness.context(head, filter: filter)
        switch filter.onRequest(&context) {
        case .proceed: break
        case .reject(let error): return (error.status, error.message)
        case .respond(let response): return (response.head.status, response.body)
        case .suspend: return (0, "suspended")
        }
        guard context.bufferedBodyLimit == 4096 else { return (0, "body not requested") }
        switch filter.onRequestBody(buffer, context: &context) {
        case .proceed: return (200, "")
        case .reject(let error): return (error.status, error.message)
        case .respond(let response): return (response.head.status, response.body)
        case .suspend: return (0, "suspended")
        }
    }

    @Test(arguments: [
        (#"{"name":"bob","tags":["a"]}"#, 200, ""),
        (
            #"{"name":"bob","tags":["a","b"],"age":30,"score":2.5,"kind":"user","address":{"city":"x","next":{"city":"y"}},"contact":5,"flag":true,"nick":"ab","extra":{"x":true}}"#,
            200, ""
        ),
        (#"{"tags":["a"]}"#, 422, "(root): missing required property 'name'"),
        (#"{"name":"bob","tags":["a"],"other":1}"#, 422, "(root): property 'other' is not allowed"),
        (#"{"name":5,"tags":["a"]}"#, 422, "/name: expected string, found integer"),
        (#"{"name":"","tags":["a"]}"#, 422, "/name: expected at least 1 characters"),
        (#"{"name":"toolong","tags":["a"]}"#, 422, "/name: expected at most 5 characters"),
        (#"{"name":"Bob","tags":["a"]}"#, 422, "/name: does not match the pattern '^[a-z]+$'"),
        (#"{"name":"bob","tags":["a"],"age":1.5}"#, 422, "/age: expected integer, found number"),
        (#"{"name":"bob","tags":["a"],"age":-1}"#, 422, "/age: must be at least 0"),
        (#"{"name":"bob","tags":["a"],"age":150}"#, 422, "/age: must be less than 150"),
        (#"{"name":"bob","tags":["a"],"score":0.3}"#, 422, "/score: must be a multiple of 0.5"),
        (#"{"name":"bob","tags":[]}"#, 422, "/tags: expected at least 1 items"),
        (#"{"name":"bob","tags":["a","b","c","a"]}"#, 422, "/tags: expected at most 3 items"),
        (#"{"name":"bob","tags":["a","a"]}"#, 422, "/tags: items 0 and 1 are equal"),
        (#"{"name":"bob","tags":["a","z"]}"#, 422, #"/tags/1: must be one of ["a","b","c"]"#),
        (#"{"name":"bob","tags":["a"],"kind":"admin"}"#, 422, #"/kind: must be "user""#),
        (#"{"name":"bob","tags":["a"],"address":{"next":{}}}"#, 422, "/address: missing required property 'city'"),
        (
            #"{"name":"bob","tags":["a"],"address":{"city":"x","next":{"city":1}}}"#, 422,
            "/address/next/city: expected string, found integer"
        ),
        (#"{"name":"bob","tags":["a"],"contact":true}"#, 422, "/contact: does not match any schema of oneOf"),
        (#"{"name":"bob","tags":["a"],"flag":null}"#, 422, "/flag: must not match the schema in not"),
        (#"{"name":"bob","tags":["a"],"nick":"abc"}"#, 422, "/nick: does not match any schema of anyOf"),
        (#"{"name":"bob","tags":["a"],"extra":{"a/b":1}}"#, 422, "/extra/a~1b: expected boolean, found integer"),
        (#"[1,2]"#, 422, "(root): expected object, found array"),
        (#"{"name":"bob","tags":["a"]"#, 400, "request body is not valid JSON: expected ',' or '}' at byte 26"),
        (#"{"name":"bob","name":"al","tags":["a"]}"#, 400, "duplicate key 'name'"),
        (#"{"name":"bob","tags":["a"]} x"#, 400, "unexpected data after the JSON value"),
        (#"{"name":"b\ob"}"#, 400, "invalid escape"),
        ("{\"name\":\"a\u{1}\"}", 400, "control character in string"),
        (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), 400, "nesting deeper than 64 levels"),
    ])
    func validatesBodies(body: String, status: Int, message: String) throws {
        let filter = try FilterHarness.filter(Self.yaml)
        let (actual, text) = Self.status(filter, body)
        #expect(actual == status, "\(text)")
        #expect(message.isEmpty || text.contains(message), "\(text)")
    }

    @Test func checksMediaTypeAndPresenceOfABody() throws {
        let filter = try FilterHarness.filter(Self.yaml)
        #expect(
            Self.status(filter, #"{"name":"bob","tags":["a"]}"#, contentType: "application/merge-patch+json").0 == 200)
        #expect(
            Self.status(filter, #"{"name":"bob","tags":["a"]}"#, contentType: "Application/JSON; charset=utf-8").0
                == 200)
        let wrongType = Self.status(filter, "name=bob", contentType: "application/x-www-form-urlencoded")
        #expect(wrongType.0 == 415)
        #expect(wrongType.1.contains("\"status\":415"))
        #expect(Self.status(filter, "{}", contentType: nil).0 == 415)

        var empty = FilterHarness.context(
            RequestHead(method: .POST, target: "/", headers: ["Host": "h", "Content-Type": "application/json"]),
            filter: filter)
        #expect(filter.onRequest(&empty).rejection?.status == 400)

        // GET is not checked (default methods: POST, PUT, PATCH), even with a body another filter buffered.
        var get = FilterHarness.context(FilterHarness.get(), filter: filter)
        #expect(filter.onRequest(&get).isProceed)
        #expect(get.bufferedBodyLimit == nil)
        #expect(filter.onRequestBody(ByteBuffer(string: "not json"), context: &get).isProceed)
    }

    @Test func readsASchemaFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portico-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try #"{"type":"object","properties":{"code":{"enum":["1","2"]}},"required":["code"]}"#.write(
            to: directory.appendingPathComponent("code.json"), atomically: true, encoding: .utf8)
        let filter = try FilterHarness.filter(
            "    type: json_schema\n    schema_file: code.json\n    max_body: 4KiB\n    methods: [PUT]",
            baseDirectory: directory.path)
        let (head, buffer) = Self.post(#"{"code":"1"}"#)
        var put = head
        put.method = .PUT
        var context = FilterHarness.context(put, filter: filter)
        #expect(filter.onRequest(&context).isProceed)
        #expect(filter.onRequestBody(buffer, context: &context).isProceed)
        // In a JSON file "1" stays a string: the number 1 is not in the enum.
        var number = FilterHarness.context(put, filter: filter)
        _ = filter.onRequest(&number)
        #expect(filter.onRequestBody(ByteBuffer(string: #"{"code":1}"#), context: &number).rejection?.status == 422)
        // POST is not in `methods` here.
        var post = FilterHarness.context(head, filter: filter)
        #expect(filter.onRequest(&post).isProceed)
        #expect(post.bufferedBodyLimit == nil)

        try #"{"type":"object","format":"email"}"#.write(
            to: directory.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        let unsupported = FilterHarness.errors(
            "    type: json_schema\n    schema_file: bad.json", baseDirectory: directory.path)
        #expect(unsupported.contains("bad.json: #/format: unsupported JSON-schema keyword 'format'"), "\(unsupported)")
        try #"{"type":"object",}"#.write(
            to: directory.appendingPathComponent("broken.json"), atomically: true, encoding: .utf8)
        let broken = FilterHarness.errors(
            "    type: json_schema\n    schema_file: broken.json", baseDirectory: directory.path)
        #expect(broken.contains("broken.json is not valid JSON: expected a string key at byte 17"), "\(broken)")
    }

    @Test(arguments: [
        ("    type: json_schema", "needs schema or schema_file"),
        ("    type: json_schema\n    schema: { type: object }\n    schema_file: a.json", "not both"),
        (
            "    type: json_schema\n    schema: { type: object, format: email }",
            "#/format: unsupported JSON-schema keyword 'format'"
        ),
        ("    type: json_schema\n    schema: { properties: { a: { if: {} } } }", "#/properties/a/if: unsupported"),
        ("    type: json_schema\n    schema: { type: obj }", "#/type: unknown type \"obj\""),
        ("    type: json_schema\n    schema: { items: [{ type: string }] }", "tuple validation) is not supported"),
        (
            "    type: json_schema\n    schema: { exclusiveMinimum: true }",
            "the boolean form (draft 4) is not supported"
        ),
        ("    type: json_schema\n    schema: { pattern: \"(\" }", "#/pattern: invalid regular expression"),
        ("    type: json_schema\n    schema: { $ref: \"#/$defs/missing\" }", "'#/$defs/missing' does not exist"),
        ("    type: json_schema\n    schema: { $ref: \"other.json#/a\" }", "only local references are supported"),
        ("    type: json_schema\n    schema: { minLength: -1 }", "#/minLength: must be a non-negative integer"),
        ("    type: json_schema\n    schema: { multipleOf: 0 }", "#/multipleOf: must be greater than 0"),
        ("    type: json_schema\n    schema: { anyOf: [] }", "#/anyOf: must be a non-empty list of schemas"),
        ("    type: json_schema\n    schema: { $defs: { a: { minimum: x } } }", "#/$defs/a/minimum: must be a number"),
        ("    type: json_schema\n    schema: [1]", "a schema must be an object or a boolean"),
        ("    type: json_schema\n    schema: {}\n    max_depth: 0", "max_depth must be between 1 and 512"),
        ("    type: json_schema\n    schema: {}\n    max_body: lots", "'lots' is not a size"),
        ("    type: json_schema\n    schema: {}\n    methods: [\"P OST\"]", "'P OST' is not a method"),
        ("    type: json_schema\n    schema: {}\n    schema_fil: x", "did you mean 'schema_file'"),
    ])
    func rejectsInvalidConfigs(yaml: String, message: String) {
        let errors = FilterHarness.errors(yaml)
        #expect(errors.contains(message), "\(errors)")
    }

    @Test func annotationsAndBooleanSchemasAreAccepted() throws {
        let filter = try FilterHarness.filter(
            """
                type: json_schema
                max_body: 4KiB
                schema:
                  $schema: https://json-schema.org/draft/2020-12/schema
                  title: Thing
                  description: A thing
                  type: [object, "null"]
                  properties: { anything: true, nothing: false }
            """)
        #expect(Self.status(filter, "null").0 == 200)
        #expect(Self.status(filter, #"{"anything":[1,{"a":null}]}"#).0 == 200)
        let (status, message) = Self.status(filter, #"{"nothing":1}"#)
        #expect(status == 422)
        #expect(message.contains("/nothing: no value is allowed here"))
    }

    @Test func configurationsCanBeBuiltInCode() throws {
        let configuration = try JSONSchemaFilter.Configuration(schemaJSON: #"{"type":"array","maxItems":1}"#)
        let filter = try configuration.makeFilter(context: FilterBuildContext(name: "n", baseDirectory: "."))
        var context = FilterHarness.context(Self.post("[1,2]").0, filter: filter)
        #expect(filter.onRequest(&context).isProceed)
        #expect(filter.onRequestBody(ByteBuffer(string: "[1,2]"), context: &context).rejection?.status == 422)
        #expect(throws: ConfigIssue.self) { try JSONSchemaFilter.Configuration(schemaJSON: #"{"format":"uri"}"#) }
    }
}
