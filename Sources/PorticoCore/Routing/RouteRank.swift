/// The precedence of a candidate route for one request; the greatest rank wins.
///
/// Compared field by field, in this order (docs/configuration.md, "Route precedence"):
/// 1. explicit `priority` (higher first),
/// 2. host: exact, then wildcard (longer suffix first), then no host condition,
/// 3. path kind: exact, then `{param}`, then glob/prefix (no path condition counts as the
///    prefix `/`), then regex,
/// 4. longer literal path prefix (the bytes before the first variable part),
/// 5. more conditions (methods, headers, query parameters),
/// 6. declared earlier in the config.
///
/// The same order decides the indexed ``RouteTable/lookup(_:)`` and the linear
/// ``RouteTable/explain(_:)``; the index only skips candidates that provably rank lower.
public struct RouteRank: Comparable, Sendable {
    /// The route's explicit `priority` (default 0).
    public var priority: Int
    /// ``exactHost``, ``wildcardHost`` or ``anyHost``.
    public var hostClass: Int
    /// Bytes of the matching host pattern: the host for an exact match, the suffix (with its
    /// leading dot) for a wildcard, 0 for any host.
    public var hostSpecificity: Int
    /// ``exactPath``, ``parameterPath``, ``globPath`` or ``regexPath``.
    public var pathClass: Int
    /// Bytes of the path before its first variable part (0 for regexes and the root).
    public var literalLength: Int
    /// Methods (counted once), header and query conditions.
    public var conditionCount: Int
    /// The route index, negated so that earlier routes rank higher.
    public var negatedIndex: Int

    /// Creates a rank; `index` is the route's position in the config.
    public init(
        priority: Int,
        hostClass: Int,
        hostSpecificity: Int,
        pathClass: Int,
        literalLength: Int,
        conditionCount: Int,
        index: Int
    ) {
        self.priority = priority
        self.hostClass = hostClass
        self.hostSpecificity = hostSpecificity
        self.pathClass = pathClass
        self.literalLength = literalLength
        self.conditionCount = conditionCount
        self.negatedIndex = -index
    }

    /// Whether `lhs` loses to `rhs`.
    public static func < (lhs: RouteRank, rhs: RouteRank) -> Bool {
        if lhs.priority != rhs.priority { return lhs.priority < rhs.priority }
        if lhs.hostClass != rhs.hostClass { return lhs.hostClass < rhs.hostClass }
        if lhs.hostSpecificity != rhs.hostSpecificity { return lhs.hostSpecificity < rhs.hostSpecificity }
        if lhs.pathClass != rhs.pathClass { return lhs.pathClass < rhs.pathClass }
        if lhs.literalLength != rhs.literalLength { return lhs.literalLength < rhs.literalLength }
        if lhs.conditionCount != rhs.conditionCount { return lhs.conditionCount < rhs.conditionCount }
        return lhs.negatedIndex < rhs.negatedIndex
    }

    /// Host class of a route with an exact host pattern matching the request.
    public static let exactHost = 2
    /// Host class of a route whose best matching pattern is a wildcard.
    public static let wildcardHost = 1
    /// Host class of a route without host patterns.
    public static let anyHost = 0
    /// Path class of a template without variables.
    public static let exactPath = 4
    /// Path class of a template with `{param}` segments (and no globs).
    public static let parameterPath = 3
    /// Path class of a template with `*`/`**`, a prefix, or no path condition.
    public static let globPath = 2
    /// Path class of a regex: the last resort.
    public static let regexPath = 1
}
