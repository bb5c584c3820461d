import Foundation
import NIOCore
import PorticoCore

/// A length of time as written in config: `500ms`, `10s`, `5m`, `1h`, `1.5s`, `1m30s`.
///
/// A unit is required (`10` alone is ambiguous and rejected), values are never negative.
public struct ConfigDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in nanoseconds.
    public var nanoseconds: Int64

    /// A duration of `nanoseconds`.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// Milliseconds (saturating at the largest representable duration).
    public static func milliseconds(_ value: Int64) -> ConfigDuration { .init(value, unit: 1_000_000) }
    /// Seconds.
    public static func seconds(_ value: Int64) -> ConfigDuration { .init(value, unit: 1_000_000_000) }
    /// Minutes.
    public static func minutes(_ value: Int64) -> ConfigDuration { .init(value, unit: 60_000_000_000) }
    /// Hours.
    public static func hours(_ value: Int64) -> ConfigDuration { .init(value, unit: 3_600_000_000_000) }

    private init(_ value: Int64, unit: Int64) {
        let (product, overflow) = value.multipliedReportingOverflow(by: unit)
        self.nanoseconds = overflow ? (value < 0 ? .min : .max) : product
    }

    /// The same length as NIO's time type.
    public var timeAmount: TimeAmount { .nanoseconds(self.nanoseconds) }

    /// The shortest exact spelling: `1h`, `90s`, `1500ms`.
    public var description: String {
        if self.nanoseconds == 0 { return "0s" }
        let spellings: [(String, Int64)] = [
            ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000),
        ]
        for (name, unit) in spellings where self.nanoseconds % unit == 0 {
            return "\(self.nanoseconds / unit)\(name)"
        }
        return "\(self.nanoseconds)ns"
    }

    public static func < (lhs: ConfigDuration, rhs: ConfigDuration) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// Units by name, shortest first.
    static let units: [(String, Int64)] = [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
        ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    /// Parses `500ms`, `1.5s`, `1m30s`; throws ``ConfigIssue`` with a hint otherwise.
    public init(parsing text: String) throws(ConfigIssue) {
        let example = "e.g. 500ms, 10s, 5m or 1h"
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ConfigIssue("expected a duration, found an empty value", hint: example) }
        if trimmed.hasPrefix("-") {
            throw ConfigIssue("duration '\(text)' is negative", hint: "durations are 0 or more, \(example)")
        }
        if trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            throw ConfigIssue(
                "duration '\(text)' has no unit",
                hint: "write \(trimmed)s, \(trimmed)ms, \(trimmed)m or \(trimmed)h"
            )
        }
        var total: Int64 = 0
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count).drop { $0 == " " }
            let unitName = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) && $0 != " " }
            rest = rest.dropFirst(unitName.count).drop { $0 == " " }
            guard !number.isEmpty else {
                throw ConfigIssue("expected a number in duration '\(text)'", hint: example)
            }
            guard !unitName.isEmpty else {
                throw ConfigIssue("missing unit after '\(number)' in duration '\(text)'", hint: example)
            }
            guard let unit = Self.units.first(where: { $0.0 == unitName })?.1 else {
                let suggestion = Suggestion.didYouMean(String(unitName), among: Self.units.map(\.0))
                throw ConfigIssue(
                    "unknown unit '\(unitName)' in duration '\(text)'\(suggestion)",
                    hint: "units are ms, s, m and h (also ns and us): \(example)"
                )
            }
            guard let value = DecimalText.scaled(number, by: unit) else {
                throw ConfigIssue("'\(number)' in duration '\(text)' is not a number or too large", hint: example)
            }
            let (sum, overflow) = total.addingReportingOverflow(value)
            guard !overflow else { throw ConfigIssue("duration '\(text)' is too large") }
            total = sum
        }
        self.nanoseconds = total
    }
}

extension ConfigDuration: Decodable {
    /// Decodes the text form (`10s`).
    public init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }
}

/// Exact arithmetic on decimal numbers as written (`1.5` × unit) without floating point.
enum DecimalText {
    /// `number` × `unit`, truncated to an integer; nil if malformed or out of range.
    static func scaled(_ number: Substring, by unit: Int64) -> Int64? {
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty || parts.count == 2 else { return nil }
        let whole = parts[0].isEmpty ? 0 : Int64(parts[0])
        guard let whole else { return nil }
        var (result, overflow) = whole.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        if parts.count == 2 {
            // Nine fraction digits reach nanoseconds for every unit here; later ones cannot matter.
            let digits = parts[1].prefix(9)
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let fraction = Int64(digits)
            else {
                return nil
            }
            var scale: Int64 = 1
            for _ in 0..<digits.count { scale *= 10 }
            // fraction < scale, so the quotient is below `unit` and cannot overflow.
            let product = unit.multipliedFullWidth(by: fraction)
            let part = scale.dividingFullWidth((high: product.high, low: product.low)).quotient
            (result, overflow) = result.addingReportingOverflow(part)
            guard !overflow else { return nil }
        }
        return result
    }
}
