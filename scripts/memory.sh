#!/usr/bin/env bash
# Memory figures of the performance targets (SPEC): RSS at idle with a 100-route config, and
# the RSS growth per idle keep-alive client connection at 10,000 connections.
#
#   scripts/memory.sh            # builds the release binary first (as scripts/bench.sh does)
#
# Needs python3 and an open-files limit above 10,000 (`ulimit -n`). Everything stays on
# 127.0.0.1; the connections get a local 404, so no upstream is needed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The same flags as scripts/bench.sh, so both share one release build.
swift build -c release --product portico --scratch-path "$root/.build-bench" \
    -Xswiftc -enforce-exclusivity=unchecked -Xswiftc -dwarf-version=4 -Xcc -gdwarf-4 >/dev/null
binary="$root/.build-bench/release/portico"
port="${MEMORY_PORT:-28600}"
connections="${MEMORY_CONNECTIONS:-10000}"
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$work/routes.yaml" "$port" <<'PY'
import sys
path, port = sys.argv[1], sys.argv[2]
lines = ["listeners:", "  - name: main", f"    address: 127.0.0.1:{port}",
         "    limits: { max_connections: 100000 }", "admin: { address: off }",
         "logging: { level: warning, access_log: false }", "upstreams:"]
for i in range(10):
    lines.append(f"  svc{i}:\n    targets: [{{ url: http://127.0.0.1:9 }}]")
lines.append("routes:")
for i in range(100):
    lines.append(f"  - name: r{i}\n    match: {{ path_prefix: /api/v{i % 5}/svc{i}/ }}\n    upstream: svc{i % 10}")
open(path, "w").write("\n".join(lines) + "\n")
PY

"$binary" run --config "$work/routes.yaml" >"$work/gateway.log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
sleep 2
echo "idle RSS with 100 routes: $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") kB"

python3 - "$connections" "$pid" "$port" <<'PY'
import asyncio, re, sys
count, pid, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def rss():
    return next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS"))
async def connect(held):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /nope HTTP/1.1\r\nHost: memory\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    await reader.readexactly(int(re.search(rb"(?i)content-length: *(\d+)", head).group(1)))
    held.append(writer)
async def main():
    held = []
    for start in range(0, 1000, 500):  # warm-up: allocator arenas, buffers
        await asyncio.gather(*[connect(held) for _ in range(500)])
    await asyncio.sleep(1)
    before = rss()
    for start in range(0, count, 500):
        await asyncio.gather(*[connect(held) for _ in range(min(500, count - start))])
    await asyncio.sleep(2)
    after = rss()
    print(f"{count} more idle keep-alive connections: RSS {before} -> {after} kB, "
          f"{(after - before) * 1024 / count:.0f} bytes per connection")
    for writer in held:
        writer.close()
asyncio.run(main())
PY
