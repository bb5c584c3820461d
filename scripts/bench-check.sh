#!/usr/bin/env bash
# Malloc-count regression check of the micro-benchmarks (Benchmarks/, see docs/benchmarks.md).
#
#   scripts/bench-check.sh            # build the benchmarks (release) and run them all, counting
#                                     # mallocs only; compare each benchmark's p90 malloc count
#                                     # with its committed threshold (Benchmarks/Thresholds)
#   scripts/bench-check.sh --update   # record the current counts as the thresholds (then commit
#                                     # Benchmarks/Thresholds with the change that moved them)
#
# Exit status: 0 when every count equals its threshold, or is lower (the improvement is
# reported: record it with --update so it cannot silently come back); 1 when a count grew,
# a threshold is missing, or the build or a benchmark failed.
#
# Wall time is not checked: it is too noisy on a shared 2-vCPU machine. Malloc counts are
# exact and the same on every run of the same code and toolchain; a toolchain or dependency
# update can move them, and then --update records the new counts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
thresholds="$root/Benchmarks/Thresholds"
cd "$root"

if [ "${1:-}" = "--update" ]; then
    # `--allow-writing-to-directory` matters on macOS (plugins run sandboxed there).
    exec swift package --package-path Benchmarks --allow-writing-to-directory "$thresholds" \
        benchmark thresholds update --metric mallocCountTotal --path "$thresholds" --no-progress
fi
if [ $# -gt 0 ]; then
    echo "usage: $0 [--update]" >&2
    exit 2
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
swift package --package-path Benchmarks benchmark thresholds check \
    --metric mallocCountTotal --path "$thresholds" --no-progress 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# The plugin ends with exit status 0 (equal), or fails with its own error: 'Regression' for
# counts above their thresholds, 'Improvement' for counts only below them.
if [ "$status" -eq 0 ]; then
    echo "bench-check: malloc counts equal the thresholds"
    exit 0
fi
if grep -q "benchmarkThresholdImprovement" "$log" && ! grep -q "benchmarkThresholdRegression" "$log"; then
    echo "bench-check: malloc counts went down; record them: scripts/bench-check.sh --update"
    exit 0
fi
echo "bench-check: FAILED (malloc counts above their thresholds, or the run failed; see above)" >&2
exit 1
