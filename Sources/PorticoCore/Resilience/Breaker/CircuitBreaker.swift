import NIOCore

/// A circuit breaker, as a pure state machine (SPEC F-25): closed → open on too many
/// failures in a row or too high a failure ratio over a rolling window → after `openFor`,
/// half-open with a few probe requests → closed after `successThreshold` probe successes in
/// a row, or open again on any probe failure.
///
/// The proxy asks ``admit(now:)`` before choosing a target and reports each admitted
/// request's outcome; time is passed in. One breaker guards one upstream (or one target).
/// Outcomes of requests admitted before the breaker opened are ignored when they come back
/// later: they say nothing about the upstream after the decision to stop sending.
public struct CircuitBreaker: Sendable {
    /// The settings in force.
    public let settings: CircuitBreakerSettings
    /// The current state (half-open is entered lazily, by the first ``admit(now:)`` after
    /// the open period).
    public private(set) var state: CircuitState = .closed
    private var consecutiveFailures = 0
    private var window: OutcomeWindow
    private var openUntil: NIODeadline?
    private var probesInFlight = 0
    private var probeSuccesses = 0

    /// A closed breaker.
    public init(settings: CircuitBreakerSettings = CircuitBreakerSettings()) {
        self.settings = settings
        self.window = OutcomeWindow(span: settings.window)
    }

    /// Whether a request may go out at `now`, and the state change deciding it caused
    /// (open → half-open once the open period is over).
    public mutating func admit(now: NIODeadline) -> (admission: CircuitAdmission, transition: CircuitTransition?) {
        var transition: CircuitTransition?
        switch self.state {
        case .closed:
            return (.allow, nil)
        case .open:
            if let until = self.openUntil, now < until {
                return (.reject(retryAfter: until - now), nil)
            }
            transition = self.move(to: .halfOpen)
            self.probesInFlight = 0
            self.probeSuccesses = 0
        case .halfOpen:
            break
        }
        guard self.probesInFlight < self.settings.halfOpenMaxProbes else {
            return (.reject(retryAfter: nil), transition)
        }
        self.probesInFlight += 1
        return (.probe, transition)
    }

    /// An admitted request succeeded (a response that is not a failure) at `now`; `probe`
    /// when it was admitted as ``CircuitAdmission/probe``.
    public mutating func recordSuccess(now: NIODeadline, probe: Bool = false) -> CircuitTransition? {
        if probe { self.releaseProbe() }
        switch self.state {
        case .closed:
            self.consecutiveFailures = 0
            self.window.recordSuccess(now: now)
            return nil
        case .halfOpen where probe:
            self.probeSuccesses += 1
            guard self.probeSuccesses >= self.settings.successThreshold else { return nil }
            self.consecutiveFailures = 0
            self.window.reset()
            self.openUntil = nil
            return self.move(to: .closed)
        case .open, .halfOpen:
            return nil
        }
    }

    /// An admitted request failed (connect failure, reset, timeout, 5xx) at `now`; `probe`
    /// when it was admitted as ``CircuitAdmission/probe``.
    public mutating func recordFailure(now: NIODeadline, probe: Bool = false) -> CircuitTransition? {
        if probe { self.releaseProbe() }
        switch self.state {
        case .closed:
            self.consecutiveFailures += 1
            self.window.recordFailure(now: now)
            guard self.consecutiveFailures >= self.settings.failureThreshold || self.ratioExceeded(now: now) else {
                return nil
            }
            return self.open(now: now)
        case .halfOpen where probe:
            return self.open(now: now)
        case .open, .halfOpen:
            return nil
        }
    }

    /// A probe ended without an outcome (the client went away): its slot is free again.
    public mutating func probeAbandoned() {
        self.releaseProbe()
    }

    /// When the open period ends (nil unless open): a shell may schedule a timer for it,
    /// though ``admit(now:)`` needs none.
    public var reopensAt: NIODeadline? {
        self.state == .open ? self.openUntil : nil
    }

    private mutating func releaseProbe() {
        // Clamped: a probe of an earlier half-open period may finish after this one began.
        self.probesInFlight = max(self.probesInFlight - 1, 0)
    }

    private mutating func ratioExceeded(now: NIODeadline) -> Bool {
        guard let percent = self.settings.failureRatioPercent else { return false }
        let totals = self.window.totals(now: now)
        let count = totals.successes + totals.failures
        return count >= self.settings.minRequests && totals.failures * 100 >= percent * count
    }

    private mutating func open(now: NIODeadline) -> CircuitTransition? {
        self.openUntil = now + self.settings.openFor
        self.probesInFlight = 0
        self.probeSuccesses = 0
        return self.move(to: .open)
    }

    private mutating func move(to state: CircuitState) -> CircuitTransition? {
        guard state != self.state else { return nil }
        defer { self.state = state }
        return CircuitTransition(from: self.state, to: state)
    }
}
