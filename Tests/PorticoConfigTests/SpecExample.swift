/// The configuration of SPEC §9, verbatim: it must always load.
enum SpecExample {
    static let yaml = """
        listeners:
          - name: public
            address: 0.0.0.0:8080            # host:port; [::]:8080 for IPv6
            # protocols: [http1, h2c]        # h2c = HTTP/2 prior knowledge on cleartext
            # tls: { certificates: [{cert: certs/a.pem, key: certs/a.key}], client_ca: certs/ca.pem }
            # timeouts: { read_header: 10s, idle: 120s }
            # limits: { max_header_bytes: 64KiB, max_body: 10MiB, max_connections: 10000 }   # these are the defaults
        admin:
          address: 127.0.0.1:9901
          # token: ${PORTICO_ADMIN_TOKEN}    # required for mutating admin calls
        runtime:
          workers: 2                         # event loops; default: number of cores
        logging:
          level: info                        # trace|debug|info|notice|warning|error
          format: text                       # text|json
          access_log: true

        upstreams:
          users:
            targets:
              - url: http://127.0.0.1:3001
                weight: 2
              - url: http://127.0.0.1:3002
            balancer: round_robin            # round_robin|weighted_round_robin|least_connections|random|ip_hash|p2c_ewma|consistent_hash
            # hash_on: header:x-user-id      # for consistent_hash: header:NAME|cookie:NAME|query:NAME|path|client_ip
            # timeouts: { connect: 1s, response_header: 30s, request: 60s }
            # pool: { max_idle_per_target: 64, idle_timeout: 60s, max_connections_per_target: 1024 }
            # health_check: { type: http, path: /health, interval: 5s, timeout: 1s, healthy_threshold: 2, unhealthy_threshold: 3, expected_statuses: [200] }
            # passive: { consecutive_failures: 5, ejection_time: 30s, max_ejection_percent: 50 }
            # circuit_breaker: { failure_threshold: 5, success_threshold: 2, open_for: 30s }
            # retries: { attempts: 2, on: [connect_failure, reset, 502, 503, 504], per_try_timeout: 5s, budget_percent: 20 }
            # tls: { ca: certs/ca.pem, server_name: users.internal, verify: true }
            # discovery: { registry: users }   # or { dns: users.svc.local, port: 8080, interval: 30s }

        routes:
          - name: users-api
            match:
              hosts: [api.example.com, "*.example.org"]
              path_prefix: /api/users        # or path: /api/users/{id}   or path: /static/**   or path_regex: ^/v[0-9]+/
              methods: [GET, POST]
              # headers: { x-api-version: "2" }
              # query: { debug: "1" }
            upstream: users
            strip_prefix: /api
            # rewrite: { regex: ^/users/(.*)$, replacement: /v2/users/$1 }
            # preserve_host: true            # default: the client's Host goes upstream; false sends the target's host
            # timeout: 30s
            # websocket: { enabled: true, protocols: [chat], idle_timeout: 60s, max_message_bytes: 1MiB }
            filters: [request-id, cors-web]
          - name: old-docs
            match: { path_prefix: /docs }
            redirect: { to: https://docs.example.com, status: 301 }

        filters:
          request-id: { type: request_id, header: X-Request-ID }
          cors-web:   { type: cors, allowed_origins: ["https://app.example.com"], allowed_methods: [GET, POST] }
          # jwt-users: { type: jwt, algorithms: [RS256], jwks_url: https://idp/.well-known/jwks.json, issuer: https://idp, audience: users }
          # limit-ip:  { type: rate_limit, rate: 100/s, burst: 200, key: client_ip }
        """

    /// The same configuration as JSON, indented with tabs (libyaml rejects tabs in YAML
    /// indentation, so this checks the JSON path).
    static let json = """
        {
        \t"listeners": [
        \t\t{"name": "public", "address": "0.0.0.0:8080"}
        \t],
        \t"admin": {"address": "127.0.0.1:9901"},
        \t"runtime": {"workers": 2},
        \t"logging": {"level": "info", "format": "text", "access_log": true},
        \t"upstreams": {
        \t\t"users": {
        \t\t\t"targets": [
        \t\t\t\t{"url": "http://127.0.0.1:3001", "weight": 2},
        \t\t\t\t{"url": "http://127.0.0.1:3002"}
        \t\t\t],
        \t\t\t"balancer": "round_robin"
        \t\t}
        \t},
        \t"routes": [
        \t\t{
        \t\t\t"name": "users-api",
        \t\t\t"match": {
        \t\t\t\t"hosts": ["api.example.com", "*.example.org"],
        \t\t\t\t"path_prefix": "/api/users",
        \t\t\t\t"methods": ["GET", "POST"]
        \t\t\t},
        \t\t\t"upstream": "users",
        \t\t\t"strip_prefix": "/api",
        \t\t\t"filters": ["request-id", "cors-web"]
        \t\t},
        \t\t{
        \t\t\t"name": "old-docs",
        \t\t\t"match": {"path_prefix": "/docs"},
        \t\t\t"redirect": {"to": "https://docs.example.com", "status": 301}
        \t\t}
        \t],
        \t"filters": {
        \t\t"request-id": {"type": "request_id", "header": "X-Request-ID"},
        \t\t"cors-web": {"type": "cors", "allowed_origins": ["https://app.example.com"], "allowed_methods": ["GET", "POST"]}
        \t}
        }
        """
}
