import PorticoCore
import Testing

@testable import PorticoConfig

@Suite("Durations, sizes, addresses and target URLs")
struct ValueParsingTests {
    @Test(
        "durations",
        arguments: [
            ("500ms", Int64(500_000_000)), ("10s", 10_000_000_000), ("5m", 300_000_000_000), ("1h", 3_600_000_000_000),
            ("1.5s", 1_500_000_000), ("0.25ms", 250_000), ("1m30s", 90_000_000_000), ("0s", 0), ("250us", 250_000),
            ("7ns", 7), (" 2s ", 2_000_000_000), ("1.123456789123s", 1_123_456_789),
        ]
    )
    func durations(text: String, nanoseconds: Int64) throws {
        #expect(try ConfigDuration(parsing: text).nanoseconds == nanoseconds)
    }

    @Test("bad durations explain themselves")
    func badDurations() {
        func issue(_ text: String) -> ConfigIssue? {
            do {
                _ = try ConfigDuration(parsing: text)
                return nil
            } catch {
                return error
            }
        }
        #expect(issue("10")?.message == "duration '10' has no unit")
        #expect(issue("10")?.hint == "write 10s, 10ms, 10m or 10h")
        #expect(issue("-5s")?.message == "duration '-5s' is negative")
        #expect(issue("10x")?.message == "unknown unit 'x' in duration '10x'")
        #expect(issue("10x")?.hint?.hasPrefix("units are ms, s, m and h") == true)
        #expect(issue("10sec")?.message == "unknown unit 'sec' in duration '10sec'")
        #expect(issue("10mss")?.message == "unknown unit 'mss' in duration '10mss' (did you mean 'ms'?)")
        #expect(issue("1d")?.message.hasPrefix("unknown unit 'd'") == true)
        #expect(issue("")?.message == "expected a duration, found an empty value")
        #expect(issue("s")?.message == "expected a number in duration 's'")
        #expect(issue("1.2.3s") != nil)
        #expect(issue("99999999999h")?.message.contains("too large") == true)
        #expect(issue("5s10") != nil)
    }

    @Test("duration spellings round-trip")
    func durationDescription() throws {
        #expect(ConfigDuration.seconds(90).description == "90s")
        #expect(ConfigDuration.minutes(60).description == "1h")
        #expect(ConfigDuration.milliseconds(1500).description == "1500ms")
        #expect(ConfigDuration(nanoseconds: 0).description == "0s")
        #expect(ConfigDuration.seconds(10).timeAmount == .seconds(10))
    }

    @Test(
        "sizes",
        arguments: [
            ("512", 512), ("0", 0), ("64KiB", 65_536), ("10MiB", 10_485_760), ("1GiB", 1_073_741_824), ("2KB", 2_000),
            ("3kB", 3_000), ("5MB", 5_000_000), ("1GB", 1_000_000_000), ("1.5MiB", 1_572_864), ("10 KiB", 10_240),
            ("100B", 100),
            ("1_000", 1_000),
        ]
    )
    func sizes(text: String, bytes: Int) throws {
        #expect(try ByteSize(parsing: text).bytes == bytes)
    }

    @Test("bad sizes explain themselves")
    func badSizes() {
        func message(_ text: String) -> String? {
            do {
                _ = try ByteSize(parsing: text)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(message("10mb") == "unknown unit 'mb' in size '10mb' (did you mean 'MB'?)")
        #expect(message("10mib") == "unknown unit 'mib' in size '10mib' (did you mean 'MiB'?)")
        #expect(message("-1") == "size '-1' is negative")
        #expect(message("1.5") == "size '1.5' is a fraction of a byte")
        #expect(message("lots") == "expected a size, found 'lots'")
        #expect(message("99999999999TiB") == "size '99999999999TiB' is not a number or too large")
    }

    @Test("addresses")
    func addresses() throws {
        #expect(try HostPort(parsing: "0.0.0.0:8080") == HostPort(host: "0.0.0.0", port: 8080))
        #expect(try HostPort(parsing: "[::]:8080") == HostPort(host: "::", port: 8080))
        #expect(try HostPort(parsing: "[::1]:0") == HostPort(host: "::1", port: 0))
        #expect(try HostPort(parsing: "localhost:9901") == HostPort(host: "localhost", port: 9901))
        #expect(try HostPort(parsing: "localhost:65535").port == 65535)
        #expect(HostPort(host: "::", port: 80).description == "[::]:80")
        func message(_ text: String) -> String? {
            do {
                _ = try HostPort(parsing: text)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(message("0.0.0.0") == "address '0.0.0.0' has no port")
        #expect(message("0.0.0.0:65536") == "port '65536' in address '0.0.0.0:65536' is not a number from 0 to 65535")
        #expect(message("0.0.0.0:-1") != nil)
        #expect(message("::1:8080") == "IPv6 address '::1:8080' needs brackets")
        #expect(message(":8080") == "address ':8080' has no host")
        #expect(message("[::1]") == "address '[::1]' has no port")
        #expect(message("[zz]:80") != nil)
        #expect(message("a b:80") != nil)
    }

    @Test("target URLs")
    func targetURLs() throws {
        #expect(
            try TargetURL(parsing: "http://127.0.0.1:3001") == TargetURL(host: "127.0.0.1", port: 3001, basePath: "")
        )
        #expect(
            try TargetURL(parsing: "http://users.internal") == TargetURL(host: "users.internal", port: 80, basePath: "")
        )
        #expect(
            try TargetURL(parsing: "HTTP://[::1]:8080/api/v1/")
                == TargetURL(host: "::1", port: 8080, basePath: "/api/v1")
        )
        #expect(try TargetURL(parsing: "http://a.test/").basePath == "")
        func issue(_ text: String) -> ConfigIssue? {
            do {
                _ = try TargetURL(parsing: text)
                return nil
            } catch {
                return error
            }
        }
        #expect(issue("https://a.test")?.message == "https upstreams are not supported yet")
        #expect(issue("127.0.0.1:3001")?.hint == "write http://127.0.0.1:3001")
        #expect(issue("ftp://a.test")?.message == "unsupported scheme 'ftp' in target URL 'ftp://a.test'")
        #expect(issue("http://user:pw@a.test") != nil)
        #expect(issue("http://a.test/?x=1") != nil)
        #expect(issue("http://a.test:0") != nil)
        #expect(issue("http://a.test:99999") != nil)
        #expect(issue("http://") != nil)
        #expect(issue("http://a test") != nil)
    }
}
