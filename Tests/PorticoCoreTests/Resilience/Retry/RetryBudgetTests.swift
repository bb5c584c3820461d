import PorticoCore
import Testing

@Suite struct RetryBudgetTests {
    @Test func limitIsAShareOfActiveRequestsWithAFloor() {
        var budget = RetryBudget(budgetPercent: 20, minRetryConcurrency: 3)
        #expect(budget.limit == 3)
        for _ in 0..<10 { budget.requestStarted() }
        #expect(budget.limit == 3)  // 20% of 10 = 2, below the floor
        for _ in 0..<90 { budget.requestStarted() }
        #expect(budget.limit == 20)
        for _ in 0..<19 { budget.retryStarted() }
        #expect(budget.allowsRetry)
        let started = budget.tryStartRetry()
        #expect(started)
        #expect(!budget.allowsRetry)
        let refused = !budget.tryStartRetry()
        #expect(refused)
        #expect(budget.activeRetries == 20)
        budget.retryFinished()
        #expect(budget.allowsRetry)
    }

    @Test func finishingRequestsShrinksTheBudget() {
        var budget = RetryBudget(budgetPercent: 50, minRetryConcurrency: 0)
        for _ in 0..<4 { budget.requestStarted() }
        let twoStarted = budget.tryStartRetry() && budget.tryStartRetry()
        #expect(twoStarted)
        let thirdRefused = !budget.tryStartRetry()
        #expect(thirdRefused)
        budget.requestFinished()
        budget.requestFinished()
        #expect(budget.limit == 1 && !budget.allowsRetry)
        #expect(budget.activeRequests == 2)
    }

    @Test func countersNeverGoNegative() {
        var budget = RetryBudget()
        budget.requestFinished()
        budget.retryFinished()
        #expect(budget.activeRequests == 0 && budget.activeRetries == 0)
        #expect(
            RetryBudget(budgetPercent: 500, minRetryConcurrency: -1)
                == RetryBudget(budgetPercent: 100, minRetryConcurrency: 0))
    }
}
