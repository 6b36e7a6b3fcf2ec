/// Error for a tensor type this build cannot dequantise.
public struct DequantizeError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Dequantises `count` elements of `type` stored at `src` into float32 at `dst`.
/// (Initial version: float types only; block-quantised types follow in their own files.)
public func dequantize(_ type: GGMLType, _ src: UnsafeRawBufferPointer, count: Int, into dst: UnsafeMutablePointer<Float>) throws {
    let p = src.baseAddress!
    switch type {
    case .f32:
        for i in 0..<count { dst[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
    case .f16:
        for i in 0..<count { dst[i] = Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
    case .bf16:
        for i in 0..<count { dst[i] = Float(bitPattern: UInt32(p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
    default:
        throw DequantizeError(message: "dequantisation of \(type) is not supported")
    }
}
