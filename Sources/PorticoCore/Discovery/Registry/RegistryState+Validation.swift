import NIOCore

extension RegistryState {
    /// `registration` with its address normalised (IPv6 brackets dropped), or the first
    /// problem found.
    func validated(_ registration: ServiceRegistration) throws(RegistryError) -> ServiceRegistration {
        var valid = registration
        guard Self.isValidServiceName(registration.service) else { throw .invalidServiceName(registration.service) }
        guard Self.isValidInstanceID(registration.id) else { throw .invalidInstanceID(registration.id) }
        guard (1...65535).contains(registration.port) else { throw .invalidPort(registration.port) }
        valid.address = try Self.normalizedAddress(registration.address)
        if let ttl = registration.ttl, !(self.settings.minTTL...self.settings.maxTTL).contains(ttl) {
            throw .ttlOutOfRange(ttl, min: self.settings.minTTL, max: self.settings.maxTTL)
        }
        guard registration.version.utf8.count <= 64, registration.version.utf8.allSatisfy(Self.isVisibleASCII) else {
            throw .invalidVersion(registration.version)
        }
        try self.validateMetadata(registration.metadata)
        return valid
    }

    private func validateMetadata(_ metadata: [String: String]) throws(RegistryError) {
        guard metadata.count <= self.settings.maxMetadataEntries else {
            throw .invalidMetadata("\(metadata.count) entries, at most \(self.settings.maxMetadataEntries) allowed")
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            let keyIsValid =
                (1...63).contains(key.utf8.count)
                && key.utf8.allSatisfy {
                    Self.isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
                        || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "/")
                }
            guard keyIsValid else {
                throw .invalidMetadata("key '\(key)': use 1 to 63 letters, digits, '-', '_', '.' or '/'")
            }
            guard value.utf8.count <= self.settings.maxMetadataValueBytes else {
                throw .invalidMetadata("value of '\(key)' is longer than \(self.settings.maxMetadataValueBytes) bytes")
            }
            guard !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw .invalidMetadata("value of '\(key)' has control characters")
            }
        }
    }

    /// 1–63 of `[a-z0-9._-]`, starting with a letter or digit: safe as a URL path segment
    /// (service-name routing, F-13) and as an etcd key part.
    static func isValidServiceName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (1...63).contains(name.utf8.count), Self.isLowerAlphanumeric(first) else {
            return false
        }
        return name.utf8.allSatisfy {
            Self.isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
                || $0 == UInt8(ascii: ".")
        }
    }

    /// 1–128 visible ASCII characters other than `/?#%`: safe in an admin API path.
    static func isValidInstanceID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { Self.isVisibleASCII($0) && !"/?#%".utf8.contains($0) }
    }

    /// An IP address (IPv6 brackets dropped) or a host name of letters, digits, `-` and
    /// dots, in labels of 1–63 bytes, at most 253 bytes in all.
    static func normalizedAddress(_ address: String) throws(RegistryError) -> String {
        var text = address
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if IPAddress(text) != nil { return text }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        let isHostName =
            (1...253).contains(text.utf8.count)
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && label.utf8.first != UInt8(ascii: "-")
                    && label.utf8.last != UInt8(ascii: "-")
                    && label.utf8.allSatisfy { Self.isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
            }
        guard isHostName else { throw .invalidAddress(address) }
        return text
    }

    private static func isVisibleASCII(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        Self.isLowerAlphanumeric(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
