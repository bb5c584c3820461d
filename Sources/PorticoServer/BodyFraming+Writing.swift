import NIOCore
import PorticoHTTP1

extension ChannelHandlerContext {
    /// Writes body bytes as they are, or as one chunk (size line, data, CRLF) when the
    /// message's head declared a chunked body. The data itself is never copied.
    func writeBody(_ data: ByteBuffer, chunked: Bool) {
        guard data.readableBytes > 0 else { return }
        guard chunked else {
            self.write(NIOAny(data), promise: nil)
            return
        }
        var size = self.channel.allocator.buffer(capacity: 20)
        HTTP1Serializer.writeChunkHeader(size: data.readableBytes, into: &size)
        self.write(NIOAny(size), promise: nil)
        self.write(NIOAny(data), promise: nil)
        self.write(NIOAny(HTTP1Serializer.crlf), promise: nil)
    }
}
