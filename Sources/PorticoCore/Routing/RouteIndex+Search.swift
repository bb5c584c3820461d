import PorticoHTTP

extension RouteIndex {
    /// The route for a request; what `RouteTable.lookup` returns.
    ///
    /// The walk reads the host and path as UTF-8 bytes by position (no splitting, no
    /// `String`s) and compares candidates by their precomputed rank keys; a route's header
    /// and query conditions are read only when it could become the best candidate, and
    /// parameters are captured only for the winner. Allocates only for the captured
    /// parameters and for the `Allow` set of a 405 with non-standard methods.
    func lookup(_ query: RouteQuery) -> RouteLookup {
        var search = Search(methodBit: Self.methodBit(query.method))
        var parameters: PathParameters?
        // Closures capturing `query` would copy it (retaining and releasing each of its
        // strings, most of a lookup's cost); a pointer to it is a plain value. The pointer
        // lives only inside this call, where `query` is alive and unchanged.
        withUnsafePointer(to: query) { query in
            Self.withBytes(query.pointee.path) { path in
                Self.withBytes(query.pointee.host) { host in
                    self.search(host: host, path: path, query, &search)
                }
                if search.bestRoute >= 0 { parameters = self.captures(of: search.bestRoute, query.pointee.path, path) }
            }
        }
        return self.result(of: &search, parameters)
    }

    /// Calls `body` with the UTF-8 bytes of `text`, copying only if they are not contiguous
    /// (native Swift strings always are).
    @inline(__always)
    private static func withBytes<Result>(_ text: Substring, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = String(text)
        return copy.withUTF8(body)
    }

    /// Visits the host buckets in host-rank order: exact, wildcard suffixes longest first,
    /// any host. Every bucket is skipped when its best route cannot beat the best candidate.
    private func search(
        host: UnsafeBufferPointer<UInt8>,
        path: UnsafeBufferPointer<UInt8>,
        _ query: UnsafePointer<RouteQuery>,
        _ search: inout Search
    ) {
        if self.exactHostCount > 0 {
            let bucket = self.hosts.find(owner: Self.exactHostOwner, host)
            if bucket >= 0 {
                self.search(
                    bucket: bucket,
                    hostRank: Self.hostRank(RouteRank.exactHost, host.count),
                    path,
                    query,
                    &search
                )
            }
        }
        if self.wildcardCount > 0,
            search.isBeaten(
                by: self.wildcardBoundPriority,
                Self.hostRank(RouteRank.wildcardHost, self.wildcardMaxLength),
                .max
            )
        {
            // A suffix starts at a dot that is not the host's first byte (`*.example.org` needs
            // a label before `.example.org`); only lengths some wildcard has are probed.
            let count = host.count
            var start = max(1, count - self.wildcardMaxLength)
            let lastStart = count - self.wildcardMinLength
            while start <= lastStart {
                if host[start] == UInt8(ascii: ".") {
                    let bucket = self.hosts.find(
                        owner: Self.wildcardOwner,
                        UnsafeBufferPointer(rebasing: host[start...])
                    )
                    if bucket >= 0 {
                        let rank = Self.hostRank(RouteRank.wildcardHost, count - start)
                        self.search(bucket: bucket, hostRank: rank, path, query, &search)
                    }
                }
                start += 1
            }
        }
        if self.anyBucket >= 0 {
            self.search(bucket: self.anyBucket, hostRank: Self.hostRank(RouteRank.anyHost, 0), path, query, &search)
        }
    }

    /// One bucket: the trie walk, then the regex routes that could still win.
    private func search(
        bucket id: Int32,
        hostRank: Int,
        _ path: UnsafeBufferPointer<UInt8>,
        _ query: UnsafePointer<RouteQuery>,
        _ search: inout Search
    ) {
        let bucket = self.buckets[Int(id)]
        guard search.isBeaten(by: bucket.boundPriority, hostRank, bucket.boundOrder) else { return }
        if path.first == UInt8(ascii: "/") {
            self.walk(bucket.root, segmentStart: 1, hostRank, path, query, &search)
        } else {
            // Not origin-form (e.g. `*`): only the root's tails (`/`, `/**`, no path) match.
            let root = self.nodes[Int(bucket.root)]
            self.consider(root.tailStart, root.tailEnd, hostRank, query, &search)
        }
        var position = bucket.regexStart
        while position < bucket.regexEnd {
            let route = self.routeLists[Int(position)]
            let key = self.routes[Int(route)]
            // Sorted best first: once one cannot win, none of the rest can.
            guard search.isBeaten(by: key.priority, hostRank, key.order) else { return }
            self.considerRegex(route, key, hostRank, query, &search)
            position += 1
        }
    }

