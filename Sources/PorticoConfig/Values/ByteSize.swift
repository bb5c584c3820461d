import Foundation
import PorticoCore

/// A number of bytes as written in config: `512`, `64KiB`, `10MiB`, `1GiB`, `1.5MB`.
///
/// `KiB`/`MiB`/`GiB`/`TiB` are powers of 1024, `KB` (or `kB`)/`MB`/`GB`/`TB` powers of 1000;
/// a bare integer is bytes.
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The size in bytes.
    public var bytes: Int

    /// A size of `bytes`.
    public init(bytes: Int) {
        self.bytes = bytes
    }

    /// Kibibytes (1024 bytes each), saturating.
    public static func kibibytes(_ value: Int) -> ByteSize { .init(value, unit: 1 << 10) }
    /// Mebibytes.
    public static func mebibytes(_ value: Int) -> ByteSize { .init(value, unit: 1 << 20) }
    /// Gibibytes.
    public static func gibibytes(_ value: Int) -> ByteSize { .init(value, unit: 1 << 30) }

    private init(_ value: Int, unit: Int) {
        let (product, overflow) = value.multipliedReportingOverflow(by: unit)
        self.bytes = overflow ? (value < 0 ? .min : .max) : product
    }

    /// The shortest exact binary spelling: `64KiB`, `10MiB`, `1000`.
    public var description: String {
        for (name, unit) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where self.bytes != 0 && self.bytes % unit == 0 {
            return "\(self.bytes / unit)\(name)"
        }
        return "\(self.bytes)"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool {
        lhs.bytes < rhs.bytes
    }

    static let units: [(String, Int64)] = [
        ("B", 1), ("KB", 1_000), ("kB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
    ]

    /// Parses `512`, `64KiB`, `1.5MB`; throws ``ConfigIssue`` with a hint otherwise.
    public init(parsing text: String) throws(ConfigIssue) {
        let example = "e.g. 512, 64KiB, 10MiB or 1GiB"
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ConfigIssue("expected a size, found an empty value", hint: example) }
        if trimmed.hasPrefix("-") { throw ConfigIssue("size '\(text)' is negative", hint: example) }
        let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == "." || $0 == "_") }
        let unitName = trimmed.dropFirst(number.count).drop { $0 == " " }
        guard !number.isEmpty else { throw ConfigIssue("expected a size, found '\(text)'", hint: example) }
        let unit: Int64
        if unitName.isEmpty {
            guard !number.contains(".") else {
                throw ConfigIssue("size '\(text)' is a fraction of a byte", hint: "give a unit (1.5MiB) or whole bytes")
            }
            unit = 1
        } else if let known = Self.units.first(where: { $0.0 == unitName })?.1 {
            unit = known
        } else {
            let names = Self.units.map(\.0)
            let suggestion =
                names.first { $0.lowercased() == unitName.lowercased() }.map { " (did you mean '\($0)'?)" }
                ?? Suggestion.didYouMean(String(unitName), among: names)
            throw ConfigIssue(
                "unknown unit '\(unitName)' in size '\(text)'\(suggestion)",
                hint: "units are B, KiB, MiB, GiB (powers of 1024) and KB, MB, GB (powers of 1000): \(example)"
            )
        }
        let digits = Substring(number.replacingOccurrences(of: "_", with: ""))
        guard let value = DecimalText.scaled(digits, by: unit), let bytes = Int(exactly: value) else {
            throw ConfigIssue("size '\(text)' is not a number or too large", hint: example)
        }
        self.bytes = bytes
    }
}

extension ByteSize: Decodable {
    /// Decodes the text form (`64KiB`) or a plain integer.
    public init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }
}
