#!/usr/bin/env bash
# Fuzzes Portico's HTTP/1 codec (PorticoHTTP1) with libFuzzer: builds the harness package in
# Fuzz/ with -sanitize=fuzzer,address and runs each fuzzer for SECONDS over its seed corpus.
#
#   scripts/fuzz.sh [SECONDS]          # default 60 seconds per fuzzer
#   scripts/fuzz.sh 0                  # only replay the seed corpus (no fuzzing)
#   FUZZERS="request chunked" scripts/fuzz.sh 300     # only some of them
#
# New inputs go to a temporary working corpus (deleted afterwards), so git stays clean; to keep
# a find, copy it into Fuzz/Corpus/<kind>/. Exits non-zero on any crash, timeout or memory
# blow-up, printing the reproducer (kept under .build-fuzz/artifacts/). Replay one with
#   .build-fuzz/release/Fuzz<Kind> REPRODUCER
# See docs/fuzzing.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
fuzzers=(${FUZZERS:-request response chunked})
scratch="$root/.build-fuzz"

case "$seconds" in
    '' | *[!0-9]*)
        echo "usage: scripts/fuzz.sh [SECONDS]" >&2
        exit 64
        ;;
esac

echo "== fuzz: building the harness (Fuzz/, -sanitize=fuzzer,address)"
# `--sanitize=fuzzer` makes SwiftPM compile main.swift as a library and leave `main` to
# libFuzzer. ASan comes from the combined swiftc flag, which is passed after SwiftPM's own
# (compiling and linking): swiftc keeps only the last `-sanitize=` flag, so SwiftPM's
# `--sanitize=fuzzer --sanitize=address` would give the Swift code either no coverage or no
# ASan, depending on the order it happens to list them in.
build=(swift build --package-path "$root/Fuzz" --scratch-path "$scratch" -c release
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)
# (ld.gold warns once per executable about an ASan symbol it cannot export: harmless.)
"${build[@]}" 2>&1 | { grep -v "Cannot export local symbol '__asan_extra_spill_area'" || true; }
bin="$("${build[@]}" --show-bin-path)"

# Swift's own crash backtracer would run before libFuzzer's handler (slowly); libFuzzer and
# ASan print the stack themselves.
export SWIFT_BACKTRACE=enable=no
work="$(mktemp -d "${TMPDIR:-/tmp}/portico-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failed=0
for kind in "${fuzzers[@]}"; do
    executable="$bin/Fuzz${kind^}"
    corpus="$root/Fuzz/Corpus/$kind"
    if [ ! -x "$executable" ] || [ ! -d "$corpus" ]; then
        echo "unknown fuzzer '$kind' (expected $executable and $corpus)" >&2
        exit 64
    fi
    artifacts="$scratch/artifacts/$kind"
    mkdir -p "$work/$kind" "$artifacts"
    files="$(find "$corpus" -type f | wc -l)"
    if [ "$seconds" -eq 0 ]; then
        echo "== fuzz: $kind: replaying the seed corpus ($files files)"
        length=(-runs=0)
    else
        echo "== fuzz: $kind for ${seconds}s (seed corpus: $files files)"
        length=(-max_total_time="$seconds")
    fi
    status=0
    # The first corpus directory receives new inputs (temporary); the seed corpus is read only.
    "$executable" "$work/$kind" "$corpus" \
        -dict="$root/Fuzz/http.dict" \
        "${length[@]}" -timeout=5 -rss_limit_mb=2048 -max_len=8192 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 \
        >"$work/$kind.log" 2>&1 || status=$?
    grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$kind.log" || true
    if [ "$status" -ne 0 ]; then
        failed=1
        echo "!! fuzz: $kind FAILED (exit $status); libFuzzer's report:" >&2
        grep -v -E '^(#[0-9]+[[:space:]]|INFO: )' "$work/$kind.log" | tail -n 60 >&2
        reproducer="$(grep -o -E "Test unit written to [^ ]+" "$work/$kind.log" | tail -n 1 | cut -d' ' -f5 || true)"
        if [ -n "$reproducer" ]; then
            echo "!! reproducer: $reproducer" >&2
            echo "!! replay:     $executable $reproducer" >&2
        fi
    fi
done
exit "$failed"