    /// Walks the trie below `nodeID`, which the path has reached with a segment starting
    /// at `segmentStart` still to come (possibly empty: `/a/` ends with an empty segment).
    ///
    /// Recursion depth is bounded by the trie's depth, not the path's, because the walk
    /// stops where the trie has no matching child.
    private func walk(
        _ nodeID: Int32,
        segmentStart: Int,
        _ hostRank: Int,
        _ path: UnsafeBufferPointer<UInt8>,
        _ query: UnsafePointer<RouteQuery>,
        _ search: inout Search
    ) {
        let node = self.nodes[Int(nodeID)]
        var end = segmentStart
        while end < path.count && path[end] != UInt8(ascii: "/") { end += 1 }
        // Literal children first: they hold the exact routes, which usually win and then
        // let the bounds prune the rest.
        if node.literalCount > 0 {
            let child = self.edges.find(owner: nodeID, UnsafeBufferPointer(rebasing: path[segmentStart..<end]))
            if child >= 0 { self.enter(child, segmentEnd: end, hostRank, path, query, &search) }
        }
        if node.anyChild >= 0 && end > segmentStart {
            self.enter(node.anyChild, segmentEnd: end, hostRank, path, query, &search)
        }
        self.consider(node.tailStart, node.tailEnd, hostRank, query, &search)
    }

    /// Moves to a child that matched the segment ending at `segmentEnd`.
    @inline(__always)
    private func enter(
        _ nodeID: Int32,
        segmentEnd: Int,
        _ hostRank: Int,
        _ path: UnsafeBufferPointer<UInt8>,
        _ query: UnsafePointer<RouteQuery>,
        _ search: inout Search
    ) {
        let node = self.nodes[Int(nodeID)]
        guard search.isBeaten(by: node.boundPriority, hostRank, node.boundOrder) else { return }
        if segmentEnd == path.count {
            // The path ends here: templates ending here match, and so do tails (`**` and
            // prefixes match zero further segments).
            self.consider(node.terminalStart, node.terminalEnd, hostRank, query, &search)
            self.consider(node.tailStart, node.tailEnd, hostRank, query, &search)
        } else {
            self.walk(nodeID, segmentStart: segmentEnd + 1, hostRank, path, query, &search)
        }
    }

    /// Tries a list of routes whose host and path match, best first, until one matches or
    /// the rest cannot win.
    @inline(__always)
    private func consider(
        _ start: Int32,
        _ end: Int32,
        _ hostRank: Int,
        _ query: UnsafePointer<RouteQuery>,
        _ search: inout Search
    ) {
        var position = start
        while position < end {
            let route = self.routeLists[Int(position)]
            let key = self.routes[Int(route)]
            guard search.isBeaten(by: key.priority, hostRank, key.order) else { return }
            if self.conditionsHold(route, key, query, &search) {
                search.best(route, key, hostRank)
                return
            }
            position += 1
        }
    }

    /// Whether the route's method, header and query conditions hold; records a method-only
    /// failure for the 405 while nothing has matched.
    @inline(__always)
    private func conditionsHold(
        _ route: Int32,
        _ key: RouteKey,
        _ query: UnsafePointer<RouteQuery>,
        _ search: inout Search
    ) -> Bool {
        let methodAllowed = self.allows(key, route, query, search)
        if !methodAllowed && search.bestRoute >= 0 { return false }
        if key.hasFieldConditions, self.matchers[Int(route)].fieldFailure(query.pointee.head) != nil { return false }
        if methodAllowed { return true }
        search.methodMismatch(route, key)
        return false
    }

    /// Whether the route allows the request's method: one AND for standard methods.
    @inline(__always)
    private func allows(_ key: RouteKey, _ route: Int32, _ query: UnsafePointer<RouteQuery>, _ search: Search) -> Bool {
        if key.anyMethod { return true }
        if search.methodBit != 0 { return key.methodMask & search.methodBit != 0 }
        return key.hasCustomMethods && self.matchers[Int(route)].spec.methods?.contains(query.pointee.method) == true
    }

