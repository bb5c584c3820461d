/// A JSON number: the text it was written with, and its nearest `Double`.
///
/// The text is kept because a number may be worth more than a `Double` holds (a 64-bit id, a
/// claim forwarded upstream as written: `1700000000`, not `1.7e9`); the `Double` is computed
/// once, when the document is read, because validators compare it several times.
///
/// Two numbers are equal when their `Double`s are (`1`, `1.0` and `1e0` are the same number),
/// as JSON-schema `enum`, `const` and `uniqueItems` require.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number as written in the document (for numbers made in code, see ``init(_:)``).
    public let text: String
    /// The nearest `Double`; `±infinity` for a number beyond its range that a reader kept
    /// (``JSONReader/OutOfRangeNumbers/keepAsText``).
    public let double: Double

    /// A number read from a document: `text` is valid JSON number syntax denoting `double`.
    init(text: String, double: Double) {
        self.text = text
        self.double = double
    }

    /// A number made in code (a value from YAML config): whole numbers are spelled without a
    /// fraction (`3`, not Swift's `3.0`), others with Swift's shortest exact spelling (`0.1`,
    /// `1e+20`). A non-finite value has no JSON spelling; its text is Swift's (`inf`, `nan`).
    public init(_ double: Double) {
        self.double = double
        // `Int64(_:)` traps out of its range; below 1e15 (under 2^53) a whole Double is an exact integer.
        if double.rounded(.towardZero) == double, abs(double) < 1e15 {
            self.text = String(Int64(double))
        } else {
            self.text = double.description
        }
    }

    public var description: String { self.text }

    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        lhs.double == rhs.double
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.double)
    }
}
