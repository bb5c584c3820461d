import NIOCore
import PorticoCore
import PorticoHTTP

/// Turns a finished request into one access-log line with a fixed set of fields, in this
/// order (documented in docs/observability.md):
///
/// `time request_id client method host path route upstream target status bytes_in bytes_out
/// duration_ms upstream_ms retries`
///
/// Built by hand into one `String`: no metadata dictionaries or encoders per request.
public struct AccessLogFormatter: Sendable {
    /// Output format.
    public let format: PorticoLogHandler.Format

    /// A formatter.
    public init(format: PorticoLogHandler.Format) {
        self.format = format
    }

    /// The line for `record` (without trailing newline).
    public func line(for record: RequestRecord, client: ClientInfo, finishedAt: NIODeadline) -> String {
        let now = HTTPDate.now()
        let time = HTTPDate.iso8601(epochSeconds: now.seconds, nanoseconds: now.nanoseconds)
        let duration = Self.milliseconds(finishedAt - record.startedAt)
        var upstreamMillis = "-"
        if let sent = record.upstreamSentAt, let responded = record.upstreamRespondedAt {
            upstreamMillis = Self.milliseconds(responded - sent)
        }
        switch self.format {
        case .text:
            var line = time
            line += " "
            line += record.requestID ?? "-"
            line += " \(client.ip) \(record.method) "
            line += record.host.isEmpty ? "-" : record.host
            line += " "
            line += record.path.isEmpty ? "-" : record.path
            line += " "
            line += record.routeName.isEmpty ? "-" : record.routeName
            line += " "
            line += record.upstreamName.isEmpty ? "-" : record.upstreamName
            line += " "
            line += record.target.isEmpty ? "-" : record.target
            line +=
                " \(record.status) \(record.requestBodyBytes) \(record.responseBodyBytes) \(duration) \(upstreamMillis) \(record.retries)"
            return line
        case .json:
            var line = "{\"time\":\"\(time)\",\"request_id\":"
            Self.appendOptional(record.requestID, to: &line)
            line += ",\"client\":"
            JSONText.appendString(client.ip, to: &line)
            line += ",\"method\":"
            JSONText.appendString(record.method.name, to: &line)
            line += ",\"host\":"
            JSONText.appendString(record.host, to: &line)
            line += ",\"path\":"
            JSONText.appendString(record.path, to: &line)
            line += ",\"route\":"
            Self.appendOptional(record.routeName.isEmpty ? nil : record.routeName, to: &line)
            line += ",\"upstream\":"
            Self.appendOptional(record.upstreamName.isEmpty ? nil : record.upstreamName, to: &line)
            line += ",\"target\":"
            Self.appendOptional(record.target.isEmpty ? nil : record.target, to: &line)
            line += ",\"status\":\(record.status),\"bytes_in\":\(record.requestBodyBytes)"
            line += ",\"bytes_out\":\(record.responseBodyBytes),\"duration_ms\":\(duration)"
            line += ",\"upstream_ms\":\(upstreamMillis == "-" ? "null" : upstreamMillis),\"retries\":\(record.retries)}"
            return line
        }
    }

    private static func appendOptional(_ value: String?, to line: inout String) {
        if let value {
            JSONText.appendString(value, to: &line)
        } else {
            line += "null"
        }
    }

    /// Milliseconds with three decimals, e.g. `12.345`.
    static func milliseconds(_ amount: TimeAmount) -> String {
        let micros = max(amount.nanoseconds / 1000, 0)
        let fraction = micros % 1000
        let fractionText = fraction < 10 ? "00\(fraction)" : (fraction < 100 ? "0\(fraction)" : "\(fraction)")
        return "\(micros / 1000).\(fractionText)"
    }
}
