// PorticoHealth: the I/O side of active health checks (F-22), run on the control plane.
//
// - `HealthProbe` checks one target once (tcp, http, https, grpc, grpcs) on the gateway's
//   EventLoopGroup, within a timeout, and always closes its connection.
// - `HealthCheckScheduler` probes targets periodically (one probe in flight per target) and hands
//   every `ProbeResult` to a callback; thresholds and healthy/unhealthy state live in the health
//   state machine in PorticoCore, which consumes these results.
//
// Mapping of an upstream's `health_check:` block onto `ProbeConfiguration` (defaults in brackets):
//
//   type               -> kind: tcp | http | https | grpc (h2c prior knowledge) | grpcs (TLS, ALPN h2)
//   path               -> path, http(s) only                                                         [/]
//   host               -> host: Host header (gRPC :authority)                                [target host:port]
//   expected_statuses  -> expectedStatuses; entries 200, "200-299" or "2xx",
//                         each read with ProbeConfiguration.parseStatusRange                         [[200]]
//   body               -> bodyContains: substring searched in the first maxBodyBytes                 [none]
//   service            -> service: gRPC health service name                                    ["" = server]
//   tls: { ca, server_name, verify, cert, key } -> tls (https and grpcs only)    [system roots, verify on]
//   timeout            -> timeout                                                                    [1s]
//   interval           -> HealthCheckScheduler(interval:), time from the end of one probe to the next
//   jitter             -> HealthCheckScheduler(jitter:), e.g. proportionalJitter(fraction:seed:)
//   healthy_threshold / unhealthy_threshold -> the health state machine, not this module
