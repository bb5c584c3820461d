import Portico

/// An example of a filter written outside Portico: requests must name an allowed tenant in
/// a header; the upstream learns the tenant was checked, and the client sees which tenant
/// served it. It registers and is configured exactly like the built-in filters:
///
/// ```yaml
/// filters:
///   tenants: { type: tenant, header: X-Tenant, allowed: [acme, globex] }
/// ```
struct TenantFilter: HTTPFilter {
    struct Configuration: FilterConfiguration {
        static let typeName = "tenant"

        var header: String
        var allowed: [String]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case header, allowed
        }

        init(header: String = "X-Tenant", allowed: [String]) {
            self.header = header
            self.allowed = allowed
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.header = try container.decodeIfPresent(String.self, forKey: .header) ?? "X-Tenant"
            self.allowed = try container.decode([String].self, forKey: .allowed)
            // Validation errors point at the offending key, with file:line:column.
            guard !self.allowed.isEmpty else {
                throw ConfigIssue("allowed must name at least one tenant", key: "allowed", hint: "e.g. allowed: [acme]")
            }
        }

        func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
            TenantFilter(header: self.header, allowed: Set(self.allowed))
        }
    }

    let header: String
    let allowed: Set<String>

    func onRequest(_ context: inout RequestContext) -> FilterDecision {
        guard let tenant = context.request.headers[self.header], self.allowed.contains(tenant) else {
            return .reject(GatewayError(.forbidden, "unknown tenant"))
        }
        context.consumer = tenant
        return .proceed
    }

    func onUpstreamRequest(_ request: inout RequestHead, context: RequestContext) {
        request.headers.set(name: "X-Tenant-Verified", value: "yes")
    }

    func onResponse(_ response: inout ResponseHead, context: RequestContext) {
        if let tenant = context.consumer {
            response.headers.set(name: "X-Served-Tenant", value: tenant)
        }
    }
}
