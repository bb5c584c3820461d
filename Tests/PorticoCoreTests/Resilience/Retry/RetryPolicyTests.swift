import NIOCore
import PorticoCore
import PorticoHTTP
import Testing

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(attempts: 3)

    private func decide(
        _ policy: RetryPolicy? = nil,
        failure: AttemptFailure = .status(503),
        attempt: Int = 1,
        method: HTTPMethod = .GET,
        routeAllows: Bool = false,
        bodyReplayable: Bool = true,
        neverReached: Bool = false,
        budget: RetryBudget = RetryBudget()
    ) -> RetryDecision {
        var random = FastRandom(seed: 9)
        return (policy ?? self.policy).decide(
            failure: failure, attempt: attempt, target: 4, method: method, routeAllowsNonIdempotent: routeAllows,
            bodyReplayable: bodyReplayable, neverReachedUpstream: neverReached, budget: budget, random: &random)
    }

    private func isRetry(_ decision: RetryDecision) -> Bool {
        if case .retry = decision { return true }
        return false
    }

    @Test func parsesConditions() {
        #expect(RetryCondition(configValue: "connect_failure") == .connectFailure)
        #expect(RetryCondition(configValue: "reset") == .reset)
        #expect(RetryCondition(configValue: "timeout") == .timeout)
        #expect(RetryCondition(configValue: "5xx") == .serverError)
        #expect(RetryCondition(configValue: "429") == .status(429))
        for bad in ["", "5XX", "600", "99", "0502", "retry"] { #expect(RetryCondition(configValue: bad) == nil) }
        for condition in RetryCondition.defaults {
            #expect(RetryCondition(configValue: condition.configValue) == condition)
        }
    }

    @Test func retriesListedFailuresAvoidingTheFailedTarget() {
        guard case .retry(let after, let avoid) = self.decide() else {
            Issue.record("expected a retry")
            return
        }
        #expect(avoid == 4)
        #expect(after >= .zero && after <= .milliseconds(25))
        #expect(self.decide(failure: .status(500)) == .giveUp(.notRetryable))
        #expect(self.decide(failure: .timeout) == .giveUp(.notRetryable))
        #expect(self.isRetry(self.decide(failure: .reset)))
        let any5xx = RetryPolicy(attempts: 2, conditions: [.serverError, .timeout])
        #expect(self.isRetry(self.decide(any5xx, failure: .status(500))))
        #expect(self.isRetry(self.decide(any5xx, failure: .timeout)))
        #expect(self.decide(any5xx, failure: .status(429)) == .giveUp(.notRetryable))
    }

    @Test func stopsAfterTheLastAttempt() {
        #expect(self.isRetry(self.decide(attempt: 2)))
        #expect(self.decide(attempt: 3) == .giveUp(.attemptsExhausted))
        #expect(self.decide(RetryPolicy(attempts: 1), attempt: 1) == .giveUp(.attemptsExhausted))
    }

    @Test func nonIdempotentRequestsOnlyWhenSafeOrAllowed() {
        #expect(self.decide(method: .POST) == .giveUp(.notIdempotent))
        #expect(self.decide(failure: .reset, method: .PATCH) == .giveUp(.notIdempotent))
        #expect(self.isRetry(self.decide(method: .POST, routeAllows: true)))
        // Provably never reached the upstream: replayed whatever the method.
        #expect(self.isRetry(self.decide(failure: .connectFailure, method: .POST)))
        #expect(self.isRetry(self.decide(failure: .reset, method: .POST, neverReached: true)))
        #expect(self.isRetry(self.decide(method: .PUT)))
        #expect(self.isRetry(self.decide(method: .DELETE)))
    }

    @Test func streamedBodiesAreNeverReplayed() {
        #expect(self.decide(bodyReplayable: false) == .giveUp(.bodyNotReplayable))
        #expect(self.decide(failure: .connectFailure, bodyReplayable: false) == .giveUp(.bodyNotReplayable))
    }

    @Test func respectsTheBudget() {
        var budget = RetryBudget(budgetPercent: 20, minRetryConcurrency: 1)
        budget.requestStarted()
        budget.retryStarted()
        #expect(self.decide(budget: budget) == .giveUp(.budgetExhausted))
    }

    @Test func backoffCeilingDoublesUpToTheMax() {
        let policy = RetryPolicy(backoffBase: .milliseconds(25), backoffMax: .milliseconds(250))
        let ceilings = (1...6).map { policy.backoffCeiling(retry: $0) }
        #expect(ceilings == [25, 50, 100, 200, 250, 250].map { TimeAmount.milliseconds($0) })
        #expect(policy.backoffCeiling(retry: 10_000) == .milliseconds(250))
        #expect(policy.backoffCeiling(retry: 0) == .milliseconds(25))
    }

    @Test func backoffIsFullJitterWithinTheCeiling() {
        let policy = RetryPolicy(backoffBase: .milliseconds(100), backoffMax: .seconds(1))
        var random = FastRandom(seed: 21)
        for retry in 1...5 {
            let ceiling = policy.backoffCeiling(retry: retry)
            let delays = (0..<1000).map { _ in policy.backoff(retry: retry, random: &random) }
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= ceiling })
            // Spread over the whole range: some near zero, some near the ceiling.
            let tenth = TimeAmount.nanoseconds(ceiling.nanoseconds / 10)
            #expect(delays.contains { $0 < tenth } && delays.contains { $0 > ceiling - tenth })
        }
        var zero = FastRandom(seed: 1)
        #expect(RetryPolicy(backoffBase: .zero, backoffMax: .zero).backoff(retry: 3, random: &zero) == .zero)
    }
}
