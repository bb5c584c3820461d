/// A parsed HTTP/1.1 response, for tests.
public struct HTTPTestResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Whether the body was chunked on the wire.
    public var wasChunked: Bool

    /// The first value of a header (case-insensitive).
    public func header(_ name: String) -> String? {
        self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// All values of a header.
    public func headers(_ name: String) -> [String] {
        self.headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
    }

    public var bodyText: String { String(decoding: self.body, as: UTF8.self) }

    /// Parses one response from the start of `bytes`; nil if incomplete. Returns the
    /// response and how many bytes it used. 1xx responses are returned as they come.
    public static func parse(_ bytes: [UInt8], requestMethod: String, peerClosed: Bool) throws -> (
        HTTPTestResponse, Int
    )? {
        guard let headEnd = find([13, 10, 13, 10], in: bytes, from: 0) else { return nil }
        let headText = String(decoding: bytes[0..<headEnd], as: UTF8.self)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw TestClientError.malformed("status line '\(statusLine)'")
        }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw TestClientError.malformed("header line '\(line)'") }
            headers.append(
                (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: " \t")))
        }
        var response = HTTPTestResponse(status: status, headers: headers, body: [], wasChunked: false)
        let bodyStart = headEnd + 4
        if (100..<200).contains(status) || status == 204 || status == 304 || requestMethod == "HEAD" {
            return (response, bodyStart)
        }
        if let te = response.header("transfer-encoding"), te.lowercased().contains("chunked") {
            response.wasChunked = true
            var index = bodyStart
            while true {
                guard let lineEnd = find([13, 10], in: bytes, from: index) else { return nil }
                let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";")[0]
                guard let size = Int(String(sizeText).trimmingCharacters(in: " "), radix: 16) else {
                    throw TestClientError.malformed("chunk size '\(sizeText)'")
                }
                index = lineEnd + 2
                if size == 0 {
                    // Trailers until an empty line.
                    while true {
                        guard let trailerEnd = find([13, 10], in: bytes, from: index) else { return nil }
                        let empty = trailerEnd == index
                        index = trailerEnd + 2
                        if empty { return (response, index) }
                    }
                }
                guard bytes.count >= index + size + 2 else { return nil }
                response.body.append(contentsOf: bytes[index..<(index + size)])
                index += size + 2
            }
        }
        if let lengthText = response.header("content-length"), let length = Int(lengthText) {
            guard bytes.count >= bodyStart + length else { return nil }
            response.body = Array(bytes[bodyStart..<(bodyStart + length)])
            return (response, bodyStart + length)
        }
        // Close-delimited.
        guard peerClosed else { return nil }
        response.body = Array(bytes[bodyStart...])
        return (response, bytes.count)
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        var index = start
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0] && Array(bytes[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var result = Substring(self)
        while let first = result.first, set.contains(first) { result = result.dropFirst() }
        while let last = result.last, set.contains(last) { result = result.dropLast() }
        return String(result)
    }
}
