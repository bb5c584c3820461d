#!/usr/bin/env bash
# Side-by-side benchmark: builds Portico in release and runs the shared harness
# (../shared/bench/peers.sh and instructions.sh) with Portico as the gateway under test.
#
#   scripts/bench.sh                 # both scripts
#   scripts/bench.sh peers           # only req/s, latency, CPU, RSS (peers.sh)
#   scripts/bench.sh instructions    # only instructions and syscalls per request
#   PORTICO_BENCH_MODE=filters scripts/bench.sh     # jwt + rate_limit + cors + headers on the route
#   PORTICO_BENCH_MODE=resilience scripts/bench.sh  # health checks, passive, retries, breaker on
#
# Everything else (BENCH_*, INSTR_*) is passed through to the harness; see its README.
# Needs: apt-get install -y nginx haproxy caddy wrk curl valgrind nghttp2-client strace
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="${BENCH_DIR:-$root/../shared/bench}"
what="${1:-all}"

# Release build in its own folder, so the debug build used by tests stays warm.
#  -enforce-exclusivity=unchecked: must reach NIO's code too, so it is given on the command
#   line, not in Package.swift (tests keep the checks; see docs/PERFORMANCE.md).
#  DWARF 4: valgrind 3.19 cannot read Swift 6.3's default DWARF 5.
swift build -c release --product portico --scratch-path "$root/.build-bench" \
    -Xswiftc -enforce-exclusivity=unchecked -Xswiftc -dwarf-version=4 -Xcc -gdwarf-4

export GATEWAY_CMD="$root/scripts/bench-gateway.sh"

if [ "${PORTICO_BENCH_MODE:-bare}" = "filters" ]; then
    # An HS256 token for the jwt filter, minted here (the gateway script may only run shell
    # builtins before exec); expires in a day.
    b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
    secret="bench-secret-0123456789abcdef0123456789abcdef"
    header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
    payload=$(printf '{"sub":"bench-user","iss":"bench","exp":%s}' "$(($(date +%s) + 86400))" | b64url)
    signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -binary -sha256 -hmac "$secret" | b64url)
    export PORTICO_BENCH_SECRET="$secret" PORTICO_BENCH_TOKEN="$header.$payload.$signature"
fi
export PORTICO_BIN="$root/.build-bench/release/portico"

case "$what" in
    peers) "$bench/peers.sh" ;;
    instructions) "$bench/instructions.sh" ;;
    all)
        "$bench/peers.sh"
        "$bench/instructions.sh"
        ;;
    *)
        echo "usage: $0 [all|peers|instructions]" >&2
        exit 2
        ;;
esac
