#!/usr/bin/env bash
# GATEWAY_CMD for ../shared/bench: writes a Portico config from the harness's environment
# (GATEWAY_PORT, BACKEND_URLS, GATEWAY_WORKERS) and execs the release binary.
#
# Only shell builtins run before `exec`, so under `valgrind --trace-children=yes` the
# measured process is Portico itself (same PID, counters zeroed by the harness).
set -eu
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="${PORTICO_BIN:-$root/.build-bench/release/portico}"
mode="${PORTICO_BENCH_MODE:-bare}"
config="${TMPDIR:-/tmp}/portico-bench-${GATEWAY_PORT:-28093}-$$.yaml"

{
    printf 'listeners:\n  - name: bench\n    address: 127.0.0.1:%s\n' "${GATEWAY_PORT:-28093}"
    printf '    limits: { max_connections: 100000 }\n'
    if [ "$mode" = "filters" ]; then
        # wrk sends no token: a listener default filter (run before the route's) adds one.
        printf '    filters: [client-token]\n'
    fi
    printf 'admin: { address: off }\n'
    printf 'runtime: { workers: %s }\n' "${GATEWAY_WORKERS:-1}"
    printf 'logging: { level: warning, access_log: false }\n'
    printf 'upstreams:\n  backend:\n    balancer: round_robin\n    targets:\n'
    IFS=',' read -r -a urls <<<"${BACKEND_URLS:-http://127.0.0.1:28081}"
    for url in "${urls[@]}"; do
        printf '      - url: %s\n' "$url"
    done
    if [ "$mode" = "resilience" ]; then
        # Health checks and passive detection on, as a production upstream would have them.
        printf '    health_check: { type: http, path: /, interval: 2s, timeout: 1s }\n'
        printf '    passive: { consecutive_failures: 5, ejection_time: 30s }\n'
        printf '    retries: { attempts: 2 }\n'
        printf '    circuit_breaker: { failure_threshold: 50 }\n'
    fi
    printf 'routes:\n  - name: all\n    match: { path_prefix: / }\n    upstream: backend\n'
    if [ "$mode" = "filters" ]; then
        # SPEC policies target: JWT (cached) + rate limit + CORS + headers.
        printf '    filters: [jwt, limit, cors, headers]\n'
        printf 'filters:\n'
        printf '  client-token: { type: headers, request: { set: { Authorization: "Bearer %s" } } }\n' "${PORTICO_BENCH_TOKEN:?run through scripts/bench.sh}"
        printf '  jwt: { type: jwt, algorithms: [HS256], keys: [{ secret: %s }], issuer: bench }\n' "${PORTICO_BENCH_SECRET:?}"
        printf '  limit: { type: rate_limit, rate: 100000000/s, key: client_ip }\n'
        printf '  cors: { type: cors, allowed_origins: ["https://app.example.com"] }\n'
        printf '  headers: { type: headers, request: { set: { X-User: "${jwt.sub}" } }, response: { set: { X-Served-By: portico } } }\n'
    fi
} >"$config"

exec "$binary" run --config "$config"
