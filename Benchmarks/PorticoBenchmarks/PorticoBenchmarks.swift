import Benchmark

// Micro-benchmarks of Portico's per-request work, without sockets. What each one measures,
// how to run them and how the malloc counts are checked: docs/benchmarks.md.
//
// Names avoid spaces and slashes: the plugin's threshold files are named after them.

/// Wall time for the numbers, malloc counts for the regression check (deterministic, unlike
/// time on a shared machine).
let standardMetrics: [BenchmarkMetric] = [.wallClock, .throughput, .mallocCountTotal, .mallocBytesCount]

let benchmarks: @Sendable () -> Void = {
    routeLookupBenchmarks()
    balancerBenchmarks()
    codecBenchmarks()
    flowBenchmarks()
}
