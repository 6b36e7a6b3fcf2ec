import Foundation

/// Error for a tensor whose bytes cannot be decoded (unsupported type, too few bytes,
/// element count not a whole number of blocks). Callers wrap it with the file and tensor name.
public struct DequantizeError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Dequantises `count` elements of `type` stored at `src` into float32 at `dst`.
///
/// Every GGML storage type is supported: plain floats and integers (F32, F16, BF16, F64,
/// I8/I16/I32/I64), the legacy 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1;
/// DequantizeLegacy.swift) and the 256-element k-quants (Q2_K … Q6_K, Q8_K; DequantizeK.swift).
/// Values are computed in the same float operation order as ggml's reference `dequantize_row_*`
/// (and gguf-py), so results agree bit for bit.
///
/// Throws if `count` is not a whole number of blocks or `src` holds too few bytes, so a
/// corrupt tensor table can never make the decoder read past its buffer.
public func dequantize(_ type: GGMLType, _ src: UnsafeRawBufferPointer, count: Int, into dst: UnsafeMutablePointer<Float>) throws {
    guard count >= 0, let bytes = type.byteCount(elements: count) else {
        throw DequantizeError(message: "\(count) elements is not a multiple of the \(type) block size \(type.blockSize)")
    }
    guard src.count >= bytes else {
        throw DequantizeError(message: "\(type) data has \(src.count) bytes, \(count) elements need \(bytes)")
    }
    guard count > 0, let p = src.baseAddress else { return }
    let blocks = count / type.blockSize
    // Large tensors are split into block-aligned chunks decoded on all cores: decoding is
    // memory-bound and the first write to a fresh output array page-faults, both of which
    // scale with threads. Every element is computed the same way, so results are identical.
    let chunks = count >= parallelThreshold ? min(ProcessInfo.processInfo.activeProcessorCount, 8) : 1
    if chunks <= 1 {
        dequantizeBlocks(type, p, blocks, dst)
        return
    }
    let perChunk = (blocks + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let first = c * perChunk, n = min(perChunk, blocks - first)
        if n > 0 {
            dequantizeBlocks(type, p + first * type.typeSize, n, dst + first * type.blockSize)
        }
    }
}

/// Below this many elements a tensor is decoded on the calling thread.
let parallelThreshold = 1 << 20

/// Decodes `blocks` whole blocks of `type` (elements, for the non-block types).
func dequantizeBlocks(_ type: GGMLType, _ p: UnsafeRawPointer, _ blocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    let count = blocks * type.blockSize
    switch type {
    case .f32: dequantizeF32(p, count, dst)
    case .f16: dequantizeF16(p, count, dst)
    case .bf16: dequantizeBF16(p, count, dst)
    case .f64: for i in 0..<count { dst[i] = Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
    case .i8: for i in 0..<count { dst[i] = Float(p.load(fromByteOffset: i, as: Int8.self)) }
    case .i16: for i in 0..<count { dst[i] = Float(Int16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
    case .i32: for i in 0..<count { dst[i] = Float(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
    case .i64: for i in 0..<count { dst[i] = Float(Int64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
    case .q4_0: dequantizeQ4_0(p, blocks, dst)
    case .q4_1: dequantizeQ4_1(p, blocks, dst)
    case .q5_0: dequantizeQ5_0(p, blocks, dst)
    case .q5_1: dequantizeQ5_1(p, blocks, dst)
    case .q8_0: dequantizeQ8_0(p, blocks, dst)
    case .q8_1: dequantizeQ8_1(p, blocks, dst)
    case .q2_K: dequantizeQ2_K(p, blocks, dst)
    case .q3_K: dequantizeQ3_K(p, blocks, dst)
    case .q4_K: dequantizeQ4_K(p, blocks, dst)
    case .q5_K: dequantizeQ5_K(p, blocks, dst)
    case .q6_K: dequantizeQ6_K(p, blocks, dst)
    case .q8_K: dequantizeQ8_K(p, blocks, dst)
    }
}

/// An IEEE half stored little-endian at `p + offset`, widened to Float (one F16C instruction
/// on the haswell target).
@inline(__always)
func loadHalf(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
}

// The float types. The host is little-endian (x86-64/arm64), so F32 is a plain copy.

func dequantizeF32(_ p: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(y).copyMemory(from: p, byteCount: 4 * n)
}

func dequantizeF16(_ p: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
    for i in 0..<n { y[i] = loadHalf(p, 2 * i) }
}

/// BF16 is the top half of an IEEE float32: widen by shifting into the high bits.
func dequantizeBF16(_ p: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
    for i in 0..<n {
        y[i] = Float(bitPattern: UInt32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
    }
}
