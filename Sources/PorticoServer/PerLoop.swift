import NIOCore

/// One value per event loop, created at startup and afterwards only touched on its loop.
final class PerLoop<Value>: Sendable {
    private let boxes: [ObjectIdentifier: NIOLoopBoundBox<Value>]

    init(loops: [any EventLoop], make: (any EventLoop) -> Value) {
        var boxes: [ObjectIdentifier: NIOLoopBoundBox<Value>] = [:]
        for loop in loops {
            boxes[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(make(loop), eventLoop: loop)
        }
        self.boxes = boxes
    }

    /// The value for `loop`; call on `loop` only.
    func value(for loop: any EventLoop) -> Value {
        self.boxes[ObjectIdentifier(loop)]!.value
    }
}
