import PorticoCore
import PorticoHTTP

/// `body_limit` (SPEC F-48): a smaller request-body limit for the routes that list it. The
/// body is not buffered: the gateway counts bytes as they stream and answers `413` as soon as
/// the limit is passed (at once when `Content-Length` already says so). It can only lower the
/// listener's `limits.max_body`.
///
/// ```yaml
/// small-bodies: { type: body_limit, max_body: 64KiB }
/// ```
public struct BodyLimitFilter: HTTPFilter {
    /// The filter's configuration.
    public struct Configuration: FilterConfiguration {
        public static let typeName = "body_limit"
        /// The largest request body in bytes.
        public var maxBody: Int

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxBody = "max_body"
        }

        /// A configuration.
        public init(maxBody: Int) {
            self.maxBody = maxBody
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let text = try container.decode(String.self, forKey: .maxBody)
            guard let size = ConfigValues.size(text) else {
                throw ConfigIssue("'\(text)' is not a size", key: "max_body", hint: "e.g. 512, 64KiB, 10MiB")
            }
            self.maxBody = size
        }

        public func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
            BodyLimitFilter(configuration: self)
        }
    }

    private let maxBody: Int

    /// A filter.
    public init(configuration: Configuration) {
        self.maxBody = configuration.maxBody
    }

    public var phases: FilterPhases { .request }

    public func onRequest(_ context: inout RequestContext) -> FilterDecision {
        context.limitBody(to: self.maxBody)
        return .proceed
    }
}
