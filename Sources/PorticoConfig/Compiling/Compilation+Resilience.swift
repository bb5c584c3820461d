import NIOCore
import PorticoCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Compilation {
    /// `hash_on`, `passive`, `circuit_breaker`, `retries` and `panic_threshold`, checked and
    /// compiled.
    mutating func compileResilience(_ upstream: UpstreamConfig, at path: ConfigPath) -> UpstreamResilience {
        var result = UpstreamResilience()
        if let hashOn = upstream.hashOn {
            if let parsed = HashOn(configValue: hashOn) {
                result.hashOn = parsed
            } else {
                self.diagnostics.error(
                    path.key("hash_on"), "invalid hash_on '\(hashOn)'",
                    hint: "one of header:NAME, cookie:NAME, query:NAME, path, client_ip")
            }
            if upstream.balancer != .consistentHash {
                self.diagnostics.error(
                    path.key("hash_on"), "hash_on applies to the consistent_hash balancer only",
                    hint: "add balancer: consistent_hash, or remove hash_on")
            }
        } else if upstream.balancer == .consistentHash {
            self.diagnostics.error(
                path.key("balancer"), "consistent_hash needs hash_on",
                hint: "e.g. hash_on: header:x-user-id (or cookie:NAME, query:NAME, path, client_ip)")
        }
        if let passive = upstream.passive {
            result.outlier = self.compilePassive(passive, at: path.key("passive"))
        }
        if let breaker = upstream.circuitBreaker {
            result.breaker = self.compileBreaker(breaker, at: path.key("circuit_breaker"))
        }
        if let retries = upstream.retries {
            let retriesPath = path.key("retries")
            result.retry = self.compileRetries(retries, at: retriesPath)
            result.retryBudgetPercent = retries.budgetPercent
            result.minRetryConcurrency = retries.minRetryConcurrency
            result.retryBufferBytes = Int(retries.bufferBody.bytes)
            self.checkRange(retries.budgetPercent, 0...100, at: retriesPath.key("budget_percent"))
            Validation.checkAtLeast(
                retries.minRetryConcurrency, 0, at: retriesPath.key("min_retry_concurrency"), into: &self.diagnostics)
            if retries.bufferBody.bytes > 1024 * 1024 {
                self.diagnostics.error(
                    retriesPath.key("buffer_body"), "buffer_body is at most 1MiB (is \(retries.bufferBody))",
                    hint: "bodies are kept in memory per request")
            }
        }
        self.checkRange(upstream.panicThreshold, 0...100, at: path.key("panic_threshold"))
        result.panic = PanicThreshold(percent: upstream.panicThreshold)
        return result
    }

    private mutating func compilePassive(_ passive: PassiveConfig, at path: ConfigPath) -> OutlierSettings {
        Validation.checkAtLeast(
            passive.consecutiveFailures, 1, at: path.key("consecutive_failures"), into: &self.diagnostics)
        Validation.checkPositive(passive.ejectionTime, at: path.key("ejection_time"), into: &self.diagnostics)
        Validation.checkPositive(passive.maxEjectionTime, at: path.key("max_ejection_time"), into: &self.diagnostics)
        if passive.maxEjectionTime.nanoseconds < passive.ejectionTime.nanoseconds {
            self.diagnostics.error(
                path.key("max_ejection_time"),
                "max_ejection_time (\(passive.maxEjectionTime)) is shorter than ejection_time (\(passive.ejectionTime))"
            )
        }
        self.checkRange(passive.maxEjectionPercent, 0...100, at: path.key("max_ejection_percent"))
        return OutlierSettings(
            consecutiveFailures: passive.consecutiveFailures,
            ejectionTime: passive.ejectionTime.timeAmount,
            maxEjectionTime: passive.maxEjectionTime.timeAmount,
            maxEjectionPercent: passive.maxEjectionPercent
        )
    }

    private mutating func compileBreaker(_ breaker: CircuitBreakerConfig, at path: ConfigPath) -> CircuitBreakerSettings
    {
        Validation.checkAtLeast(breaker.failureThreshold, 1, at: path.key("failure_threshold"), into: &self.diagnostics)
        if let ratio = breaker.failureRatio { self.checkRange(ratio, 1...100, at: path.key("failure_ratio")) }
        Validation.checkPositive(breaker.window, at: path.key("window"), into: &self.diagnostics)
        Validation.checkAtLeast(breaker.minRequests, 1, at: path.key("min_requests"), into: &self.diagnostics)
        Validation.checkAtLeast(breaker.successThreshold, 1, at: path.key("success_threshold"), into: &self.diagnostics)
        Validation.checkPositive(breaker.openFor, at: path.key("open_for"), into: &self.diagnostics)
        Validation.checkAtLeast(
            breaker.halfOpenMaxProbes, 1, at: path.key("half_open_max_probes"), into: &self.diagnostics)
        return CircuitBreakerSettings(
            failureThreshold: breaker.failureThreshold,
            failureRatioPercent: breaker.failureRatio,
            window: breaker.window.timeAmount,
            minRequests: breaker.minRequests,
            successThreshold: breaker.successThreshold,
            openFor: breaker.openFor.timeAmount,
            halfOpenMaxProbes: breaker.halfOpenMaxProbes
        )
    }

    private mutating func compileRetries(_ retries: RetriesConfig, at path: ConfigPath) -> RetryPolicy {
        self.checkRange(retries.attempts, 1...10, at: path.key("attempts"))
        var conditions: [RetryCondition] = []
        for (index, text) in retries.on.enumerated() {
            guard let condition = RetryCondition(configValue: text) else {
                self.diagnostics.error(
                    path.key("on").index(index), "unknown retry condition '\(text)'",
                    hint: "one of connect_failure, reset, timeout, 5xx, or a status code such as 503")
                continue
            }
            conditions.append(condition)
        }
        if let perTry = retries.perTryTimeout {
            Validation.checkPositive(perTry, at: path.key("per_try_timeout"), into: &self.diagnostics)
        }
        Validation.checkPositive(retries.backoff.base, at: path.key("backoff").key("base"), into: &self.diagnostics)
        if retries.backoff.max.nanoseconds < retries.backoff.base.nanoseconds {
            self.diagnostics.error(
                path.key("backoff").key("max"),
                "backoff max (\(retries.backoff.max)) is shorter than base (\(retries.backoff.base))")
        }
        return RetryPolicy(
            attempts: retries.attempts,
            conditions: conditions,
            perTryTimeout: retries.perTryTimeout?.timeAmount,
            backoffBase: retries.backoff.base.timeAmount,
            backoffMax: retries.backoff.max.timeAmount
        )
    }

    /// `health_check`, checked and compiled (file paths made absolute).
    mutating func compileHealthCheck(_ check: HealthCheckConfig, at path: ConfigPath) -> ActiveHealthCheck? {
        let errorsBefore = self.diagnostics.errors.count
        Validation.checkPositive(check.interval, at: path.key("interval"), into: &self.diagnostics)
        Validation.checkPositive(check.timeout, at: path.key("timeout"), into: &self.diagnostics)
        Validation.checkAtLeast(check.healthyThreshold, 1, at: path.key("healthy_threshold"), into: &self.diagnostics)
        Validation.checkAtLeast(
            check.unhealthyThreshold, 1, at: path.key("unhealthy_threshold"), into: &self.diagnostics)
        let kind = ActiveHealthCheck.Kind(rawValue: check.type.rawValue) ?? .tcp
        let isHTTP = kind == .http || kind == .https
        var statuses: [ClosedRange<Int>] = []
        for (index, text) in check.expectedStatuses.enumerated() {
            guard let range = ActiveHealthCheck.statusRange(text) else {
                self.diagnostics.error(
                    path.key("expected_statuses").index(index), "invalid status '\(text)'",
                    hint: "a code (200), a range (200-299) or a class (2xx)")
                continue
            }
            statuses.append(range)
        }
        if isHTTP {
            if !check.path.hasPrefix("/") || check.path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
                self.diagnostics.error(path.key("path"), "path must start with / and contain no spaces")
            }
            if check.expectedStatuses.isEmpty {
                self.diagnostics.error(path.key("expected_statuses"), "expected_statuses is empty")
            }
        } else {
            // Keys that only HTTP probes use would silently do nothing elsewhere.
            let httpOnly: [(String, Bool)] = [
                ("path", check.path != "/"), ("body", check.body != nil),
                ("expected_statuses", check.expectedStatuses != ["200"]),
            ]
            for (key, given) in httpOnly where given {
                self.diagnostics.error(path.key(key), "'\(key)' applies to http and https health checks only")
            }
        }
        if !(kind == .grpc || kind == .grpcs) && !check.service.isEmpty {
            self.diagnostics.error(path.key("service"), "'service' applies to grpc and grpcs health checks only")
        }
        if kind == .tcp && check.host != nil {
            self.diagnostics.error(path.key("host"), "'host' does not apply to tcp health checks")
        }
        let usesTLS = kind == .https || kind == .grpcs
        let tls = check.tls
        if !usesTLS && tls != ProbeTLSConfig() {
            self.diagnostics.error(path.key("tls"), "'tls' applies to https and grpcs health checks only")
        }
        if (tls.cert == nil) != (tls.key == nil) {
            self.diagnostics.error(path.key("tls"), "cert and key go together", hint: "give both, or neither")
        }
        if !tls.verify && tls.ca != nil {
            self.diagnostics.error(
                path.key("tls").key("ca"), "'ca' is unused when verify is false", hint: "remove one of them")
        }
        let files = [("ca", tls.ca), ("cert", tls.cert), ("key", tls.key)]
        var resolved: [String: String] = [:]
        for (key, file) in files {
            guard let file else { continue }
            let absolute = self.absolutePath(file)
            if access(absolute, R_OK) != 0 {
                self.diagnostics.error(path.key("tls").key(key), "cannot read '\(file)'")
            }
            resolved[key] = absolute
        }
        guard self.diagnostics.errors.count == errorsBefore else { return nil }
        return ActiveHealthCheck(
            kind: kind,
            path: check.path,
            host: check.host,
            interval: check.interval.timeAmount,
            timeout: check.timeout.timeAmount,
            healthyThreshold: check.healthyThreshold,
            unhealthyThreshold: check.unhealthyThreshold,
            expectedStatuses: statuses,
            bodyContains: check.body,
            service: check.service,
            tls: ActiveHealthCheck.TLS(
                caFile: resolved["ca"], serverName: tls.serverName, verify: tls.verify,
                certificateFile: resolved["cert"], keyFile: resolved["key"])
        )
    }

    /// `discovery`, checked and compiled.
    mutating func compileDiscovery(_ discovery: DiscoveryConfig, at path: ConfigPath) -> TargetDiscovery? {
        Validation.checkPositive(discovery.interval, at: path.key("interval"), into: &self.diagnostics)
        if let service = discovery.registry {
            guard Validation.checkName(service, kind: "service", at: path.key("registry"), into: &self.diagnostics)
            else { return nil }
            return .registry(service: service)
        }
        if let host = discovery.dns, let port = discovery.port {
            guard Self.isValidHostName(host) else {
                self.diagnostics.error(path.key("dns"), "'\(host)' is not a valid host name")
                return nil
            }
            self.checkRange(port, 1...65535, at: path.key("port"))
            return .dns(host: host, port: port, interval: discovery.interval.timeAmount)
        }
        if let name = discovery.srv {
            guard Self.isValidHostName(name) else {
                self.diagnostics.error(
                    path.key("srv"), "'\(name)' is not a valid SRV name", hint: "e.g. _http._tcp.users.svc.local")
                return nil
            }
            return .srv(name: name, interval: discovery.interval.timeAmount)
        }
        return nil
    }

    /// `file` relative to the config file's directory, unless absolute.
    func absolutePath(_ file: String) -> String {
        file.hasPrefix("/")
            ? file : (self.baseDirectory.hasSuffix("/") ? self.baseDirectory : self.baseDirectory + "/") + file
    }

    mutating func checkRange(_ value: Int, _ range: ClosedRange<Int>, at path: ConfigPath) {
        if !range.contains(value) {
            self.diagnostics.error(path, "must be from \(range.lowerBound) to \(range.upperBound) (is \(value))")
        }
    }

    /// A DNS name: dot-separated labels of letters, digits, `-` and `_` (SRV labels).
    static func isValidHostName(_ name: String) -> Bool {
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        guard !trimmed.isEmpty, trimmed.utf8.count <= 253 else { return false }
        return trimmed.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63
                && label.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D
                        || byte == 0x5F
                }
        }
    }
}
