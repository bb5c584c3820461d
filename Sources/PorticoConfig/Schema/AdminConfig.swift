import PorticoCore

/// The admin API listener.
public struct AdminConfig: Sendable, Hashable {
    /// Where the admin API listens; nil turns it off (`address: off`). Default `127.0.0.1:9901`.
    public var address: HostPort?
    /// Bearer token required by mutating admin calls.
    public var token: String?

    /// Creates admin settings with the documented defaults.
    public init(address: HostPort? = HostPort(host: "127.0.0.1", port: 9901), token: String? = nil) {
        self.address = address
        self.token = token
    }
}

extension AdminConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case address, token
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        if let written: AdminAddress = fields.optional(.address) {
            self.address = written.address
        } else {
            self.address = AdminConfig().address
        }
        self.token = fields.optional(.token)
        try fields.finish()
    }
}

/// `host:port`, or `off`.
private struct AdminAddress: Decodable {
    var address: HostPort?

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self.address = text == "off" ? nil : try HostPort(parsing: text)
    }
}
