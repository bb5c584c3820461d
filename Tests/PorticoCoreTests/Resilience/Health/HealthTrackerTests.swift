import PorticoCore
import Testing

@Suite struct HealthTrackerTests {
    typealias Tracker = HealthTracker<String>

    @Test func unknownTargetsTakeTrafficAndOneSuccessMakesThemHealthy() {
        var tracker = Tracker(targets: ["a", "b"])
        #expect(tracker.status(of: "a") == .unknown)
        #expect(tracker.takesTraffic("a"))
        #expect(tracker.probeSucceeded("a") == HealthTransition(target: "a", from: .unknown, to: .healthy))
        #expect(tracker.probeSucceeded("a") == nil)
        #expect(tracker.status(of: "a") == .healthy)
    }

    @Test func unhealthyAfterThresholdConsecutiveFailures() {
        var tracker = Tracker(targets: ["a"], settings: .init(healthyThreshold: 2, unhealthyThreshold: 3))
        _ = tracker.probeSucceeded("a")
        #expect(tracker.probeFailed("a") == nil)
        #expect(tracker.probeFailed("a") == nil)
        // A success in between starts the count again.
        #expect(tracker.probeSucceeded("a") == nil)
        #expect(tracker.probeFailed("a") == nil)
        #expect(tracker.probeFailed("a") == nil)
        #expect(tracker.probeFailed("a") == HealthTransition(target: "a", from: .healthy, to: .unhealthy))
        #expect(tracker.probeFailed("a") == nil)
        #expect(!tracker.takesTraffic("a"))
    }

    @Test func healthyAgainAfterThresholdConsecutiveSuccesses() {
        var tracker = Tracker(targets: ["a"], settings: .init(healthyThreshold: 2, unhealthyThreshold: 1))
        #expect(tracker.probeFailed("a") == HealthTransition(target: "a", from: .unknown, to: .unhealthy))
        #expect(tracker.probeSucceeded("a") == nil)
        #expect(tracker.probeFailed("a") == nil)
        #expect(tracker.probeSucceeded("a") == nil)
        #expect(tracker.probeSucceeded("a") == HealthTransition(target: "a", from: .unhealthy, to: .healthy))
        #expect(tracker.takesTraffic("a"))
    }

    @Test func strictInitialStatusHoldsNewTargetsBack() {
        var tracker = Tracker(
            targets: ["a"], settings: .init(healthyThreshold: 2, unhealthyThreshold: 3, initialStatus: .unhealthy))
        #expect(!tracker.takesTraffic("a"))
        #expect(tracker.probeSucceeded("a") == nil)
        #expect(tracker.probeSucceeded("a")?.to == .healthy)
    }

    @Test func keepsVerdictsAcrossTargetListChanges() {
        var tracker = Tracker(targets: ["a", "b"], settings: .init(unhealthyThreshold: 1))
        _ = tracker.probeFailed("a")
        tracker.setTargets(["a", "c"])
        #expect(tracker.status(of: "a") == .unhealthy)
        #expect(tracker.status(of: "b") == nil)
        #expect(tracker.status(of: "c") == .unknown)
        #expect(tracker.probeFailed("b") == nil)  // gone: ignored
        #expect(tracker.mask(for: ["c", "a", "x"]) == TargetMask([true, false, true]))
        #expect(Set(tracker.targets) == ["a", "c"])
    }

    @Test func thresholdsBelowOneCountAsOne() {
        let settings = Tracker.Settings(healthyThreshold: 0, unhealthyThreshold: -2)
        #expect(settings.healthyThreshold == 1 && settings.unhealthyThreshold == 1)
    }
}
