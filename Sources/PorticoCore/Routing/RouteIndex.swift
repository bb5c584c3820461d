import PorticoHTTP

/// The indexed form of a route table: a host index over per-host segment tries, flattened
/// into arrays of plain values so that a lookup allocates nothing and follows few pointers.
///
/// **Host index.** Every route goes into one bucket per host pattern: a bucket per exact
/// host, one per wildcard suffix (`*.example.org` → `.example.org`), and one for routes
/// without hosts. A lookup visits the request host's exact bucket, then the wildcard buckets
/// of its label suffixes longest first (`a.b.example.org` → `.b.example.org`, `.example.org`,
/// `.org`), then the any-host bucket: the order of ``RouteRank``'s host fields.
///
/// **Segment trie.** In each bucket, templates and prefixes are paths of trie nodes, one
/// node per segment: literal segments are edges in the shared ``ByteKeyTable`` (keyed by
/// parent node and segment bytes); `{param}` and `*` share one "any segment" child, because
/// both match exactly one non-empty segment and differ only in rank and capture, which the
/// route itself records (this also halves backtracking). A template route sits in the
/// `terminals` of the node where it ends; a prefix or trailing-`**` route sits in the
/// `tails` of the node where its literal part ends and matches there and everywhere below.
/// Regex routes are kept per bucket, best first, and tried last.
///
/// **Pruning.** Each node knows the best (priority, order) among the routes below it, and
/// each bucket the best of its own routes; a lookup skips whatever cannot beat the best
/// candidate found so far. That is what keeps an explicit `priority` correct across buckets
/// (a priority route in the any-host bucket still beats an exact-host route) while a config
/// without priorities stops after the first bucket that matches.
///
/// **Memory.** The arrays a lookup reads are copied once into unmanaged buffers owned by
/// this class, so reading them costs no reference counting (with Swift arrays, retains and
/// releases were most of a lookup's time). Nothing is written after `init`; `deinit` frees
/// them. That is why the class may be `@unchecked Sendable`.
final class RouteIndex: @unchecked Sendable {
    /// A trie node. Route lists are ranges of ``routeLists``, best route first.
    struct Node: Sendable {
        /// The child for `{param}` and `*` segments, or -1.
        var anyChild: Int32 = -1
        /// How many literal children the node has in ``edges``.
        var literalCount: Int32 = 0
        var terminalStart: Int32 = 0
        var terminalEnd: Int32 = 0
        var tailStart: Int32 = 0
        var tailEnd: Int32 = 0
        /// The best (priority, order) of any route at or below this node.
        var boundPriority: Int = .min
        var boundOrder: Int32 = .min
    }

    /// One host bucket: a trie root and the bucket's regex routes.
    struct Bucket: Sendable {
        var root: Int32
        var regexStart: Int32
        var regexEnd: Int32
        /// The best (priority, order) of any route in the bucket.
        var boundPriority: Int
        var boundOrder: Int32
    }

    /// The per-route facts a lookup reads, kept free of references so reading them costs
    /// no reference counting. (Fields in this order make it 32 bytes.)
    struct RouteKey: Sendable {
        var priority: Int
        /// The route's place in the order of (path class, literal length, condition count,
        /// earlier declaration): everything ``RouteRank`` compares after the host.
        var order: Int32
        /// Where the route's entries start: for a regex route in ``regexPrefixBytes`` (its
        /// `prefixCount` bytes), for a template with `{name}` segments in ``captureNames``
        /// (one per bit of `captureMask`). A route is one or the other, so they share it.
        var detailStart: Int32
        /// For a template with `{name}` segments: bit `n` is set when path segment `n` (0
        /// is the one after the first `/`) is captured. 0 when a capture lies beyond
        /// segment 31; the captures are then found by reading the whole template.
        var captureMask: UInt32
        /// For a regex route, how many bytes every path it matches starts with (see
        /// ``RegexPrefix``), often none.
        var prefixCount: UInt16
        /// The standard methods the route allows, as ``RouteIndex/methodBit(_:)`` bits; all
        /// ones when it has no method condition.
        var methodMask: UInt16
        /// Whether the route has no method condition.
        var anyMethod: Bool
        var hasFieldConditions: Bool
        var hasCustomMethods: Bool
        var hasParameters: Bool
        var isRegex: Bool
    }

    /// ``ByteKeyTable`` owners in ``hosts``.
    static let exactHostOwner: Int32 = 0
    static let wildcardOwner: Int32 = 1

