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
    printf 'admin: { address: off }\n'
    printf 'runtime: { workers: %s }\n' "${GATEWAY_WORKERS:-1}"
    printf 'logging: { level: warning, access_log: false }\n'
    printf 'upstreams:\n  backend:\n    balancer: round_robin\n    targets:\n'
    IFS=',' read -r -a urls <<<"${BACKEND_URLS:-http://127.0.0.1:28081}"
    for url in "${urls[@]}"; do
        printf '      - url: %s\n' "$url"
    done
    printf 'routes:\n  - name: all\n    match: { path_prefix: / }\n    upstream: backend\n'
    if [ "$mode" = "filters" ]; then
        printf '    filters: [request-id, headers]\n'
        printf 'filters:\n'
        printf '  request-id: { type: request_id }\n'
        printf '  headers: { type: headers, request: { set: { X-Bench: "1" } }, response: { set: { X-Served-By: portico } } }\n'
    fi
} >"$config"

exec "$binary" run --config "$config"
