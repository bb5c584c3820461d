import PorticoDNS
import Testing

/// Injected time: seconds since an arbitrary start.
struct TestInstant: InstantProtocol {
    var offset: Duration

    static func seconds(_ value: Double) -> TestInstant { TestInstant(offset: .milliseconds(Int64(value * 1000))) }

    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: self.offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - self.offset }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }
}

struct DiscoveryStateMachineTests {
    typealias Machine = DiscoveryStateMachine<TestInstant>

    private let first = [DiscoveredEndpoint(host: "u", port: 80, address: ip("10.0.0.1"))]
    private let second = [
        DiscoveredEndpoint(host: "u", port: 80, address: ip("10.0.0.1")),
        DiscoveredEndpoint(host: "u", port: 80, address: ip("10.0.0.2")),
    ]

    private func resolved(_ endpoints: [DiscoveredEndpoint], ttl: UInt32) -> Machine.Outcome {
        .resolved(EndpointSet(endpoints: endpoints, ttl: ttl))
    }

    @Test func publishesOnlyChanges() {
        var machine = Machine(configuration: DiscoveryConfiguration(interval: .seconds(30)))
        let one = machine.resolutionFinished(self.resolved(self.first, ttl: 60), at: .seconds(0))
        #expect(one.publish == self.first)
        #expect(one.report == nil)
        let same = machine.resolutionFinished(self.resolved(self.first, ttl: 60), at: .seconds(30))
        #expect(same.publish == nil)
        // Same endpoints in another order are no change.
        let reordered = machine.resolutionFinished(
            self.resolved(self.second.reversed(), ttl: 60), at: .seconds(60)
        )
        #expect(reordered.publish == self.second)
        let again = machine.resolutionFinished(self.resolved(Array(self.second.reversed()), ttl: 60), at: .seconds(90))
        #expect(again.publish == nil)
        #expect(machine.published == self.second)
    }

