import NIOConcurrencyHelpers

/// What discovery tells its consumer.
public enum DiscoveryEvent: Sendable, Hashable {
    /// The endpoint list changed (the first list included); sorted, possibly empty (see
    /// ``DiscoveryStateMachine`` for when an empty list is published).
    case endpoints([DiscoveredEndpoint])
    /// A resolution failed; the last published list stays in force.
    case failed(DNSResolutionError)
}

/// Keeps a name's endpoints current: resolves at once, then again on TTL/interval, and
/// publishes the list through ``events`` when it changes. The rules live in
/// ``DiscoveryStateMachine``; this is the async shell that runs them.
///
/// ```swift
/// let discovery = DNSDiscovery(
///     lookup: EndpointLookup(name: "users.svc.local", mode: .addresses(port: 8080)),
///     configuration: DiscoveryConfiguration(interval: .seconds(30)),
///     resolver: DNSResolver())
/// group.addTask { await discovery.run() }         // until the task is cancelled
/// for await event in discovery.events { ... }
/// ```
public final class DNSDiscovery: Sendable {
    /// What is resolved.
    public let lookup: EndpointLookup
    /// The timing policy.
    public let configuration: DiscoveryConfiguration
    /// Endpoint lists and failures, in order; finishes when ``run()`` returns. One consumer
    /// (an `AsyncStream`); keeps at most the newest 64 undelivered events. ``currentEndpoints``
    /// can be read from anywhere.
    public let events: AsyncStream<DiscoveryEvent>

    private let resolver: any DNSResolving
    private let continuation: AsyncStream<DiscoveryEvent>.Continuation
    private let state = NIOLockedValueBox(State())

    private struct State {
        var started = false
        var endpoints: [DiscoveredEndpoint]?
    }

    public init(lookup: EndpointLookup, configuration: DiscoveryConfiguration, resolver: any DNSResolving) {
        self.lookup = lookup
        self.configuration = configuration
        self.resolver = resolver
        (self.events, self.continuation) = AsyncStream.makeStream(
            of: DiscoveryEvent.self, bufferingPolicy: .bufferingNewest(64))
    }

    /// The last published list, `nil` before the first.
    public var currentEndpoints: [DiscoveredEndpoint]? {
        self.state.withLockedValue { $0.endpoints }
    }

    /// Runs discovery until the calling task is cancelled, on the continuous clock.
    public func run() async {
        await self.run(clock: ContinuousClock())
    }

    /// Runs discovery until the calling task is cancelled, sleeping on `clock`. Call once.
    public func run<C: Clock>(clock: C) async where C.Duration == Duration {
        let first = self.state.withLockedValue { state in
            defer { state.started = true }
            return !state.started
        }
        precondition(first, "DNSDiscovery.run() may only be called once")
        defer { self.continuation.finish() }

        var machine = DiscoveryStateMachine<C.Instant>(configuration: self.configuration)
        while !Task.isCancelled {
            let outcome: DiscoveryStateMachine<C.Instant>.Outcome
            do {
                outcome = .resolved(try await self.lookup.resolve(using: self.resolver))
            } catch let error as DNSResolutionError {
                outcome = .failed(error)
            } catch {
                if Task.isCancelled { return }
                outcome = .failed(.transport("\(error)"))
            }
            if Task.isCancelled { return }

            let decision = machine.resolutionFinished(outcome, at: clock.now)
            if let endpoints = decision.publish {
                self.state.withLockedValue { $0.endpoints = endpoints }
                self.continuation.yield(.endpoints(endpoints))
            }
            if let error = decision.report {
                self.continuation.yield(.failed(error))
            }
            do {
                try await clock.sleep(until: decision.nextResolution, tolerance: nil)
            } catch {
                return
            }
        }
    }
}
