import ArgumentParser
import Foundation
import NIOPosix
import Portico

/// `portico route-test --config F METHOD URL [-H k:v]...`: explain routing (SPEC F-14).
struct RouteTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route-test",
        abstract: "Show which route a request matches, why the others do not, and what would go upstream.",
        discussion: "Exit code 3 when no route matches (404 or 405)."
    )

    @OptionGroup var configOptions: ConfigOptions

    @Argument(help: "HTTP method, e.g. GET.")
    var method: String

    @Argument(help: "Absolute URL (https://host/path?query) or a path.")
    var url: String

    @Option(name: .customShort("H"), help: "Request header 'Name: value' (repeatable).")
    var headers: [String] = []

    @Flag(help: "Print the explanation as JSON.")
    var json = false

    func run() throws {
        let path = try self.configOptions.path()
        let snapshot: RuntimeSnapshot
        do {
            snapshot = try ConfigLoader(registry: FilterRegistry.standard).load(path: path).snapshot
        } catch {
            exitWithConfigErrors(error)
        }
        let head: RequestHead
        do {
            head = try RouteExplainer.makeRequest(method: self.method, url: self.url, headers: self.headers)
        } catch {
            throw ValidationError("\(error)")
        }
        let explanation = RouteExplainer(snapshot: snapshot, eventLoop: MultiThreadedEventLoopGroup.singleton.next())
            .explain(head)
        if self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(explanation), as: UTF8.self))
        } else {
            print(Self.render(explanation))
        }
        if explanation.matchedRoute == nil { throw ExitCode(3) }
    }

    static func render(_ explanation: RouteExplainer.Explanation) -> String {
        var lines: [String] = []
        lines.append(
            "Request: \(explanation.method) host=\(explanation.host.isEmpty ? "-" : explanation.host) path=\(explanation.path)"
        )
        lines.append("")
        lines.append("Routes:")
        let width = explanation.candidates.map(\.route.count).max() ?? 0
        for candidate in explanation.candidates {
            let mark = candidate.route == explanation.matchedRoute ? "✔" : "✘"
            lines.append(
                "  \(mark) \(candidate.route.padding(toLength: width, withPad: " ", startingAt: 0))  \(candidate.verdict)"
            )
        }
        lines.append("")
        lines.append("Matched route: \(explanation.matchedRoute ?? "none")")
        switch explanation.outcome {
        case "proxy":
            lines.append(
                "Action: proxy to upstream '\(explanation.upstream ?? "?")', target \(explanation.target ?? "?")")
            lines.append("")
            lines.append("Upstream request:")
            lines.append("  \(explanation.upstreamRequestLine ?? "")")
            for field in explanation.upstreamHeaders ?? [] { lines.append("  \(field.name): \(field.value)") }
        case "suspend":
            lines.append("Action: a filter would wait for asynchronous work (e.g. a key fetch) before deciding")
        default:
            lines.append("Action: answered by the gateway with status \(explanation.status ?? 0)")
            for field in explanation.responseHeaders ?? [] { lines.append("  \(field.name): \(field.value)") }
            if let body = explanation.responseBody, !body.isEmpty {
                lines.append("")
                lines.append(body.hasSuffix("\n") ? String(body.dropLast()) : body)
            }
        }
        return lines.joined(separator: "\n")
    }
}
