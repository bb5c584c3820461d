import Testing

@testable import PorticoConfig

@Suite("${VAR} substitution")
struct EnvironmentSubstitutionTests {
    @Test("set variables, defaults, empty values and escapes")
    func substitution() {
        let environment = ["HOST": "10.0.0.1", "EMPTY": "", "PORT": "8080"]
        func apply(_ text: String) -> String {
            EnvironmentSubstitution.apply(to: text, environment: environment).text
        }
        #expect(apply("${HOST}:${PORT}") == "10.0.0.1:8080")
        #expect(apply("${MISSING:-fallback}") == "fallback")
        #expect(apply("${HOST:-fallback}") == "10.0.0.1")
        #expect(apply("${EMPTY:-fallback}") == "fallback")
        #expect(apply("${EMPTY}") == "")
        #expect(apply("${MISSING:-}") == "")
        #expect(apply("$${HOST}") == "${HOST}")
        // Lower-case references are request-data placeholders for filters: kept as written.
        #expect(apply("${client_ip} ${jwt.sub} ${HOST}") == "${client_ip} ${jwt.sub} 10.0.0.1")
        #expect(apply("cost: $$5") == "cost: $5")
        // A lone `$` is literal: regexes and rewrite groups need no escaping.
        #expect(apply("^/v1/(.*)$") == "^/v1/(.*)$")
        #expect(apply("/v2/$1") == "/v2/$1")
        #expect(EnvironmentSubstitution.apply(to: "plain", environment: environment).changed == false)
        #expect(EnvironmentSubstitution.apply(to: "$$", environment: environment).changed)
    }

    @Test("problems: unset, unterminated, invalid names")
    func problems() {
        func problems(_ text: String) -> [EnvironmentSubstitution.Problem] {
            EnvironmentSubstitution.apply(to: text, environment: [:]).problems
        }
        #expect(problems("${A}/${B}") == [.unset("A"), .unset("B")])
        #expect(problems("${A") == [.unterminated])
        #expect(problems("${1A}") == [.invalidReference("1A")])
        #expect(problems("${A-b}") == [.invalidReference("A-b")])
        #expect(problems("${}") == [.invalidReference("")])
    }

    @Test("values are substituted after parsing: no injected structure, positions unchanged")
    func noInjection() throws {
        let loaded = try Fixtures.load(
            """
            listeners:
              - name: public
                address: ${LISTEN:-127.0.0.1:8080}
            admin:
              token: ${TOKEN}
            routes:
              - name: r
                respond: { body: "${BODY}" }
            """,
            environment: ["TOKEN": "s3cret", "BODY": "a: b\n- c\n{d: e}"]
        )
        #expect(loaded.config.listeners[0].address == HostPort(host: "127.0.0.1", port: 8080))
        #expect(loaded.config.admin.token == "s3cret")
        #expect(loaded.config.routes[0].respond?.body == "a: b\n- c\n{d: e}")
    }

    @Test("keys are never substituted")
    func keysLiteral() throws {
        let error = try #require(
            Fixtures.error(Fixtures.listener + "${SECTION}: {}", environment: ["SECTION": "routes"])
        )
        #expect(error.message == "unknown key '${SECTION}'")
    }

    @Test("an unset variable is an error at the scalar, with a hint; all of them are reported")
    func missingVariable() {
        let errors = Fixtures.errors(
            """
            listeners:
              - name: public
                address: ${LISTEN_ADDRESS}
            admin:
              token: "Bearer ${TOKEN}"
            """
        )
        #expect(
            errors.map(\.message) == [
                "environment variable 'LISTEN_ADDRESS' is not set",
                "environment variable 'TOKEN' is not set",
            ]
        )
        #expect(errors.map(\.position) == ["3:14", "5:10"])
        #expect(errors.map(\.path) == ["listeners[0].address", "admin.token"])
        #expect(errors[0].hint?.contains("${LISTEN_ADDRESS:-value}") == true)
        #expect(errors[0].hint?.contains("$${LISTEN_ADDRESS}") == true)
    }

    @Test("a substituted value is a string, never YAML's null")
    func substitutedNotNull() throws {
        let error = try #require(
            Fixtures.error(Fixtures.listener + "admin: { token: \"${TOKEN}\" }", environment: ["TOKEN": ""])
        )
        #expect(error.message == "the admin token is empty")
        #expect(error.position == "4:17")
    }
}
