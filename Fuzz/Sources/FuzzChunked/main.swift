// libFuzzer target: BodyDecoder(.chunked) on arbitrary body bytes, then the end of input.
//
// Input: a control byte, then the bytes after a head that said `Transfer-Encoding: chunked`.
// Control bits 0-1: how the bytes are cut into pieces (see FuzzInput.pieces); the whole byte
// also seeds the chunk sizes of the re-encoding. Invariants:
//  - decoding the input whole and in pieces gives the same data, end, error, end-of-input
//    verdict and leftover bytes;
//  - data out never exceeds bytes consumed; after the end nothing more comes and the decoder
//    says it is done;
//  - an accepted body means what RFC 9112 §7.1 says it means: a plain reading of the consumed
//    bytes (size line, data, CRLF, ..., last chunk, trailer lines) gives the same data;
//  - the data re-encoded with HTTP1Serializer's chunk framing decodes to the same data.
import FuzzSupport
import NIOCore
import PorticoHTTP1

private struct Outcome {
    var trace = Trace()
    var data: [UInt8] = []
    var consumed: [UInt8]?  // the body's bytes, when it ended
}

private func decode(_ pieces: [ByteBuffer]) -> Outcome {
    var decoder = BodyDecoder(.chunked)
    var buffer = ByteBuffer()
    var outcome = Outcome()
    var all: [UInt8] = []
    var produced = 0
    do {
        for var piece in pieces {
            all += piece.readableBytesView
            buffer.writeBuffer(&piece)
            while let event = try decoder.next(&buffer) {
                invariant(outcome.consumed == nil, "an event after the end")
                switch event {
                case .data(let slice):
                    invariant(slice.readableBytes > 0, "an empty data slice")
                    produced += slice.readableBytes
                    outcome.data += slice.readableBytesView
                    outcome.trace.append(.body(Array(slice.readableBytesView)))
                case .end:
                    invariant(decoder.isDone, "an end but not done")
                    outcome.consumed = Array(all[..<(all.count - buffer.readableBytes)])
                    outcome.trace.append(.end)
                }
                invariant(produced <= all.count - buffer.readableBytes, "more data out than consumed")
            }
        }
        do {
            let event = try decoder.finish()
            invariant(decoder.isDone && event == nil, "finish() accepted a chunked body that had not ended")
            outcome.trace.append(.finished(nil))
        } catch let error as HTTP1ParseError {
            invariant(!decoder.isDone && error == .truncated, "finish() threw \(error)")
            outcome.trace.append(.finished(error))
        }
        outcome.trace.append(.leftover(Array(buffer.readableBytesView)))
    } catch {
        outcome.trace.append(error: error)
    }
    return outcome
}

/// The data of a chunked body the decoder accepted, read the plain RFC 9112 §7.1 way: the
/// size is the hex digits that start each size line (extensions ignored), the data follows
/// the line, then CRLF; trailer lines are skipped up to the empty line. Returns nil if the
/// bytes do not read as exactly one complete body.
private func plainReading(_ bytes: [UInt8]) -> [UInt8]? {
    var index = 0
    var data: [UInt8] = []
    func line() -> [UInt8]? {
        var end = index
        while end + 1 < bytes.count, !(bytes[end] == 0x0D && bytes[end + 1] == 0x0A) { end += 1 }
        guard end + 1 < bytes.count else { return nil }
        defer { index = end + 2 }
        return Array(bytes[index..<end])
    }
    while true {
        guard let sizeLine = line() else { return nil }
        let digits = sizeLine.prefix {
            (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0)
        }
        guard !digits.isEmpty, digits.count <= 15, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16)
        else { return nil }
        if size == 0 { break }
        guard bytes.count - index >= size + 2 else { return nil }
        data += bytes[index..<(index + size)]
        index += size
        guard bytes[index] == 0x0D, bytes[index + 1] == 0x0A else { return nil }
        index += 2
    }
    while true {
        guard let trailer = line() else { return nil }
        if trailer.isEmpty { break }
    }
    return index == bytes.count ? data : nil
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunked(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let input = FuzzInput(data, size) else { return 0 }
    let whole = decode([input.bytes])
    let pieces = decode(input.pieces())
    expectSameTrace(whole: whole.trace, pieces: pieces.trace, input)
    guard let consumed = whole.consumed else { return 0 }

    let plain = plainReading(consumed)
    invariant(
        plain == whole.data,
        "accepted \(describe(consumed)) as \(describe(whole.data)); read plainly: \(plain.map { describe($0) } ?? "not one body")"
    )

    // Re-encode in chunks of random sizes (an empty body is just the last chunk).
    var random = SplitMix64(seed: UInt64(input.control))
    var encoded = ByteBuffer()
    var offset = 0
    while offset < whole.data.count {
        let length = min(whole.data.count - offset, 1 + random.next(below: 300))
        HTTP1Serializer.writeChunkHeader(size: length, into: &encoded)
        encoded.writeBytes(whole.data[offset..<(offset + length)])
        encoded.writeImmutableBuffer(HTTP1Serializer.crlf)
        offset += length
    }
    encoded.writeImmutableBuffer(HTTP1Serializer.lastChunk)
    let again = decode([encoded])
    invariant(
        again.data == whole.data && again.consumed?.count == encoded.readableBytes,
        "re-encoded \(describe(whole.data)) as \(describe(Array(encoded.readableBytesView))), decoded \(again.trace)")
    return 0
}