    /// A regex route that could win: cheap conditions first, the regex only if they allow
    /// a match or (while nothing matched) a 405.
    private func considerRegex(
        _ route: Int32,
        _ key: RouteKey,
        _ hostRank: Int,
        _ query: UnsafePointer<RouteQuery>,
        _ search: inout Search
    ) {
        let methodAllowed = self.allows(key, route, query, search)
        guard methodAllowed || search.bestRoute < 0 else { return }
        if key.hasFieldConditions, self.matchers[Int(route)].fieldFailure(query.pointee.head) != nil { return }
        guard case .regex(let regex) = self.matchers[Int(route)].path,
            let parameters = CompiledRouteMatcher.regexMatch(regex, query.pointee.path)
        else { return }
        if methodAllowed {
            search.best(route, key, hostRank)
            search.regexParameters = parameters
        } else {
            search.methodMismatch(route, key)
        }
    }

    /// The lookup result for the search's final state.
    private func result(of search: inout Search, _ parameters: PathParameters?) -> RouteLookup {
        if search.bestRoute >= 0 {
            let route = Int(search.bestRoute)
            let captured = self.routes[route].isRegex ? search.regexParameters : parameters
            return .matched(route: route, parameters: captured ?? PathParameters())
        }
        guard search.hasMethodMismatch else { return .notFound }
        // Rebuilt in config order, as `explain` does: HTTPMethodSet keeps non-standard
        // methods in insertion order and compares that order.
        var allowed = HTTPMethodSet()
        for route in Set(search.customMethodRoutes ?? []).sorted() {
            if let methods = self.matchers[Int(route)].spec.methods { allowed.formUnion(methods) }
        }
        for method in Self.standardMethods where search.allowedMask & Self.methodBit(method) != 0 {
            allowed.insert(method)
        }
        // A route with an empty method list fails every method but allows none.
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    /// The `{name}` segments of the winning template, already known to match, found by
    /// walking the bytes (not comparing again); nil when it has none or is not a template.
    private func captures(of route: Int32, _ path: Substring, _ bytes: UnsafeBufferPointer<UInt8>) -> PathParameters? {
        guard self.routes[Int(route)].hasParameters, case .template(let segments) = self.matchers[Int(route)].path
        else {
            return nil
        }
        var parameters = PathParameters()
        parameters.reserveCapacity(PathTemplate.parameterCount(segments))
        let utf8 = path.utf8
        var start = 1
        for segment in segments {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "/") { end += 1 }
            switch segment {
            case .anyTail:
                return parameters
            case .parameter(let name):
                // Offsets next to a "/" are scalar boundaries, so these are valid indices.
                let lower = utf8.index(utf8.startIndex, offsetBy: start)
                parameters.append(name: name, value: path[lower..<utf8.index(lower, offsetBy: end - start)])
            case .literal, .anySegment:
                break
            }
            guard end < bytes.count else { return parameters }
            start = end + 1
        }
        return parameters
    }
}

/// One lookup's best candidate so far, and what a 405 would report. Holds no references
/// until a regex wins or a non-standard method fails, so creating it costs nothing.
struct Search {
    /// ``RouteIndex/methodBit(_:)`` of the request's method.
    let methodBit: UInt16
    var bestRoute: Int32 = -1
    var bestPriority = 0
    var bestHostRank = 0
    var bestOrder: Int32 = 0
    /// The captures of the best candidate when it is a regex route.
    var regexParameters: PathParameters?
    /// Whether some route failed on the method alone.
    var hasMethodMismatch = false
    /// The standard methods of those routes.
    var allowedMask: UInt16 = 0
    /// Those of them with non-standard methods (rare; allocates only then).
    var customMethodRoutes: [Int32]?

    init(methodBit: UInt16) {
        self.methodBit = methodBit
    }

    /// Whether a route with this rank key would beat the best candidate (always true while
    /// there is none, so nothing is pruned before the first match).
    @inline(__always)
    func isBeaten(by priority: Int, _ hostRank: Int, _ order: Int32) -> Bool {
        if self.bestRoute < 0 { return true }
        if priority != self.bestPriority { return priority > self.bestPriority }
        if hostRank != self.bestHostRank { return hostRank > self.bestHostRank }
        return order > self.bestOrder
    }

    @inline(__always)
    mutating func best(_ route: Int32, _ key: RouteIndex.RouteKey, _ hostRank: Int) {
        self.bestRoute = route
        self.bestPriority = key.priority
        self.bestHostRank = hostRank
        self.bestOrder = key.order
    }

    mutating func methodMismatch(_ route: Int32, _ key: RouteIndex.RouteKey) {
        self.hasMethodMismatch = true
        self.allowedMask |= key.methodMask
        if key.hasCustomMethods { self.customMethodRoutes = (self.customMethodRoutes ?? []) + [route] }
    }
}