    @Test func reResolvesAtTheSmallerOfTTLAndIntervalWithAFloor() {
        var machine = Machine(
            configuration: DiscoveryConfiguration(interval: .seconds(30), minimumInterval: .seconds(2))
        )
        #expect(
            machine.resolutionFinished(self.resolved(self.first, ttl: 10), at: .seconds(0)).nextResolution
                == .seconds(10))
        #expect(
            machine.resolutionFinished(self.resolved(self.first, ttl: 300), at: .seconds(10)).nextResolution
                == .seconds(40))
        #expect(
            machine.resolutionFinished(self.resolved(self.first, ttl: 0), at: .seconds(40)).nextResolution
                == .seconds(42))
        #expect(
            machine.resolutionFinished(self.resolved(self.first, ttl: .max), at: .seconds(42)).nextResolution
                == .seconds(72)
        )
    }

    @Test func transientFailuresKeepTheListAndBackOff() {
        var machine = Machine(
            configuration: DiscoveryConfiguration(interval: .seconds(30), initialBackoff: .seconds(1))
        )
        _ = machine.resolutionFinished(self.resolved(self.first, ttl: 30), at: .seconds(0))
        var now = TestInstant.seconds(30)
        var waits: [Duration] = []
        for _ in 0..<7 {
            let decision = machine.resolutionFinished(.failed(.timeout), at: now)
            #expect(decision.publish == nil)
            #expect(decision.report == .timeout)
            waits.append(now.duration(to: decision.nextResolution))
            now = decision.nextResolution
        }
        #expect(waits == [1, 2, 4, 8, 16, 30, 30].map { Duration.seconds($0) })
        #expect(machine.published == self.first)
        #expect(machine.consecutiveFailures == 7)

        // Recovery resets the back-off; unchanged endpoints are not republished.
        let recovered = machine.resolutionFinished(self.resolved(self.first, ttl: 30), at: now)
        #expect(recovered.publish == nil)
        #expect(machine.consecutiveFailures == 0)
        let next = machine.resolutionFinished(.failed(.serverFailure(.serverFailure)), at: now)
        #expect(now.duration(to: next.nextResolution) == .seconds(1))
    }

    @Test func backOffRespectsItsBounds() {
        var machine = Machine(
            configuration: DiscoveryConfiguration(
                interval: .seconds(60), minimumInterval: .seconds(3), initialBackoff: .seconds(1),
                maximumBackoff: .seconds(10)
            )
        )
        var now = TestInstant.seconds(0)
        var waits: [Duration] = []
        for _ in 0..<4 {
            let decision = machine.resolutionFinished(.failed(.transport("refused")), at: now)
            waits.append(now.duration(to: decision.nextResolution))
            now = decision.nextResolution
        }
        #expect(waits == [3, 6, 10, 10].map { Duration.seconds($0) })
    }

    @Test func firstFailureWithoutAListPublishesNothing() {
        var machine = Machine(configuration: DiscoveryConfiguration())
        let decision = machine.resolutionFinished(.failed(.timeout), at: .seconds(0))
        #expect(decision.publish == nil)
        #expect(decision.report == .timeout)
        #expect(machine.published == nil)
    }

    @Test func absenceWithoutAListPublishesTheEmptyListAtOnce() {
        var machine = Machine(configuration: DiscoveryConfiguration())
        let decision = machine.resolutionFinished(.failed(.nameNotFound("u")), at: .seconds(0))
        #expect(decision.publish == [])
        #expect(decision.report == .nameNotFound("u"))
        let again = machine.resolutionFinished(.failed(.nameNotFound("u")), at: .seconds(1))
        #expect(again.publish == nil)
        // The name appears: published.
        #expect(machine.resolutionFinished(self.resolved(self.first, ttl: 5), at: .seconds(3)).publish == self.first)
    }

    @Test func absenceKeepsTheListForTheGracePeriod() {
        var machine = Machine(
            configuration: DiscoveryConfiguration(interval: .seconds(30), removalGrace: .seconds(60))
        )
        _ = machine.resolutionFinished(self.resolved(self.first, ttl: 30), at: .seconds(0))
        var now = TestInstant.seconds(30)
        var published: [[DiscoveredEndpoint]] = []
        while now < .seconds(200) {
            let decision = machine.resolutionFinished(.failed(.nameNotFound("u")), at: now)
            #expect(decision.report == .nameNotFound("u"))
            if let list = decision.publish {
                published.append(list)
                // Emptied exactly once the grace has passed since the first NXDOMAIN at 30s.
                #expect(now >= .seconds(90))
                #expect(now < .seconds(90 + 30))
            }
            now = decision.nextResolution
        }
        #expect(published == [[]])
        #expect(machine.published == [])
    }

    @Test func absenceStreakIsResetBySuccessAndNotByTransientFailures() {
        var machine = Machine(
            configuration: DiscoveryConfiguration(interval: .seconds(30), removalGrace: .seconds(60))
        )
        _ = machine.resolutionFinished(self.resolved(self.first, ttl: 30), at: .seconds(0))
        _ = machine.resolutionFinished(.failed(.noRecords("u")), at: .seconds(10))
        #expect(machine.absentSince == .seconds(10))
        _ = machine.resolutionFinished(.failed(.timeout), at: .seconds(40))
        #expect(machine.absentSince == .seconds(10))
        #expect(machine.resolutionFinished(.failed(.noRecords("u")), at: .seconds(70)).publish == [])

        _ = machine.resolutionFinished(self.resolved(self.first, ttl: 30), at: .seconds(80))
        #expect(machine.absentSince == nil)
        #expect(machine.published == self.first)
        // A new streak starts from scratch.
        #expect(machine.resolutionFinished(.failed(.noRecords("u")), at: .seconds(100)).publish == nil)
        #expect(machine.resolutionFinished(.failed(.noRecords("u")), at: .seconds(159)).publish == nil)
        #expect(machine.resolutionFinished(.failed(.noRecords("u")), at: .seconds(160)).publish == [])
    }

    @Test func withoutGraceAbsenceNeverEmptiesAWorkingList() {
        var machine = Machine(configuration: DiscoveryConfiguration(interval: .seconds(30), removalGrace: nil))
        _ = machine.resolutionFinished(self.resolved(self.first, ttl: 30), at: .seconds(0))
        for hour in 1...48 {
            let decision = machine.resolutionFinished(.failed(.nameNotFound("u")), at: .seconds(Double(hour * 3600)))
            #expect(decision.publish == nil)
        }
        #expect(machine.published == self.first)
    }
}
