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
public struct RouteRank: Comparable, Sendable {
    public var priority: Int
    public var hostClass: Int
    public var hostSpecificity: Int
    public var pathClass: Int
    public var literalLength: Int
    public var conditionCount: Int
    /// The route index, negated so that earlier routes rank higher.
    public var negatedIndex: Int

    public init(priority: Int, hostClass: Int, hostSpecificity: Int, pathClass: Int, literalLength: Int, conditionCount: Int, index: Int) {
        self.priority = priority
        self.hostClass = hostClass
        self.hostSpecificity = hostSpecificity
        self.pathClass = pathClass
        self.literalLength = literalLength
        self.conditionCount = conditionCount
        self.negatedIndex = -index
    }

    public static func < (lhs: RouteRank, rhs: RouteRank) -> Bool {
        if lhs.priority != rhs.priority { return lhs.priority < rhs.priority }
        if lhs.hostClass != rhs.hostClass { return lhs.hostClass < rhs.hostClass }
        if lhs.hostSpecificity != rhs.hostSpecificity { return lhs.hostSpecificity < rhs.hostSpecificity }
        if lhs.pathClass != rhs.pathClass { return lhs.pathClass < rhs.pathClass }
        if lhs.literalLength != rhs.literalLength { return lhs.literalLength < rhs.literalLength }
        if lhs.conditionCount != rhs.conditionCount { return lhs.conditionCount < rhs.conditionCount }
        return lhs.negatedIndex < rhs.negatedIndex
    }

    /// Host class values.
    public static let exactHost = 2
    public static let wildcardHost = 1
    public static let anyHost = 0
    /// Path class values.
    public static let exactPath = 4
    public static let parameterPath = 3
    public static let globPath = 2
    public static let regexPath = 1
}
