import Logging
import NIOCore
import PorticoCore
import PorticoHTTP
import PorticoObservability

/// Everything one event loop owns: its upstream pool, its balancers for the current
/// snapshot, its counters and access-log buffer. Only its loop touches it, so nothing here
/// is locked (ARCHITECTURE: thread-per-core, shared-nothing).
final class LoopRuntime: LoopServices {
    let eventLoop: any EventLoop
    let store: SnapshotStore
    let pool: UpstreamPool
    let metrics = LoopMetrics()
    let accessLogBuffer: AccessLogBuffer
    let accessLogger: Logger
    let logger: Logger
    var dateCache = HTTPDateCache()
    private var random = FastRandom()
    private var snapshot: RuntimeSnapshot?
    private var upstreamStates: [UpstreamLoopState] = []
    /// States of service-routed upstreams (not in the snapshot's list), by identity.
    private var serviceStates: [ObjectIdentifier: UpstreamLoopState] = [:]
    private var upstreamEvents: UpstreamEvents
    private var accessLogFormatter: AccessLogFormatter?
    private var filterStates: [ObjectIdentifier: AnyObject] = [:]
    private var flushTask: RepeatedTask?

    init(eventLoop: any EventLoop, store: SnapshotStore, logger: Logger, accessLogOutput: LineOutput) {
        self.eventLoop = eventLoop
        self.store = store
        self.logger = logger
        self.pool = UpstreamPool(eventLoop: eventLoop, logger: logger)
        let buffer = AccessLogBuffer(output: accessLogOutput)
        self.accessLogBuffer = buffer
        self.accessLogger = Logger(label: "portico.access") { _ in AccessLogHandler(buffer: buffer) }
        self.upstreamEvents = UpstreamEvents(metrics: self.metrics, logger: logger)
    }

    /// Starts the loop's periodic work (pool sweeping, access-log flushing).
    func start() {
        _ = self.currentSnapshot()
        self.pool.start()
        self.flushTask = self.eventLoop.scheduleRepeatedTask(
            initialDelay: .milliseconds(250), delay: .milliseconds(250)
        ) {
            [buffer = self.accessLogBuffer] _ in
            buffer.flush()
        }
    }

    /// Stops periodic work and closes idle upstream connections.
    func stop() {
        self.flushTask?.cancel()
        self.flushTask = nil
        self.accessLogBuffer.flush()
        self.pool.shutdown()
    }

    /// The current snapshot, adopting a newly installed one (fresh balancers, counters laid
    /// out for its routes) the first time this loop sees it.
    func currentSnapshot() -> RuntimeSnapshot {
        let latest = self.store.current
        if latest !== self.snapshot {
            self.snapshot = latest
            // Passive-health and breaker state of upstreams that stay carries over.
            let previous = Dictionary(self.upstreamStates.map { ($0.upstream.name, $0) }) { first, _ in first }
            self.upstreamStates = latest.upstreams.map {
                UpstreamLoopState(upstream: $0, events: self.upstreamEvents, previous: previous[$0.name])
            }
            self.filterStates = [:]  // filters are rebuilt with each snapshot
            self.metrics.adopt(latest)
            self.accessLogFormatter =
                latest.settings.accessLog
                ? AccessLogFormatter(format: PorticoLogHandler.Format(rawValue: latest.settings.logFormat) ?? .text)
                : nil
        }
        return latest
    }

    /// Logs and counts a finished request.
    func requestFinished(_ record: RequestRecord, client: ClientInfo, now: NIODeadline) {
        self.metrics.recordRequest(
            routeIndex: record.routeIndex,
            status: record.status,
            duration: now - record.startedAt,
            bytesIn: record.requestBodyBytes,
            bytesOut: record.responseBodyBytes
        )
        if let error = record.upstreamError {
            self.metrics.recordUpstreamError(upstream: record.upstreamName, kind: error.metricKind)
        }
        if let formatter = self.accessLogFormatter {
            self.accessLogger.info("\(formatter.line(for: record, client: client, finishedAt: now))")
        }
    }

    // MARK: LoopServices

    /// This loop's state for an upstream of the current snapshot (nil for one of an older
    /// snapshot still finishing requests).
    private func loopState(for upstream: Upstream) -> UpstreamLoopState? {
        if upstream.index < 0 { return self.serviceState(for: upstream) }
        guard let snapshot, upstream.index < self.upstreamStates.count, snapshot.upstreams[upstream.index] === upstream
        else { return nil }
        return self.upstreamStates[upstream.index]
    }

    /// The state of a service-routed upstream, made on first use; states of retired ones are
    /// dropped whenever a new one is made (rare: services come and go slowly).
    private func serviceState(for upstream: Upstream) -> UpstreamLoopState {
        let id = ObjectIdentifier(upstream)
        if let state = self.serviceStates[id] { return state }
        self.serviceStates = self.serviceStates.filter { !$0.value.upstream.retired.load(ordering: .relaxed) }
        let state = UpstreamLoopState(upstream: upstream, events: self.upstreamEvents)
        self.serviceStates[id] = state
        return state
    }

    func pickTarget(for upstream: Upstream, request: BalancerRequest, avoiding: PoolKey?) -> TargetChoice {
        // A request still running on a replaced snapshot gets a one-off state.
        let state =
            self.loopState(for: upstream) ?? UpstreamLoopState(upstream: upstream, events: self.upstreamEvents)
        return state.pick(request, avoiding: avoiding)
    }

    func exchangeStarted(_ plan: UpstreamPlan) {
        self.loopState(for: plan.upstream)?.exchangeStarted(plan)
    }

    func exchangeFinished(_ plan: UpstreamPlan, outcome: ExchangeOutcome) {
        self.loopState(for: plan.upstream)?.exchangeFinished(plan, outcome: outcome)
    }

    func decideRetry(_ plan: UpstreamPlan, failure: AttemptFailure, facts: RetryFacts) -> RetryDecision {
        // A request of a replaced snapshot is judged by a one-off state (an empty budget).
        let state =
            self.loopState(for: plan.upstream)
            ?? UpstreamLoopState(upstream: plan.upstream, events: self.upstreamEvents)
        return state.decideRetry(plan, failure: failure, facts: facts, random: &self.random)
    }

    func retryReleased(_ plan: UpstreamPlan) {
        self.loopState(for: plan.upstream)?.retryReleased()
    }

    /// This loop's state of every upstream of the current snapshot (admin API).
    func upstreamReports() -> [UpstreamLoopReport] {
        _ = self.currentSnapshot()
        let now = NIODeadline.now()
        let services = self.serviceStates.values.filter { !$0.upstream.retired.load(ordering: .relaxed) }
        return (self.upstreamStates + services).map { $0.report(now: now) }
    }

    func filterState<State: AnyObject>(for key: ObjectIdentifier, make: () -> State) -> State {
        if let state = self.filterStates[key] as? State { return state }
        let state = make()
        self.filterStates[key] = state
        return state
    }

    func makeRequestID() -> String {
        RequestIDFormat.uuid(self.random.next(), self.random.next())
    }
}

extension UpstreamFailure {
    /// The `kind` label of the upstream error counter.
    var metricKind: String {
        switch self {
        case .connectFailed: "connect"
        case .closed: "closed"
        case .invalidResponse: "invalid_response"
        case .responseHeaderTimeout: "timeout"
        case .poolExhausted: "pool_exhausted"
        }
    }
}
