import NIOCore
import Testing

@testable import PorticoCore

/// The shared, control-plane-written view of an upstream's targets.
struct UpstreamStateTests {
    static func target(_ port: Int) -> UpstreamTarget {
        UpstreamTarget(
            url: "http://127.0.0.1:\(port)", host: "127.0.0.1", port: port,
            address: try! SocketAddress(ipAddress: "127.0.0.1", port: port))
    }

    @Test func healthChangesKeepTheTargetListVersion() {
        let state = UpstreamState(targets: [Self.target(1), Self.target(2)])
        #expect(state.view.allHealthy)
        #expect(state.setHealthy(false, for: Self.target(2).poolKey))
        #expect(!state.setHealthy(false, for: Self.target(2).poolKey))  // no change, no new view
        let view = state.view
        #expect(view.healthy == [true, false])
        #expect(!view.allHealthy)
        #expect(view.version == 1)
        #expect(view.targetsVersion == 0)
    }

    @Test func replacingTargetsKeepsVerdictsOfThoseThatStay() {
        let state = UpstreamState(targets: [Self.target(1), Self.target(2)])
        state.setHealthy(false, for: Self.target(2).poolKey)
        state.recordProbeSuccess(for: Self.target(1).poolKey)
        #expect(state.replaceTargets([Self.target(2), Self.target(3)], newTargetsHealthy: true))
        let view = state.view
        #expect(view.targets.map(\.port) == [2, 3])
        #expect(view.healthy == [false, true])
        #expect(view.probeSuccesses == [0, 0])
        #expect(view.targetsVersion == 1)
        #expect(!state.replaceTargets([Self.target(2), Self.target(3)]))  // same list: nothing published
    }

    @Test func aReloadAdoptsDiscoveredTargetsAndVerdicts() {
        let previous = UpstreamState(targets: [Self.target(1)])
        previous.replaceTargets([Self.target(5), Self.target(6)])
        previous.setHealthy(false, for: Self.target(6).poolKey)
        let discovered = UpstreamState(targets: [])
        discovered.adopt(previous, keepTargets: true)
        #expect(discovered.view.targets.map(\.port) == [5, 6])
        #expect(discovered.view.healthy == [true, false])

        let configured = UpstreamState(targets: [Self.target(6), Self.target(7)])
        configured.adopt(previous, keepTargets: false)
        #expect(configured.view.targets.map(\.port) == [6, 7])
        #expect(configured.view.healthy == [false, true])
    }

    @Test func expectedStatusesParseCodesRangesAndClasses() {
        #expect(ActiveHealthCheck.statusRange("200") == 200...200)
        #expect(ActiveHealthCheck.statusRange("2xx") == 200...299)
        #expect(ActiveHealthCheck.statusRange("200-299") == 200...299)
        for invalid in ["99", "600", "1xx0", "300-200", "abc", "", "-", "9xx", "2XX"] {
            #expect(ActiveHealthCheck.statusRange(invalid) == nil, "\(invalid)")
        }
    }

    @Test func identitiesNameTheAddressAndAreStable() {
        #expect(Self.target(3001).identity == "127.0.0.1@127.0.0.1:3001")
    }
}
