// libFuzzer target: HTTP1ResponseDecoder on arbitrary upstream bytes, then the end of input
// (`finish()`, as when the upstream closes).
//
// Input: a control byte, then the bytes an upstream sends. Control bits 0-1: how the bytes
// are cut into pieces (see FuzzInput.pieces); bit 2: the request was HEAD (else GET); bit 3:
// pipelined, another response is expected whenever bytes follow a complete one (else such
// bytes are an error); bit 7: small limits. Invariants:
//  - decoding the input whole and in pieces gives the same heads, bodies, ends, error,
//    end-of-input verdict and leftover bytes (HeadChecks on every head);
//  - no body for HEAD, 1xx, 204 and 304; a fixed-length body is exactly its length; bytes
//    out never exceed bytes consumed; an end at end of input only for a close-delimited body;
//  - after a 101 the decoder returns nothing more and leaves every later byte in the buffer;
//  - every head re-serialised by HTTP1Serializer parses to the same status, version, reason,
//    fields and framing, and its framing is the RFC 9112 §6.3 one (RoundTrip).
import FuzzSupport
import NIOCore
import PorticoHTTP
import PorticoHTTP1

private let smallLimits = HTTP1HeadParser.Limits(maxHeadBytes: 256, maxFields: 8, maxTargetBytes: 64)

private func decode(
    _ pieces: [ByteBuffer],
    method: HTTPMethod,
    pipelined: Bool,
    limits: HTTP1HeadParser.Limits
) -> Trace {
    var decoder = HTTP1ResponseDecoder(limits: limits)
    decoder.expectResponse(to: method)
    var buffer = ByteBuffer()
    var trace = Trace()
    var framing: BodyFraming?  // of the final response under way
    var switching = false  // a 101 head came; its end follows
    var bodyBytes = 0
    var received = 0
    var produced = 0
    do {
        for var piece in pieces {
            received += piece.readableBytes
            buffer.writeBuffer(&piece)
            while true {
                if pipelined, !decoder.isAwaitingResponse, !decoder.hasSwitchedProtocols, buffer.readableBytes > 0 {
                    decoder.expectResponse(to: method)
                }
                guard let part = try decoder.next(&buffer) else { break }
                invariant(!decoder.hasSwitchedProtocols || switching, "switched protocols without a 101")
                switch part {
                case .head(let head):
                    invariant(framing == nil && !switching, "a head inside a response")
                    HeadChecks.validate(head, kind: .response, limits: limits)
                    RoundTrip.response(head, method: method)
                    if head.status == 101 {
                        switching = true
                    } else if head.status >= 200 {
                        do {
                            framing = try MessageFraming.response(head, requestMethod: method)
                        } catch {
                            invariant(false, "the decoder returned a head whose framing is invalid: \(error)")
                        }
                        if method == .HEAD || head.status == 204 || head.status == 304 {
                            invariant(framing == BodyFraming.none, "a body after HEAD, 204 or 304")
                        }
                    } else {
                        invariant(decoder.isAwaitingResponse, "interim response ended the exchange")
                    }
                    bodyBytes = 0
                    produced += head.bytes.readableBytes
                    trace.append(.head(Array(head.bytes.readableBytesView)))
                case .body(let slice):
                    invariant(framing != nil && framing != BodyFraming.none, "body bytes for a response without a body")
                    invariant(slice.readableBytes > 0, "an empty body slice")
                    bodyBytes += slice.readableBytes
                    produced += slice.readableBytes
                    if case .length(let length) = framing { invariant(bodyBytes <= length, "more body than declared") }
                    trace.append(.body(Array(slice.readableBytesView)))
                case .end:
                    invariant(framing != nil || switching, "an end without a final head")
                    if case .length(let length) = framing {
                        invariant(bodyBytes == length, "body shorter than declared")
                    }
                    if switching {
                        invariant(decoder.hasSwitchedProtocols, "101 ended without switching")
                    } else {
                        invariant(!decoder.isAwaitingResponse, "still awaiting a response after its end")
                    }
                    framing = nil
                    trace.append(.end)
                }
                invariant(produced <= received - buffer.readableBytes, "more bytes out than consumed")
            }
        }
        if decoder.hasSwitchedProtocols {
            var copy = buffer
            let after = try decoder.next(&copy)
            invariant(after == nil && copy == buffer, "bytes decoded after a 101")
        }
        do {
            if let part = try decoder.finish() {
                guard case .end = part else {
                    invariant(false, "finish() returned something other than an end")
                    return trace
                }
                invariant(
                    framing == .untilClose, "an end at end of input for a body framed as \(String(describing: framing))"
                )
                let again = try decoder.finish()
                invariant(again == nil, "a second end at end of input")
                trace.append(.finishedWithEnd)
            } else {
                invariant(framing == nil, "end of input inside a \(String(describing: framing)) body went unnoticed")
                trace.append(.finished(nil))
            }
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
public func fuzzResponse(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let input = FuzzInput(data, size) else { return 0 }
    let method: HTTPMethod = input.flag(2) ? .HEAD : .GET
    let limits = input.flag(7) ? smallLimits : HTTP1HeadParser.Limits()
    let whole = decode([input.bytes], method: method, pipelined: input.flag(3), limits: limits)
    let pieces = decode(input.pieces(), method: method, pipelined: input.flag(3), limits: limits)
    expectSameTrace(whole: whole, pieces: pieces, input)
    return 0
}
