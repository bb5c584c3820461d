import PorticoHTTP1

/// One thing a decoder did, in a form two runs over the same bytes can be compared by.
public enum Event: Equatable, CustomStringConvertible {
    /// A head, as its bytes.
    case head([UInt8])
    /// Body bytes (consecutive slices are joined: how they were cut depends on the input's
    /// pieces, what they hold must not).
    case body([UInt8])
    /// A message (or body) ended.
    case end
    /// The request decoder paused after an upgrade request (the fuzzer then resumes it).
    case paused
    /// Decoding failed.
    case error(HTTP1ParseError)
    /// What the end of input said: nil = fine, `.truncated` = cut short, ...
    case finished(HTTP1ParseError?)
    /// The end of input produced an end (close-delimited body).
    case finishedWithEnd
    /// Bytes still in the buffer once all input was given and the end of input reported.
    case leftover([UInt8])

    public var description: String {
        switch self {
        case .head(let bytes): "head(\(describe(bytes)))"
        case .body(let bytes): "body(\(describe(bytes)))"
        case .end: "end"
        case .paused: "paused"
        case .error(let error): "error(\(error))"
        case .finished(let error): "finished(\(error.map { "\($0)" } ?? "ok"))"
        case .finishedWithEnd: "finished(end)"
        case .leftover(let bytes): "leftover(\(describe(bytes)))"
        }
    }
}

/// The events of one run, body slices joined.
public struct Trace: Equatable, CustomStringConvertible {
    public private(set) var events: [Event] = []

    public init() {}

    /// Records an event.
    public mutating func append(_ event: Event) {
        if case .body(let more) = event, case .body(let previous)? = self.events.last {
            self.events[self.events.count - 1] = .body(previous + more)
        } else {
            self.events.append(event)
        }
    }

    /// Records a thrown error; anything but an ``HTTP1ParseError`` is itself a bug.
    public mutating func append(error: any Error) {
        guard let error = error as? HTTP1ParseError else {
            invariant(false, "the codec threw a non-HTTP1ParseError: \(error)")
            return
        }
        self.append(.error(error))
    }

    public var description: String {
        self.events.map(\.description).joined(separator: "\n  ")
    }
}

/// Fails unless the run over the whole input and the run over its pieces agree.
public func expectSameTrace(whole: Trace, pieces: Trace, _ input: FuzzInput) {
    invariant(
        whole == pieces,
        """
        decoding the input whole and in pieces disagree (control byte \(input.control))
        whole:
          \(whole)
        pieces:
          \(pieces)
        """
    )
}
