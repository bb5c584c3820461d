import PorticoCore
import PorticoHTTP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Value syntaxes shared by the filters' configurations. They follow docs/configuration.md
/// ("Values") so a filter reads `10MiB` or `10m` exactly as the rest of the file does; they are
/// parsed here because this module does not depend on the config loader.
enum ConfigValues {
    /// `512`, `64KiB`, `10MiB`, `1GiB` (powers of 1024) or `KB`/`MB`/`GB` (powers of 1000).
    static func size(_ text: String) -> Int? {
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
            ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
        ]
        var number = Substring(text)
        var multiplier = 1
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            multiplier = factor
            break
        }
        guard !number.isEmpty, number.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = Int(number)
        else { return nil }
        let (result, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : result
    }

    /// `500ms`, `10s`, `1.5s`, `5m`, `1h` as nanoseconds; a bare number is seconds when
    /// `bareSeconds` is set.
    static func duration(_ text: String, bareSeconds: Bool = false) -> Int64? {
        let units: [(String, Double)] = [("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86400e9)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "5ms" also ends in "s": only accept a number before the suffix.
            guard let value = Self.decimal(number) else { continue }
            let nanoseconds = value * factor
            guard nanoseconds.isFinite, nanoseconds < 9e18 else { return nil }
            return Int64(nanoseconds.rounded())
        }
        if bareSeconds, let value = Self.decimal(Substring(text)) {
            let nanoseconds = value * 1e9
            guard nanoseconds < 9e18 else { return nil }
            return Int64(nanoseconds.rounded())
        }
        return nil
    }

    private static func decimal(_ text: Substring) -> Double? {
        guard !text.isEmpty,
            text.utf8.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }),
            text.utf8.first != UInt8(ascii: "."), text.utf8.last != UInt8(ascii: ".")
        else { return nil }
        return Double(text)
    }

    /// Checks that `name` can be a header name, for a config key.
    static func checkHeaderName(_ name: String, key: String, example: String) throws {
        guard HTTPSyntax.isValidFieldName(name) else {
            throw ConfigIssue("'\(name)' is not a valid header name", key: key, hint: "e.g. \(key): \(example)")
        }
    }

    /// A header name that may be turned off with `off` (as `admin.address: off`).
    static func optionalHeader(_ text: String?, default defaultName: String, key: String) throws -> String? {
        guard let text else { return defaultName }
        if text == "off" { return nil }
        try Self.checkHeaderName(text, key: key, example: defaultName)
        return text
    }
}

/// A coding key for mappings whose keys are data (header names, schema properties).
struct DynamicCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        nil
    }
}

/// Reading small files named by a configuration (`htpasswd_file`, `schema_file`) once, when
/// the filter is built; never per request.
enum ConfigFile {
    /// The file's bytes; relative paths are resolved against `baseDirectory`.
    static func read(_ path: String, baseDirectory: String, key: String) throws -> [UInt8] {
        let full = path.hasPrefix("/") || baseDirectory.isEmpty ? path : baseDirectory + "/" + path
        guard let file = fopen(full, "rb") else {
            throw ConfigIssue(
                "cannot read '\(full)'", key: key, hint: "relative paths start at the config file's directory")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
            if count < chunk.count { break }
            if bytes.count > 16 << 20 {
                throw ConfigIssue("'\(full)' is larger than 16 MiB", key: key)
            }
        }
        return bytes
    }
}
