import PorticoHTTP

extension RouteIndex {
    /// The route for a request; what `RouteTable.lookup` returns.
    ///
    /// The walk reads the host and path as UTF-8 bytes by position (no splitting, no
    /// `String`s) and compares candidates by their precomputed rank keys; a route's header
    /// and query conditions are read only when it could become the best candidate, and
    /// parameters are captured only for the winner. Allocates only for the captured
    /// parameters and for the `Allow` set of a 405 with non-standard methods.
    func lookup(_ query: borrowing RouteQuery) -> RouteLookup {
        var search = Search(methodBit: Self.methodBit(query.method))
        let parameters: PathParameters?
        if #available(macOS 26.0, iOS 26.0, watchOS 26.0, tvOS 26.0, visionOS 26.0, *) {
            // The host and path bytes are borrowed from the query's strings: `span` copies no
            // `Substring` (so nothing is retained or released), and the query itself is passed
            // down borrowed. A lookup that captures nothing touches no reference count.
            parameters = query.path.utf8.span.withUnsafeBufferPointer { path in
                query.host.utf8.span.withUnsafeBufferPointer { host in
                    self.search(host: host, path: path, query, &search)
                }
                guard search.bestRoute >= 0 else { return nil }
                return self.captures(of: search.bestRoute, query.path, path)
            }
        } else {
            // Older Apple systems (the package supports macOS 15): copies of the two
            // `Substring`s, a retain and a release each.
            var path = query.path
            var host = query.host
            parameters = path.withUTF8 { path in
                host.withUTF8 { host in
                    self.search(host: host, path: path, query, &search)
                }
                guard search.bestRoute >= 0 else { return nil }
                return self.captures(of: search.bestRoute, query.path, path)
            }
        }
        return self.result(of: &search, parameters)
    }

    /// Visits the host buckets in host-rank order: exact, wildcard suffixes longest first,
    /// any host. Every bucket is skipped when its best route cannot beat the best candidate.
    private func search(
        host: UnsafeBufferPointer<UInt8>,
        path: UnsafeBufferPointer<UInt8>,
        _ query: borrowing RouteQuery,
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
                    let bucket = self.hosts.find(owner: Self.wildcardOwner, in: host, start, count)
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
        _ query: borrowing RouteQuery,
        _ search: inout Search
    ) {
        let bucket = self.buckets[Int(id)]
        guard search.isBeaten(by: bucket.boundPriority, hostRank, bucket.boundOrder) else { return }
        if path.count > 0 && path[0] == UInt8(ascii: "/") {
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
            self.considerRegex(route, key, hostRank, path, query, &search)
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
        _ query: borrowing RouteQuery,
        _ search: inout Search
    ) {
        let node = self.nodes[Int(nodeID)]
        let end = Self.segmentEnd(path, from: segmentStart)
        // Literal children first: they hold the exact routes, which usually win and then
        // let the bounds prune the rest.
        if node.literalCount > 0 {
            let child = self.edges.find(owner: nodeID, in: path, segmentStart, end)
            if child >= 0 { self.enter(child, segmentEnd: end, hostRank, path, query, &search) }
        }
        if node.anyChild >= 0 && end > segmentStart {
            self.enter(node.anyChild, segmentEnd: end, hostRank, path, query, &search)
        }
        self.consider(node.tailStart, node.tailEnd, hostRank, query, &search)
    }

    /// The end of the path segment starting at `start`: the index of the next "/", or the
    /// path's end. Looks at 8 bytes at a time (the lowest byte equal to "/" in a word is
    /// found exactly by the classic zero-byte test on the word XOR "////////").
    @inline(__always)
    static func segmentEnd(_ path: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let count = path.count
        guard start < count, let base = path.baseAddress else { return count }
        let raw = UnsafeRawPointer(base)
        var offset = start
        while offset + 8 <= count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let slash = Self.firstSlash(word)
            if slash < 8 { return offset + slash }
            offset += 8
        }
        if offset < count {
            if count >= 8 {
                // The path's last word, shifted so that byte `offset` comes first; the bytes
                // shifted in are zeros, which are not "/".
                let window = count - 8
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: window, as: UInt64.self))
                let slash = Self.firstSlash(word >> UInt64((offset - window) * 8))
                let end = offset + slash
                return end < count ? end : count
            }
            while offset < count && base[offset] != UInt8(ascii: "/") { offset += 1 }
        }
        return offset
    }

    /// The index (0...7) of the first "/" byte of a little-endian word, or 8 if none.
    @inline(__always)
    private static func firstSlash(_ word: UInt64) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let x = word ^ (ones &* UInt64(UInt8(ascii: "/")))
        // The lowest set high bit marks the first zero byte of `x`; bits above it may be
        // false positives (borrows), which the lowest set bit never is.
        let found = (x &- ones) & ~x & (ones << 7)
        return found.trailingZeroBitCount >> 3
    }

    /// Moves to a child that matched the segment ending at `segmentEnd`.
    @inline(__always)
    private func enter(
        _ nodeID: Int32,
        segmentEnd: Int,
        _ hostRank: Int,
        _ path: UnsafeBufferPointer<UInt8>,
        _ query: borrowing RouteQuery,
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
        _ query: borrowing RouteQuery,
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
        _ query: borrowing RouteQuery,
        _ search: inout Search
    ) -> Bool {
        let methodAllowed = self.allows(key, route, query, search)
        if !methodAllowed && search.bestRoute >= 0 { return false }
        if key.hasFieldConditions, !self.fieldsHold(route, query) { return false }
        if methodAllowed { return true }
        search.methodMismatch(route, key)
        return false
    }

    /// Whether the route allows the request's method: one AND for standard methods.
    @inline(__always)
    private func allows(_ key: RouteKey, _ route: Int32, _ query: borrowing RouteQuery, _ search: Search) -> Bool {
        if key.anyMethod { return true }
        if search.methodBit != 0 { return key.methodMask & search.methodBit != 0 }
        return key.hasCustomMethods && self.allowsCustomMethod(route, query)
    }

    /// Whether a route with non-standard methods allows the request's (non-standard) method.
    /// Out of line, like ``fieldsHold(_:_:)``: rare, and inlined it would make every step of
    /// the walk set up what reading a `CompiledRouteMatcher` needs.
    @inline(never)
    private func allowsCustomMethod(_ route: Int32, _ query: borrowing RouteQuery) -> Bool {
        self.matchers[Int(route)].spec.methods?.contains(query.method) == true
    }

    /// Whether the route's header and query conditions hold.
    @inline(never)
    private func fieldsHold(_ route: Int32, _ query: borrowing RouteQuery) -> Bool {
        self.matchers[Int(route)].fieldFailure(query.head) == nil
    }

    /// A regex route that could win: cheap conditions first, the regex only if they allow
    /// a match or (while nothing matched) a 405.
    private func considerRegex(
        _ route: Int32,
        _ key: RouteKey,
        _ hostRank: Int,
        _ path: UnsafeBufferPointer<UInt8>,
        _ query: borrowing RouteQuery,
        _ search: inout Search
    ) {
        // A path without the bytes every match starts with cannot match: skip the regex.
        if key.prefixCount > 0 {
            guard path.count >= key.prefixCount else { return }
            var index = 0
            while index < Int(key.prefixCount) {
                if path[index] != self.regexPrefixBytes[Int(key.detailStart) + index] { return }
                index += 1
            }
        }
        let methodAllowed = self.allows(key, route, query, search)
        guard methodAllowed || search.bestRoute < 0 else { return }
        if key.hasFieldConditions, !self.fieldsHold(route, query) { return }
        guard case .regex(let regex) = self.path(of: route),
            let parameters = CompiledRouteMatcher.regexMatch(regex, query.path)
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

    /// `matchers[route].path`, copying only the path: `Array`'s subscript copies the whole
    /// matcher, retaining and releasing every string and array of its spec.
    @inline(__always)
    private func path(of route: Int32) -> CompiledPath {
        self.matchers.withUnsafeBufferPointer { $0[Int(route)].path }
    }

    /// The `{name}` segments of the winning template, already known to match, found by
    /// walking the bytes (not comparing again); nil when it has none or is not a template.
    private func captures(
        of route: Int32,
        _ path: borrowing Substring,
        _ bytes: UnsafeBufferPointer<UInt8>
    ) -> PathParameters? {
        let key = self.routes[Int(route)]
        guard key.hasParameters else { return nil }
        guard key.captureMask != 0 else { return self.capturesFromTemplate(of: route, path, bytes) }
        // Straight to the captured segments, with the names from `captureNames`.
        var parameters = PathParameters()
        var mask = key.captureMask
        parameters.reserveCapacity(mask.nonzeroBitCount)
        let utf8 = path.utf8
        var start = 1
        var end = Self.segmentEnd(bytes, from: start)
        var segment = 0
        var name = Int(key.detailStart)
        while mask != 0 {
            let wanted = mask.trailingZeroBitCount
            mask &= mask &- 1
            while segment < wanted {
                segment += 1
                start = end + 1
                end = Self.segmentEnd(bytes, from: start)
            }
            // Offsets next to a "/" are scalar boundaries, so these are valid indices.
            let lower = utf8.index(utf8.startIndex, offsetBy: start)
            parameters.append(
                name: self.captureNames[name], value: path[lower..<utf8.index(lower, offsetBy: end - start)])
            name += 1
        }
        return parameters
    }

    /// ``captures(of:_:_:)`` for a template with a capture beyond segment 31.
    @inline(never)
    private func capturesFromTemplate(
        of route: Int32,
        _ path: borrowing Substring,
        _ bytes: UnsafeBufferPointer<UInt8>
    ) -> PathParameters? {
        guard case .template(let segments) = self.path(of: route) else { return nil }
        var parameters = PathParameters()
        parameters.reserveCapacity(PathTemplate.parameterCount(segments))
        let utf8 = path.utf8
        var start = 1
        for segment in segments {
            let end = Self.segmentEnd(bytes, from: start)
            switch segment {
            case .anyTail:
                return parameters
            case .parameter(let name):
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

    /// Records a route that failed on the method alone. Out of line: rare, and inlined into
    /// the walk it would grow every step's stack frame.
    @inline(never)
    mutating func methodMismatch(_ route: Int32, _ key: RouteIndex.RouteKey) {
        self.hasMethodMismatch = true
        self.allowedMask |= key.methodMask
        if key.hasCustomMethods { self.customMethodRoutes = (self.customMethodRoutes ?? []) + [route] }
    }
}