    let nodes: UnsafeMutableBufferPointer<Node>
    /// Literal edges: (parent node, segment bytes) → child node.
    let edges: ByteKeyTable
    /// Route ids referenced by nodes and buckets.
    let routeLists: UnsafeMutableBufferPointer<Int32>
    let buckets: UnsafeMutableBufferPointer<Bucket>
    /// (exactHostOwner, host) and (wildcardOwner, suffix with its dot) → bucket.
    let hosts: ByteKeyTable
    /// The bucket of routes without hosts, or -1.
    let anyBucket: Int32
    let routes: UnsafeMutableBufferPointer<RouteKey>
    /// The compiled routes, for conditions, regexes and captures (by route id).
    let matchers: [CompiledRouteMatcher]
    /// The regex routes' literal prefixes, back to back (``RouteKey/detailStart``).
    let regexPrefixBytes: UnsafeMutableBufferPointer<UInt8>
    /// The templates' parameter names, in template order, back to back
    /// (``RouteKey/detailStart``): read instead of the template, whose array is rarely in
    /// the CPU caches.
    let captureNames: [String]
    let exactHostCount: Int
    let wildcardCount: Int
    let wildcardMinLength: Int
    let wildcardMaxLength: Int
    /// The best priority of any wildcard-bucket route, to skip suffix probing.
    let wildcardBoundPriority: Int

    deinit {
        self.nodes.deallocate()
        self.routeLists.deallocate()
        self.buckets.deallocate()
        self.routes.deallocate()
        self.regexPrefixBytes.deallocate()
        self.edges.deallocate()
        self.hosts.deallocate()
    }

    /// The bit of a standard method in ``RouteKey/methodMask``; 0 for other methods, which
    /// are looked up in the route's `HTTPMethodSet`.
    @inline(__always)
    static func methodBit(_ method: HTTPMethod) -> UInt16 {
        method.standardBit
    }

