import PorticoCore
import Testing

@testable import PorticoConfig

@Suite("Strict decoding: unknown keys, types, positions")
struct NodeDecoderTests {
    @Test("an unknown key is reported at the key, with the closest known key")
    func unknownKeyDidYouMean() throws {
        let error = try #require(
            Fixtures.error(
                Fixtures.listener + """
                    routes:
                      - name: r
                        match:
                          path_prefx: /api
                        respond: {}
                    """
            )
        )
        #expect(error.message == "unknown key 'path_prefx' (did you mean 'path_prefix'?)")
        #expect(error.path == "routes[0].match.path_prefx")
        #expect(error.position == "7:7")
        #expect(error.hint?.contains("path_prefix") == true)
        #expect(
            error.description.hasPrefix(
                "test.yaml:7:7: error: routes[0].match.path_prefx: unknown key 'path_prefx' (did you mean 'path_prefix'?)\n  hint: valid keys here: "
            )
        )
    }

    @Test("every unknown key in every section is reported at once")
    func allUnknownKeys() {
        let errors = Fixtures.errors(
            """
            listeners:
              - name: public
                adress: 127.0.0.1:8080
                timeouts: { idel: 5s }
            route: []
            logging: { level: info, acess_log: true }
            """
        )
        #expect(
            errors.map(\.message) == [
                "missing required key 'address'",
                "unknown key 'adress' (did you mean 'address'?)",
                "unknown key 'idel' (did you mean 'idle'?)",
                "unknown key 'route' (did you mean 'routes'?)",
                "unknown key 'acess_log' (did you mean 'access_log'?)",
            ]
        )
        #expect(errors.map(\.position) == ["2:5", "3:5", "4:17", "5:1", "6:25"])
    }

    @Test("camelCase spellings are suggested their snake_case keys")
    func camelCaseSuggestion() throws {
        let error = try #require(
            Fixtures.error("listeners: [{name: a, address: 127.0.0.1:1, limits: {maxBody: 1MiB}}]")
        )
        #expect(error.message == "unknown key 'maxBody' (did you mean 'max_body'?)")
    }

    @Test("a key far from any known key gets no suggestion")
    func noSuggestion() throws {
        let error = try #require(Fixtures.error(Fixtures.listener + "telemetry: {}"))
        #expect(error.message == "unknown key 'telemetry'")
        #expect(error.hint?.hasPrefix("valid keys here: admin, filters, listeners") == true)
    }

    @Test("a duplicate key points at the second occurrence")
    func duplicateKey() throws {
        let error = try #require(
            Fixtures.error(
                """
                listeners:
                  - name: public
                    address: 127.0.0.1:8080
                    name: other
                """
            )
        )
        #expect(error.message == "duplicate key 'name' in the same mapping")
        #expect(error.position == "4:5")
        #expect(error.hint == "first written at line 2; a key may appear once per mapping")
    }

    @Test("a duplicate key in a flow mapping, and keys equal only as text (1 and \"1\")")
    func duplicateKeyVariants() throws {
        let flow = try #require(Fixtures.error(Fixtures.listener + "routes: [{name: a, name: b, respond: {}}]"))
        #expect(flow.position == "4:20")
        let typed = try #require(
            Fixtures.error(
                Fixtures.listener + "filters:\n  1: {type: plain, limit: 1}\n  \"1\": {type: plain, limit: 2}"
            )
        )
        #expect(typed.message == "duplicate key '1' in the same mapping")
        #expect(typed.position == "6:3")
    }

    @Test("type mismatches name what was expected and what was found")
    func typeMismatches() {
        let errors = Fixtures.errors(
            """
            listeners: public
            runtime:
              workers: many
            logging:
              access_log: yes
              level: [info]
            """
        )
        #expect(
            errors.map(\.message) == [
                "expected a list, found 'public'",
                "expected an integer, found 'many'",
                "expected true or false, found 'yes'",
                "expected a string, found a list",
            ]
        )
        #expect(errors.map(\.position) == ["1:12", "3:12", "5:15", "6:3"])
        #expect(errors.map(\.path) == ["listeners", "runtime.workers", "logging.access_log", "logging.level"])
    }

    @Test("a section given as a scalar, and a null required value")
    func wrongShapes() {
        let errors = Fixtures.errors(
            """
            listeners:
              - name:
                address: 127.0.0.1:8080
            admin: 127.0.0.1:9901
            """
        )
        #expect(
            errors.map(\.message) == ["expected a string, found null", "expected a mapping, found '127.0.0.1:9901'"]
        )
        #expect(errors.map(\.position) == ["2:10", "4:8"])
    }

    @Test("keyword values list the choices and suggest one")
    func keywords() throws {
        let error = try #require(Fixtures.error(Fixtures.listener + "logging: { level: warn }"))
        #expect(error.message == "unknown log level 'warn' (did you mean 'warning'?)")
        #expect(error.hint == "expected one of: trace, debug, info, notice, warning, error, critical")
        #expect(error.position == "4:19")
    }

    @Test("numbers and booleans read from quoted and substituted text, integers with separators")
    func scalarsFromText() throws {
        let config = try Fixtures.load(
            """
            listeners:
              - name: public
                address: 127.0.0.1:8080
                limits: { max_connections: "20_000" }
                forwarded: { trust_incoming: "false" }
            runtime:
              workers: ${WORKERS}
            """,
            environment: ["WORKERS": "3"]
        ).config
        #expect(config.listeners[0].limits.maxConnections == 20_000)
        #expect(config.listeners[0].forwarded.trustIncoming == false)
        #expect(config.runtime.workers == 3)
    }

    @Test("integers out of range, hex and floats are rejected")
    func badIntegers() {
        let errors = Fixtures.errors(
            Fixtures.listener + """
                runtime: { workers: 99999999999999999999 }
                routes: [{ name: r, priority: 0x10, respond: { status: 2.5e2 } }]
                """
        )
        #expect(
            errors.map(\.message) == [
                "99999999999999999999 is out of range (\(Int.min)...\(Int.max))",
                "expected an integer, found '0x10'",
                "expected an integer, found '2.5e2'",
            ]
        )
    }

    @Test("several bad elements of one list are all reported")
    func listElements() {
        let errors = Fixtures.errors(
            Fixtures.listener + """
                routes:
                  - { name: a, timeout: 5 }
                  - { name: b, respond: { status: ok } }
                  - { name: c, upstream: [x] }
                """
        )
        #expect(errors.map(\.path) == ["routes[0].timeout", "routes[1].respond.status", "routes[2].upstream"])
        // A scalar is located at itself, a list or mapping at its key.
        #expect(errors.map(\.position) == ["5:25", "6:35", "7:16"])
    }

    @Test("a ConfigIssue thrown by init(from:) is placed at its key")
    func issueAtKey() throws {
        let errors = Fixtures.errors(
            Fixtures.listener + """
                filters:
                  cors:
                    type: cors
                    allowed_origins: []
                """
        )
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.message == "allowed_origins must not be empty")
        #expect(error.path == "filters.cors.allowed_origins")
        // A list value is located at its key, not at its first element.
        #expect(error.position == "7:5")
        #expect(error.hint == "list at least one origin")
    }

    @Test("filter settings are decoded strictly by the filter's own type, without counting `type`")
    func filterSettingsStrict() {
        let errors = Fixtures.errors(
            Fixtures.listener + """
                filters:
                  rid: { type: request_id, header: X-Request-ID, heder: x }
                  cors: { type: cors, allowed_origin: ["https://a.test"] }
                  plain: { type: plain, limt: 5 }
                """
        )
        #expect(
            errors.map(\.message) == [
                "unknown key 'heder' (did you mean 'header'?)",
                "missing required key 'allowed_origins'",
                "unknown key 'allowed_origin' (did you mean 'allowed_origins'?)",
                "missing required key 'limit'",
                "unknown key 'limt' (did you mean 'limit'?)",
            ]
        )
        #expect(errors.map(\.position) == ["5:50", "6:3", "6:23", "7:3", "7:25"])
    }

    @Test("a filter type with synthesized keys still gets unknown keys reported")
    func plainFilterUnknownKey() throws {
        let error = try #require(
            Fixtures.error(Fixtures.listener + "filters:\n  p: { type: plain, limit: 5, colour: red }")
        )
        #expect(error.message == "unknown key 'colour'")
        #expect(error.path == "filters.p.colour")
    }

    @Test("the decoder can be used directly on nodes")
    func directDecode() throws {
        let node = ConfigNode.mapping(
            .init(
                entries: [
                    .init(
                        key: "url",
                        keyPosition: .init(line: 1, column: 1),
                        value: .scalar(.init(text: "http://a", isPlain: true, position: .init(line: 1, column: 6)))
                    ),
                    .init(
                        key: "wieght",
                        keyPosition: .init(line: 2, column: 1),
                        value: .scalar(.init(text: "2", isPlain: true, position: .init(line: 2, column: 9)))
                    ),
                ],
                position: .init(line: 1, column: 1)
            )
        )
        let result = NodeDecoder.decode(TargetConfig.self, from: node, file: "x")
        #expect(result.value == nil)
        #expect(
            ConfigErrors(result.errors).description
                == "x:2:1: error: wieght: unknown key 'wieght' (did you mean 'weight'?)\n  hint: valid keys here: url, weight"
        )
    }

    @Test("bad sizes and durations are reported at the value, with the fix in the hint")
    func badValuesInContext() {
        let errors = Fixtures.errors(
            """
            listeners:
              - name: public
                address: 127.0.0.1:8080
                limits:
                  max_body: 10mb
                timeouts:
                  idle: 120
            """
        )
        #expect(
            errors.map(\.message) == [
                "unknown unit 'mb' in size '10mb' (did you mean 'MB'?)",
                "duration '120' has no unit",
            ]
        )
        #expect(errors.map(\.position) == ["5:17", "7:13"])
        #expect(errors.map(\.path) == ["listeners[0].limits.max_body", "listeners[0].timeouts.idle"])
        #expect(errors[1].hint == "write 120s, 120ms, 120m or 120h")
    }

    @Test("several errors print one diagnostic each, hints indented below")
    func rendering() {
        let errors = ConfigErrors(Fixtures.errors(Fixtures.listener + "logging: { level: loud, format: xml }"))
        #expect(
            errors.description == """
                test.yaml:4:19: error: logging.level: unknown log level 'loud'
                  hint: expected one of: trace, debug, info, notice, warning, error, critical
                test.yaml:4:33: error: logging.format: unknown log format 'xml'
                  hint: expected one of: text, json
                """
        )
    }

    @Test("a ConfigIssue key may name a nested value with dots")
    func dottedIssueKey() throws {
        let error = try #require(
            Fixtures.error(Fixtures.listener + "filters:\n  n:\n    type: nested\n    inner: { size: 0 }")
        )
        #expect(error.message == "size must be positive")
        #expect(error.path == "filters.n.inner.size")
        #expect(error.position == "7:20")
    }
}
