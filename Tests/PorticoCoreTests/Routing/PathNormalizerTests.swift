import PorticoHTTP
import Testing

/// PathNormalizer lives in PorticoHTTP; routing depends on exactly these rules.
@Suite struct PathNormalizerTests {
    private func normalized(_ path: String) -> String? {
        PathNormalizer.normalize(path[...]).map(String.init)
    }

    @Test func dotSegmentsAreRemoved() {
        #expect(normalized("/a/./b") == "/a/b")
        #expect(normalized("/a/../b") == "/b")
        #expect(normalized("/../a") == "/a")
        #expect(normalized("/a/..") == "/")
        #expect(normalized("/a/b/..") == "/a/")
        #expect(normalized("/a/.") == "/a/")
        #expect(normalized("/.") == "/")
        #expect(normalized("/a/..b/.c") == "/a/..b/.c")
        #expect(normalized("/api/../admin") == "/admin")
    }

    @Test func unreservedEscapesAreDecoded() {
        #expect(normalized("/%61dmin") == "/admin")
        #expect(normalized("/%7Euser") == "/~user")
        #expect(normalized("/a/%2e%2e/admin") == "/admin")
        #expect(normalized("/%2E") == "/")
    }

    @Test func otherEscapesAreKeptUppercased() {
        #expect(normalized("/a%2Fb") == "/a%2Fb")
        #expect(normalized("/a%2fb") == "/a%2Fb")
        #expect(normalized("/a%20b") == "/a%20b")
        #expect(normalized("/caf%c3%a9") == "/caf%C3%A9")
    }

    @Test func untouchedPathsPassThrough() {
        #expect(normalized("/") == "/")
        #expect(normalized("/a/b/") == "/a/b/")
        #expect(normalized("//a") == "//a")
    }

    @Test func invalidPathsAreRejected() {
        for path in ["", "a/b", "*", "/%zz", "/%4", "/%", "/a%g1", "/a b", "/a\u{7F}", "/a\tb", "/a\u{0}"] {
            #expect(normalized(path) == nil, "\(path)")
        }
    }
}
