import NIOCore
import PorticoCore
import Testing

@Suite struct OutlierDetectorTests {
    typealias Detector = OutlierDetector<String>
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    let settings = OutlierSettings(
        consecutiveFailures: 3, ejectionTime: .seconds(30), maxEjectionTime: .seconds(100), maxEjectionPercent: 50)

    private func fail(_ detector: inout Detector, _ target: String, times: Int, at now: NIODeadline)
        -> OutlierTransition<String>?
    {
        var last: OutlierTransition<String>?
        for _ in 0..<times { last = detector.requestFailed(target, now: now) }
        return last
    }

    @Test func consecutiveFailuresEjectAndSuccessResetsTheCount() {
        var detector = Detector(targets: ["a", "b", "c", "d"], settings: self.settings)
        #expect(self.fail(&detector, "a", times: 2, at: self.start) == nil)
        detector.requestSucceeded("a")
        #expect(detector.consecutiveFailures(of: "a") == 0)
        #expect(self.fail(&detector, "a", times: 2, at: self.start) == nil)
        #expect(
            detector.requestFailed("a", now: self.start)
                == .ejected("a", until: self.start + .seconds(30), ejections: 1))
        #expect(detector.isEjected("a"))
        #expect(detector.ejectedCount == 1)
        #expect(detector.nextReturn == self.start + .seconds(30))
        #expect(detector.mask(for: ["a", "b"]) == TargetMask([false, true]))
        // Failures while ejected (requests already in flight) change nothing.
        #expect(detector.requestFailed("a", now: self.start) == nil)
    }

    @Test func ejectionsReturnWhenTheirTimeIsUp() {
        var detector = Detector(targets: ["a", "b", "c", "d"], settings: self.settings)
        _ = self.fail(&detector, "a", times: 3, at: self.start)
        _ = self.fail(&detector, "b", times: 3, at: self.start + .seconds(10))
        #expect(detector.expire(now: self.start + .seconds(29)) == [])
        #expect(detector.expire(now: self.start + .seconds(30)) == [.returned("a", early: false)])
        #expect(!detector.isEjected("a") && detector.isEjected("b"))
        #expect(detector.nextReturn == self.start + .seconds(40))
        #expect(detector.expire(now: self.start + .seconds(60)) == [.returned("b", early: false)])
        #expect(detector.nextReturn == nil)
    }

    @Test func repeatedEjectionsLastLongerUpToTheCap() {
        var detector = Detector(targets: ["a", "b"], settings: self.settings)
        var now = self.start
        var lengths: [TimeAmount] = []
        for _ in 0..<5 {
            guard case .ejected(_, let until, _) = self.fail(&detector, "a", times: 3, at: now) else {
                Issue.record("not ejected")
                return
            }
            lengths.append(until - now)
            now = until
            _ = detector.expire(now: now)
        }
        #expect(lengths == [.seconds(30), .seconds(60), .seconds(90), .seconds(100), .seconds(100)])
    }

    @Test func oldEjectionsAreForgiven() {
        var detector = Detector(targets: ["a", "b"], settings: self.settings)
        _ = self.fail(&detector, "a", times: 3, at: self.start)
        _ = detector.expire(now: self.start + .seconds(30))
        _ = self.fail(&detector, "a", times: 3, at: self.start + .seconds(30))
        _ = detector.expire(now: self.start + .seconds(90))
        // Two ejections in memory; 65 s of good service forgive two periods of 30 s.
        let again = self.fail(&detector, "a", times: 3, at: self.start + .seconds(155))
        #expect(again == .ejected("a", until: self.start + .seconds(185), ejections: 1))
    }

    @Test func neverEjectsMoreThanTheAllowedShare() {
        var detector = Detector(targets: ["a", "b", "c", "d"], settings: self.settings)
        #expect(self.fail(&detector, "a", times: 3, at: self.start) != nil)
        #expect(self.fail(&detector, "b", times: 3, at: self.start) != nil)
        // 50% of 4 = 2: the third is refused, and retried on its next failure.
        #expect(self.fail(&detector, "c", times: 3, at: self.start) == nil)
        #expect(!detector.isEjected("c"))
        _ = detector.expire(now: self.start + .seconds(30))
        #expect(detector.requestFailed("c", now: self.start + .seconds(31)) != nil)
    }

    @Test func ejectionsThatRanOutDoNotCountAgainstTheCap() {
        var detector = Detector(targets: ["a", "b"], settings: self.settings)
        _ = self.fail(&detector, "a", times: 3, at: self.start)
        // Not swept yet, but over: "b" may go.
        #expect(self.fail(&detector, "b", times: 3, at: self.start + .seconds(31)) != nil)
    }

    @Test func maxEjectedArithmetic() {
        #expect(OutlierSettings(maxEjectionPercent: 50).maxEjected(of: 1) == 0)
        #expect(OutlierSettings(maxEjectionPercent: 50).maxEjected(of: 2) == 1)
        #expect(OutlierSettings(maxEjectionPercent: 50).maxEjected(of: 5) == 2)
        #expect(OutlierSettings(maxEjectionPercent: 10).maxEjected(of: 3) == 1)  // at least one
        #expect(OutlierSettings(maxEjectionPercent: 100).maxEjected(of: 4) == 3)  // one always stays
        #expect(OutlierSettings(maxEjectionPercent: 0).maxEjected(of: 4) == 0)  // disabled
    }

    @Test func aSingleTargetIsNeverEjected() {
        var detector = Detector(targets: ["only"], settings: self.settings)
        #expect(self.fail(&detector, "only", times: 10, at: self.start) == nil)
        #expect(!detector.isEjected("only"))
    }

    @Test func activeCheckSuccessReturnsEarly() {
        var detector = Detector(targets: ["a", "b"], settings: self.settings)
        #expect(detector.activeCheckSucceeded("a", now: self.start) == nil)
        _ = self.fail(&detector, "a", times: 3, at: self.start)
        #expect(detector.activeCheckSucceeded("a", now: self.start + .seconds(5)) == .returned("a", early: true))
        #expect(!detector.isEjected("a"))
        #expect(detector.nextReturn == nil)
        #expect(detector.expire(now: self.start + .seconds(60)) == [])
    }

    @Test func keepsStateAcrossTargetListChanges() {
        var detector = Detector(targets: ["a", "b", "c"], settings: self.settings)
        _ = self.fail(&detector, "a", times: 3, at: self.start)
        _ = self.fail(&detector, "b", times: 2, at: self.start)
        detector.setTargets(["a", "b", "d"])
        #expect(detector.isEjected("a"))
        #expect(detector.consecutiveFailures(of: "b") == 2)
        detector.setTargets(["b", "d"])
        #expect(detector.ejectedCount == 0 && detector.nextReturn == nil)
        #expect(detector.requestFailed("gone", now: self.start) == nil)
    }
}
