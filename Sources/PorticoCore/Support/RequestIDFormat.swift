/// Request ids in UUID version 4 text form, from 128 random bits.
public enum RequestIDFormat {
    /// `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` from two random words.
    public static func uuid(_ high: UInt64, _ low: UInt64) -> String {
        let high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
        var position = 0
        func put(_ word: UInt64, nibbles: Int, shift: Int) {
            for index in 0..<nibbles {
                bytes[position] = digits[Int((word >> UInt64(shift - 4 * index)) & 0xF)]
                position += 1
            }
        }
        put(high, nibbles: 8, shift: 60)
        position += 1
        put(high, nibbles: 4, shift: 28)
        position += 1
        put(high, nibbles: 4, shift: 12)
        position += 1
        put(low, nibbles: 4, shift: 60)
        position += 1
        put(low, nibbles: 12, shift: 44)
        return String(decoding: bytes, as: UTF8.self)
    }
}
