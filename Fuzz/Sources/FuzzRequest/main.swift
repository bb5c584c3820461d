// libFuzzer target: HTTP1RequestDecoder on arbitrary client bytes.
//
// Input: a control byte, then the bytes a client sends. Control bits 0-1: how the bytes are
// cut into pieces (see FuzzInput.pieces); bit 7: small limits (256-byte heads, 8 fields,
// 64-byte targets) so the limit checks are reachable. Invariants:
//  - decoding the input whole and in pieces gives the same heads, bodies, ends, pauses,
//    error and end-of-input verdict (HeadChecks on every head);
//  - bytes out (heads + bodies) never exceed bytes consumed; a fixed-length body is exactly
//    its length; no body where the framing says none;
//  - every head re-serialised by HTTP1Serializer parses to the same method, target, version,
//    fields and framing, and its framing is the RFC 9112 §6.3 one (RoundTrip).
import FuzzSupport
import NIOCore
import PorticoHTTP1

private let smallLimits = HTTP1HeadParser.Limits(maxHeadBytes: 256, maxFields: 8, maxTargetBytes: 64)

private func decode(_ pieces: [ByteBuffer], limits: HTTP1HeadParser.Limits) -> Trace {
    var decoder = HTTP1RequestDecoder(limits: limits)
    var buffer = ByteBuffer()
    var trace = Trace()
    var framing: BodyFraming?  // of the request under way
    var bodyBytes = 0
    var received = 0
    var produced = 0
    do {
        for var piece in pieces {
            received += piece.readableBytes
            buffer.writeBuffer(&piece)
            while true {
                guard let part = try decoder.next(&buffer) else {
                    guard decoder.isPaused else { break }
                    // After an upgrade request: act as if the server declined it.
                    invariant(framing == nil, "paused inside a request")
                    trace.append(.paused)
                    decoder.resume()
                    continue
                }
                switch part {
                case .head(let head):
                    invariant(framing == nil, "a head inside a request")
                    invariant(!decoder.isBetweenMessages, "between messages right after a head")
                    HeadChecks.validate(head, kind: .request, limits: limits)
                    RoundTrip.request(head)
                    do {
                        framing = try MessageFraming.request(head)
                    } catch {
                        invariant(false, "the decoder returned a head whose framing is invalid: \(error)")
                    }
                    bodyBytes = 0
                    produced += head.bytes.readableBytes
                    trace.append(.head(Array(head.bytes.readableBytesView)))
                case .body(let slice):
                    invariant(framing != nil && framing != BodyFraming.none, "body bytes for a request without a body")
                    invariant(slice.readableBytes > 0, "an empty body slice")
                    bodyBytes += slice.readableBytes
                    produced += slice.readableBytes
                    if case .length(let length) = framing { invariant(bodyBytes <= length, "more body than declared") }
                    trace.append(.body(Array(slice.readableBytesView)))
                case .end:
                    invariant(framing != nil, "an end without a head")
                    if case .length(let length) = framing {
                        invariant(bodyBytes == length, "body shorter than declared")
                    }
                    invariant(decoder.isBetweenMessages, "not between messages after an end")
                    framing = nil
                    trace.append(.end)
                }
                invariant(produced <= received - buffer.readableBytes, "more bytes out than consumed")
            }
        }
        do {
            try decoder.finish(buffer)
            trace.append(.finished(nil))
        } catch let error as HTTP1ParseError {
            trace.append(.finished(error))
        }
        trace.append(.leftover(Array(buffer.readableBytesView)))
    } catch {
        trace.append(error: error)
    }
    return trace
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let input = FuzzInput(data, size) else { return 0 }
    let limits = input.flag(7) ? smallLimits : HTTP1HeadParser.Limits()
    let whole = decode([input.bytes], limits: limits)
    let pieces = decode(input.pieces(), limits: limits)
    expectSameTrace(whole: whole, pieces: pieces, input)
    return 0
}
