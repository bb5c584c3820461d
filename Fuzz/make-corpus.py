#!/usr/bin/env python3
"""Writes the seed corpus in Fuzz/Corpus/<kind>/ (request, response, chunked).

Each file is one control byte followed by the bytes a decoder receives (see docs/fuzzing.md
for what the control bits mean). Rerunning rewrites these files; other files in the
directories (reproducers of fixed crashes, `repro-*`) are left alone.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# Control bits 0-1: how the input is cut (0 one cut, 1 byte by byte, 2 pieces of 1-8, 3
# pieces of 1-64). Printable control bytes keep the files readable.
CUT, BYTES, SMALL_PIECES, PIECES = 0x20, 0x21, 0x22, 0x23
SMALL_LIMITS = 0x80  # request and response fuzzers: 256-byte heads, 8 fields, 64-byte targets
HEAD = 0x04  # response fuzzer: the request was HEAD
PIPELINED = 0x08  # response fuzzer: another response may follow a complete one

H = "Host: example.com\r\n"

REQUESTS = {
    # Valid requests.
    "get": (CUT, f"GET / HTTP/1.1\r\n{H}\r\n"),
    "get-query-fields": (
        BYTES,
        f"GET /a/b?c=1&d=%20 HTTP/1.1\r\n{H}User-Agent: curl/8.5\r\nAccept: */*\r\n\r\n",
    ),
    "post-content-length": (
        SMALL_PIECES,
        f"POST /submit HTTP/1.1\r\n{H}Content-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
    ),
    "post-content-length-zero": (CUT, f"POST / HTTP/1.1\r\n{H}Content-Length: 0\r\n\r\n"),
    "chunked-extensions-trailers": (
        BYTES,
        f"POST /upload HTTP/1.1\r\n{H}Transfer-Encoding: chunked\r\n\r\n"
        '5;name=value\r\nhello\r\n6 ; q="x y"\r\n world\r\n0;last\r\nX-Checksum: abc\r\nX-More: 1\r\n\r\n',
    ),
    "chunked-after-gzip": (
        PIECES,
        f"POST / HTTP/1.1\r\n{H}Transfer-Encoding: gzip\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    ),
    "pipelined-pair": (
        SMALL_PIECES,
        f"GET /one HTTP/1.1\r\n{H}\r\nPOST /two HTTP/1.1\r\n{H}Content-Length: 3\r\n\r\nabc",
    ),
    "pipelined-chunked-then-get": (
        BYTES,
        f"POST /a HTTP/1.1\r\n{H}Transfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\nGET /b HTTP/1.1\r\n{H}\r\n",
    ),
    "absolute-form": (CUT, "GET http://example.com:8080/p?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"),
    "authority-form-connect": (CUT, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
    "asterisk-form-options": (CUT, f"OPTIONS * HTTP/1.1\r\n{H}\r\n"),
    "http10": (BYTES, "GET /old HTTP/1.0\r\n\r\n"),
    "http10-keep-alive-body": (
        PIECES,
        "POST /old HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\nbody",
    ),
    "upgrade-then-next": (
        SMALL_PIECES,
        f"GET /ws HTTP/1.1\r\n{H}Upgrade: websocket\r\nConnection: Upgrade\r\n\r\nGET /next HTTP/1.1\r\n{H}\r\n",
    ),
    "expect-continue": (CUT, f"PUT /f HTTP/1.1\r\n{H}Expect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"),
    "leading-empty-lines": (BYTES, f"\r\n\r\nGET / HTTP/1.1\r\n{H}\r\n"),
    "content-length-list-same": (CUT, f"POST / HTTP/1.1\r\n{H}Content-Length: 3, 3\r\n\r\nabc"),
    "content-length-repeated-same": (
        CUT,
        f"POST / HTTP/1.1\r\n{H}Content-Length: 3\r\ncontent-length: 3\r\n\r\nabc",
    ),
    "empty-and-tab-values": (SMALL_PIECES, f"GET / HTTP/1.1\r\n{H}X-Empty:\r\nX-Tab:\tv\tw\t\r\nX-Sp:   \r\n\r\n"),
    "obs-text-value": (CUT, f"GET / HTTP/1.1\r\n{H}X-Latin: caf\xe9\r\nX-Utf8: \xc3\xa9\r\n\r\n"),
    "extension-method": (CUT, f"PURGE /cache HTTP/1.1\r\n{H}\r\n"),
    "small-limits-fits": (SMALL_LIMITS | BYTES, f"GET /small HTTP/1.1\r\n{H}A: 1\r\nB: 2\r\n\r\n"),
    # Over the small limits.
    "small-limits-too-many-fields": (
        SMALL_LIMITS | CUT,
        "GET / HTTP/1.1\r\n" + "".join(f"F{i}: {i}\r\n" for i in range(10)) + "\r\n",
    ),
    "small-limits-long-target": (SMALL_LIMITS | PIECES, "GET /" + "a" * 100 + " HTTP/1.1\r\n\r\n"),
    "small-limits-long-head": (SMALL_LIMITS | SMALL_PIECES, f"GET / HTTP/1.1\r\n{H}X: " + "v" * 300 + "\r\n\r\n"),
    # Smuggling vectors and malformed requests: all must be refused.
    "smuggle-cl-te": (
        CUT,
        f"POST / HTTP/1.1\r\n{H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n",
    ),
    "smuggle-te-cl": (CUT, f"POST / HTTP/1.1\r\n{H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"),
    "smuggle-cl-differing": (
        BYTES,
        f"POST / HTTP/1.1\r\n{H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    ),
    "smuggle-cl-list-differing": (CUT, f"POST / HTTP/1.1\r\n{H}Content-Length: 3, 4\r\n\r\nabcd"),
    "smuggle-te-not-chunked-last": (CUT, f"POST / HTTP/1.1\r\n{H}Transfer-Encoding: chunked, gzip\r\n\r\n"),
    "smuggle-te-gzip-only": (CUT, f"POST / HTTP/1.1\r\n{H}Transfer-Encoding: gzip\r\n\r\nabc"),
    "smuggle-te-chunked-twice": (CUT, f"POST / HTTP/1.1\r\n{H}Transfer-Encoding: chunked, chunked\r\n\r\n"),
    "smuggle-te-fields-chunked-first": (
        SMALL_PIECES,
        f"POST / HTTP/1.1\r\n{H}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
    ),
    "smuggle-te-parameter": (CUT, f"POST / HTTP/1.1\r\n{H}Transfer-Encoding: chunked;q=1\r\n\r\n"),
    "smuggle-te-trailing-comma": (CUT, f"POST / HTTP/1.1\r\n{H}Transfer-Encoding: chunked,\r\n\r\n0\r\n\r\n"),
    "smuggle-te-space-before-colon": (CUT, f"POST / HTTP/1.1\r\n{H}Transfer-Encoding : chunked\r\n\r\n"),
    "smuggle-te-obs-fold": (BYTES, f"POST / HTTP/1.1\r\n{H}Transfer-Encoding:\r\n chunked\r\n\r\n"),
    "smuggle-te-vertical-tab": (CUT, f"POST / HTTP/1.1\r\n{H}Transfer-Encoding: \x0bchunked\r\n\r\n"),
    "bare-lf-request-line": (CUT, f"GET / HTTP/1.1\n{H}\r\n"),
    "bare-lf-field": (BYTES, "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n"),
    "bare-lf-end": (CUT, "GET / HTTP/1.1\r\nHost: h\r\n\n"),
    "bare-cr-field": (CUT, "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n"),
    "leading-bare-lf": (CUT, f"\nGET / HTTP/1.1\r\n{H}\r\n"),
    "obs-fold": (SMALL_PIECES, f"GET / HTTP/1.1\r\n{H}X-Long: a\r\n\tcontinued\r\n\r\n"),
    "space-before-colon": (CUT, "GET / HTTP/1.1\r\nHost : example.com\r\n\r\n"),
    "nul-in-value": (CUT, f"GET / HTTP/1.1\r\n{H}X: a\x00b\r\n\r\n"),
    "nul-in-target": (CUT, f"GET /a\x00b HTTP/1.1\r\n{H}\r\n"),
    "del-in-name": (CUT, f"GET / HTTP/1.1\r\n{H}X\x7f: y\r\n\r\n"),
    "space-in-target": (CUT, f"GET /a b HTTP/1.1\r\n{H}\r\n"),
    "huge-chunk-size": (PIECES, f"POST / HTTP/1.1\r\n{H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\nabc"),
    "overflowing-chunk-size": (
        CUT,
        f"POST / HTTP/1.1\r\n{H}Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n",
    ),
    "negative-content-length": (CUT, f"POST / HTTP/1.1\r\n{H}Content-Length: -1\r\n\r\n"),
    "overflowing-content-length": (CUT, f"POST / HTTP/1.1\r\n{H}Content-Length: 99999999999999999999\r\n\r\n"),
    "plus-content-length": (CUT, f"POST / HTTP/1.1\r\n{H}Content-Length: +3\r\n\r\nabc"),
    "hex-content-length": (CUT, f"POST / HTTP/1.1\r\n{H}Content-Length: 0x3\r\n\r\nabc"),
    "empty-content-length": (CUT, f"POST / HTTP/1.1\r\n{H}Content-Length:\r\n\r\n"),
    "http2-preface": (CUT, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    "http12": (CUT, f"GET / HTTP/1.2\r\n{H}\r\n"),
    "lowercase-version": (CUT, f"GET / http/1.1\r\n{H}\r\n"),
    "double-space": (CUT, f"GET  / HTTP/1.1\r\n{H}\r\n"),
    "truncated-body": (BYTES, f"POST / HTTP/1.1\r\n{H}Content-Length: 10\r\n\r\nabc"),
    "truncated-head": (CUT, "GET / HTTP/1.1\r\nHost: exa"),
}

RESPONSES = {
    "ok-content-length": (CUT, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"),
    "ok-chunked-trailers": (
        BYTES,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=1\r\nwiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\n\r\n",
    ),
    "continue-then-ok": (
        SMALL_PIECES,
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ),
    "early-hints-then-ok": (
        BYTES,
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
    ),
    "interim-with-framing-fields": (
        CUT,
        "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    ),
    "switching-protocols-tunnel": (
        SMALL_PIECES,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello",
    ),
    "no-content-with-length": (CUT, "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
    "no-content-then-bytes": (CUT, "HTTP/1.1 204 No Content\r\n\r\nhello"),
    "no-content-pipelined": (
        PIPELINED | BYTES,
        "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
    ),
    "not-modified-with-length": (
        PIPELINED | CUT,
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: \"abc\"\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    ),
    "head-with-length": (HEAD | CUT, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
    "head-with-chunked": (HEAD | PIPELINED | BYTES, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"),
    "head-body-bytes-anyway": (HEAD | CUT, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
    "close-delimited": (SMALL_PIECES, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the connection closes"),
    "close-delimited-http10": (BYTES, "HTTP/1.0 200 OK\r\n\r\nold style"),
    "close-delimited-gzip": (CUT, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b\x08\x00"),
    "pipelined-pair": (
        PIPELINED | SMALL_PIECES,
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    ),
    "unexpected-second-response": (
        CUT,
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    ),
    "no-reason": (CUT, "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
    "empty-reason": (CUT, "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"),
    "custom-reason": (BYTES, "HTTP/1.1 299 Very\tCustom Reason\r\nContent-Length: 0\r\n\r\n"),
    "obs-text-reason": (CUT, "HTTP/1.1 200 D\xe9j\xe0 vu\r\nContent-Length: 0\r\n\r\n"),
    "small-limits-long-head": (SMALL_LIMITS | PIECES, "HTTP/1.1 200 OK\r\nX: " + "v" * 300 + "\r\n\r\n"),
    "small-limits-many-fields": (
        SMALL_LIMITS | CUT,
        "HTTP/1.1 200 OK\r\n" + "".join(f"F{i}: {i}\r\n" for i in range(10)) + "\r\n",
    ),
    "truncated-length": (BYTES, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
    "truncated-chunked": (CUT, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"),
    "truncated-head": (CUT, "HTTP/1.1 200 OK\r\nContent-Le"),
    # Malformed and ambiguous responses: all must be refused.
    "cl-te": (CUT, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    "cl-differing": (CUT, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde"),
    "negative-content-length": (CUT, "HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\nabc"),
    "overflowing-content-length": (CUT, "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551617\r\n\r\n"),
    "bare-lf": (BYTES, "HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
    "obs-fold": (CUT, "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n"),
    "space-before-colon": (CUT, "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"),
    "nul-in-value": (CUT, "HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n"),
    "bad-status": (CUT, "HTTP/1.1 2x0 OK\r\n\r\n"),
    "status-below-100": (CUT, "HTTP/1.1 099 Low\r\n\r\n"),
    "http2-status-line": (CUT, "HTTP/2 200 OK\r\n\r\n"),
    "huge-chunk-size": (SMALL_PIECES, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\nabc"),
    "overflowing-chunk-size": (
        CUT,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\nabc\r\n0\r\n\r\n",
    ),
    "not-http": (CUT, "SSH-2.0-OpenSSH_9.6\r\n"),
}

CHUNKED = {
    "simple": (CUT, "5\r\nhello\r\n0\r\n\r\n"),
    "several-upper-hex": (BYTES, "A\r\n0123456789\r\n1F\r\n" + "x" * 31 + "\r\n0\r\n\r\n"),
    "extensions": (SMALL_PIECES, '5;name=value;flag\r\nhello\r\n6 ; q="a b" \r\n world\r\n0;last=1\r\n\r\n'),
    "trailers": (BYTES, "3\r\nabc\r\n0\r\nX-Trailer: yes\r\nChecksum:\tabc \r\n\r\n"),
    "leftover-after-end": (CUT, "2\r\nhi\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n"),
    "empty": (CUT, "0\r\n\r\n"),
    "leading-zeros": (PIECES, "0005\r\nhello\r\n000\r\n\r\n"),
    "size-then-junk-extension": (CUT, "5 6\r\nhello\r\n0\r\n\r\n"),
    "huge-size": (SMALL_PIECES, "fffffffffffffff\r\nabc"),
    "overflowing-size": (CUT, "10000000000000005\r\nhello\r\n0\r\n\r\n"),
    "bare-lf-size": (CUT, "5\nhello\r\n0\r\n\r\n"),
    "bare-cr-size": (CUT, "5\rhello\r\n0\r\n\r\n"),
    "missing-crlf-after-data": (CUT, "5\r\nhelloXX0\r\n\r\n"),
    "bare-lf-after-data": (BYTES, "5\r\nhello\n0\r\n\r\n"),
    "negative-size": (CUT, "-5\r\nhello\r\n0\r\n\r\n"),
    "hex-prefix-size": (CUT, "0x5\r\nhello\r\n0\r\n\r\n"),
    "no-digits": (CUT, ";ext\r\nhello\r\n0\r\n\r\n"),
    "empty-size-line": (CUT, "\r\nhello\r\n0\r\n\r\n"),
    "control-in-extension": (CUT, "5;a=\x01\r\nhello\r\n0\r\n\r\n"),
    "bare-lf-in-extension": (CUT, "5;a\nb\r\nhello\r\n0\r\n\r\n"),
    "long-size-line": (PIECES, "5;" + "e" * 4100 + "\r\nhello\r\n0\r\n\r\n"),
    "bare-lf-trailer": (CUT, "0\r\nX: y\n\r\n"),
    "obs-fold-trailer": (CUT, "0\r\nX: y\r\n folded\r\n\r\n"),
    "nul-in-trailer": (CUT, "0\r\nX: a\x00b\r\n\r\n"),
    "space-before-colon-trailer": (CUT, "0\r\nX : y\r\n\r\n"),
    "truncated-data": (BYTES, "5\r\nhel"),
    "truncated-trailers": (CUT, "0\r\nX: y\r\n"),
    "truncated-size": (CUT, "1"),
}


def write(kind, cases):
    directory = os.path.join(HERE, "Corpus", kind)
    os.makedirs(directory, exist_ok=True)
    for name, (control, text) in cases.items():
        with open(os.path.join(directory, name), "wb") as file:
            file.write(bytes([control]) + text.encode("latin-1"))


write("request", REQUESTS)
write("response", RESPONSES)
write("chunked", CHUNKED)