    static let standardMethods: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .DELETE, .CONNECT, .OPTIONS, .TRACE, .PATCH]

    /// A copy of `array` in unmanaged memory (none for an empty array).
    private static func freeze<Element>(_ array: [Element]) -> UnsafeMutableBufferPointer<Element> {
        guard !array.isEmpty else { return UnsafeMutableBufferPointer(start: nil, count: 0) }
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: array.count)
        _ = buffer.initialize(from: array)
        return buffer
    }

    /// The combined host rank of ``RouteRank``'s host class and specificity: one integer
    /// compares like the pair (a host is far shorter than 2^48 bytes).
    @inline(__always)
    static func hostRank(_ hostClass: Int, _ specificity: Int) -> Int {
        hostClass << 48 | min(specificity, (1 << 48) - 1)
    }

    /// Builds the index over compiled routes.
    init(_ matchers: [CompiledRouteMatcher]) {
        self.matchers = matchers
        // `order`: sorting by everything RouteRank compares after the host makes one integer
        // per route; the index makes it unique, so it is a total order.
        let sorted = matchers.map { ($0.pathClass, $0.literalLength, $0.conditionCount, -$0.index) }.enumerated()
            .sorted { $0.element < $1.element }
        var orders = [Int32](repeating: 0, count: matchers.count)
        for (position, route) in sorted.enumerated() { orders[route.offset] = Int32(position) }
        var routes: [RouteKey] = []
        routes.reserveCapacity(matchers.count)
        // Config compilation builds a table per route to check it, so everything here
        // allocates only when it has something to hold.
        var regexPrefixBytes: [UInt8] = []
        var captureNames: [String] = []
        for matcher in matchers {
            var hasParameters = false
            var captureMask: UInt32 = 0
            var isRegex = false
            var detailStart: Int32 = 0
            var prefixCount = 0
            switch matcher.path {
            case .template(let segments):
                var fitsMask = true
                for (number, segment) in segments.enumerated() {
                    guard case .parameter = segment else { continue }
                    hasParameters = true
                    if number < 32 { captureMask |= 1 << number } else { fitsMask = false }
                }
                // A capture beyond bit 31 makes the lookup read the template instead.
                if !fitsMask { captureMask = 0 }
                if captureMask != 0 {
                    detailStart = Int32(captureNames.count)
                    for case .parameter(let name) in segments { captureNames.append(name) }
                }
            case .regex(let regex):
                isRegex = true
                detailStart = Int32(regexPrefixBytes.count)
                // A shorter prefix is still one every match starts with.
                let prefix = RegexPrefix.required(by: regex.pattern).prefix(Int(UInt16.max))
                prefixCount = prefix.count
                regexPrefixBytes.append(contentsOf: prefix)
            case .prefix: break
            }
            let methods = matcher.spec.methods
            let hasCustomMethods = methods?.methods.contains { if case .other = $0 { true } else { false } } ?? false
            var methodMask: UInt16 = methods == nil ? .max : 0
            for method in Self.standardMethods where methods?.contains(method) ?? false {
                methodMask |= Self.methodBit(method)
            }
            routes.append(
                RouteKey(
                    priority: matcher.spec.priority,
                    order: orders[matcher.index],
                    detailStart: detailStart,
                    captureMask: captureMask,
                    prefixCount: UInt16(prefixCount),
                    methodMask: methodMask,
                    anyMethod: methods == nil,
                    hasFieldConditions: !matcher.spec.headers.isEmpty || !matcher.spec.query.isEmpty,
                    hasCustomMethods: hasCustomMethods,
                    hasParameters: hasParameters,
                    isRegex: isRegex
                )
            )
        }

        var builder = Builder()
        // Keyed by bytes: `String` keys would merge canonically equivalent hosts.
        var exactBuckets: [[UInt8]: Int] = [:]
        var wildcardBuckets: [[UInt8]: Int] = [:]
        var anyBucket: Int?
        for matcher in matchers {
            var bucketIDs: [Int] = []
            if matcher.hosts.isEmpty {
                let id = anyBucket ?? builder.newBucket()
                anyBucket = id
                bucketIDs.append(id)
            }
            for pattern in matcher.hosts {
                switch pattern {
                case .exact(let host):
                    let key = Array(host.utf8)
                    let id = exactBuckets[key] ?? builder.newBucket()
                    exactBuckets[key] = id
                    bucketIDs.append(id)
                case .wildcard(let suffix):
                    let key = Array(suffix.utf8)
                    let id = wildcardBuckets[key] ?? builder.newBucket()
                    wildcardBuckets[key] = id
                    bucketIDs.append(id)
                }
            }
            // A host listed twice puts the route in its bucket once.
            var seen = Set<Int>()
            for id in bucketIDs where seen.insert(id).inserted { builder.insert(matcher, into: id) }
        }
        self.anyBucket = anyBucket.map { Int32($0) } ?? -1
        self.exactHostCount = exactBuckets.count
        self.wildcardCount = wildcardBuckets.count
        self.wildcardMinLength = wildcardBuckets.keys.map(\.count).min() ?? 0
        self.wildcardMaxLength = wildcardBuckets.keys.map(\.count).max() ?? 0
        var hostEntries: [(owner: Int32, key: [UInt8], value: Int32)] = []
        for (host, id) in exactBuckets { hostEntries.append((Self.exactHostOwner, host, Int32(id))) }
        for (suffix, id) in wildcardBuckets { hostEntries.append((Self.wildcardOwner, suffix, Int32(id))) }
        self.hosts = ByteKeyTable(hostEntries)
        let flat = Flattened(builder, routes)
        self.wildcardBoundPriority = wildcardBuckets.values.map { flat.buckets[$0].boundPriority }.max() ?? .min
        self.nodes = Self.freeze(flat.nodes)
        self.routeLists = Self.freeze(flat.routeLists)
        self.buckets = Self.freeze(flat.buckets)
        self.routes = Self.freeze(routes)
        self.regexPrefixBytes = Self.freeze(regexPrefixBytes)
        self.captureNames = captureNames
        self.edges = ByteKeyTable(flat.edgeEntries)
    }

    /// The builder's nested form as flat arrays, lists sorted best first, with the pruning
    /// bounds.
    private struct Flattened {
        var nodes: [Node] = []
        var routeLists: [Int32] = []
        var buckets: [Bucket] = []
        var edgeEntries: [(owner: Int32, key: [UInt8], value: Int32)] = []

        init(_ builder: Builder, _ routes: [RouteKey]) {
            func better(_ a: Int32, _ b: Int32) -> Bool {
                let x = routes[Int(a)]
                let y = routes[Int(b)]
                if x.priority != y.priority { return x.priority > y.priority }
                return x.order > y.order
            }
            func raise(_ priority: inout Int, _ order: inout Int32, to route: Int32) {
                let key = routes[Int(route)]
                if key.priority > priority || (key.priority == priority && key.order > order) {
                    priority = key.priority
                    order = key.order
                }
            }
            self.nodes.reserveCapacity(builder.nodes.count)
            for (id, built) in builder.nodes.enumerated() {
                var node = Node()
                node.anyChild = built.anyChild
                node.literalCount = Int32(built.literals.count)
                for (segment, child) in built.literals { self.edgeEntries.append((Int32(id), segment, child)) }
                node.terminalStart = Int32(self.routeLists.count)
                self.routeLists.append(contentsOf: built.terminals.sorted(by: better))
                node.terminalEnd = Int32(self.routeLists.count)
                node.tailStart = Int32(self.routeLists.count)
                self.routeLists.append(contentsOf: built.tails.sorted(by: better))
                node.tailEnd = Int32(self.routeLists.count)
                for route in built.terminals + built.tails { raise(&node.boundPriority, &node.boundOrder, to: route) }
                self.nodes.append(node)
            }
            // Children are created after their parents, so one backwards pass carries every
            // node's bound up to the root.
            for id in stride(from: builder.nodes.count - 1, through: 0, by: -1) {
                let parent = Int(builder.nodes[id].parent)
                guard parent >= 0 else { continue }
                let child = self.nodes[id]
                let key = (child.boundPriority, child.boundOrder)
                if key.0 > self.nodes[parent].boundPriority
                    || (key.0 == self.nodes[parent].boundPriority && key.1 > self.nodes[parent].boundOrder)
                {
                    self.nodes[parent].boundPriority = key.0
                    self.nodes[parent].boundOrder = key.1
                }
            }
            for built in builder.buckets {
                let root = self.nodes[Int(built.root)]
                var bucket = Bucket(
                    root: built.root,
                    regexStart: Int32(self.routeLists.count),
                    regexEnd: 0,
                    boundPriority: root.boundPriority,
                    boundOrder: root.boundOrder
                )
                self.routeLists.append(contentsOf: built.regexes.sorted(by: better))
                bucket.regexEnd = Int32(self.routeLists.count)
                for route in built.regexes { raise(&bucket.boundPriority, &bucket.boundOrder, to: route) }
                self.buckets.append(bucket)
            }
        }
    }

    /// The nested, growable form the index is built in.
    private struct Builder {
        struct BuildNode {
            var parent: Int32
            /// Keyed by bytes, like everything the index compares.
            var literals: [[UInt8]: Int32] = [:]
            var anyChild: Int32 = -1
            var terminals: [Int32] = []
            var tails: [Int32] = []
        }

        struct BuildBucket {
            var root: Int32
            var regexes: [Int32] = []
        }

        var nodes: [BuildNode] = []
        var buckets: [BuildBucket] = []

        mutating func newBucket() -> Int {
            self.buckets.append(BuildBucket(root: self.newNode(parent: -1)))
            return self.buckets.count - 1
        }

        private mutating func newNode(parent: Int32) -> Int32 {
            self.nodes.append(BuildNode(parent: parent))
            return Int32(self.nodes.count - 1)
        }

        /// Adds a route to a bucket's trie (or regex list).
        mutating func insert(_ matcher: CompiledRouteMatcher, into bucketID: Int) {
            let route = Int32(matcher.index)
            var node = self.buckets[bucketID].root
            switch matcher.path {
            case .regex:
                self.buckets[bucketID].regexes.append(route)
            case .prefix(let prefix):
                if prefix != "/" {
                    for segment in prefix.utf8.dropFirst().split(
                        separator: UInt8(ascii: "/"),
                        omittingEmptySubsequences: false
                    ) {
                        node = self.literalChild(of: node, Array(segment))
                    }
                }
                self.nodes[Int(node)].tails.append(route)
            case .template(let segments):
                for segment in segments {
                    switch segment {
                    case .literal(let text):
                        node = self.literalChild(of: node, Array(text.utf8))
                    case .parameter, .anySegment:
                        node = self.anyChild(of: node)
                    case .anyTail:
                        // `**` matches zero or more segments from here: the prefix rule.
                        self.nodes[Int(node)].tails.append(route)
                        return
                    }
                }
                self.nodes[Int(node)].terminals.append(route)
            }
        }

        private mutating func literalChild(of node: Int32, _ segment: [UInt8]) -> Int32 {
            if let child = self.nodes[Int(node)].literals[segment] { return child }
            let child = self.newNode(parent: node)
            self.nodes[Int(node)].literals[segment] = child
            return child
        }

        private mutating func anyChild(of node: Int32) -> Int32 {
            let existing = self.nodes[Int(node)].anyChild
            if existing >= 0 { return existing }
            let child = self.newNode(parent: node)
            self.nodes[Int(node)].anyChild = child
            return child
        }
    }
}
