// The legacy 32-element block types of ggml. Each block holds an fp16 scale `d` (and for the
// "_1" variants an fp16 offset `m`) followed by packed quants. Element j of a block uses the
// low nibble of byte j for j < 16 and the high nibble of byte j-16 for j ≥ 16.
//
//   Q4_0 (18 B): d, qs[16]             x = (q - 8) * d
//   Q4_1 (20 B): d, m, qs[16]          x = q * d + m
//   Q5_0 (22 B): d, qh[4], qs[16]      x = (q - 16) * d, q = nibble | bit j of qh << 4
//   Q5_1 (24 B): d, m, qh[4], qs[16]   x = q * d + m
//   Q8_0 (34 B): d, qs[32] (int8)      x = q * d
//   Q8_1 (36 B): d, s, qs[32] (int8)   x = q * d   (s = d * Σq, only used by dot products)
//
// One block per outer iteration; the 16-wide inner loops have fixed trip counts so the
// compiler unrolls and vectorises them.

@inline(__always)
private func bytes(_ p: UnsafeRawPointer, _ offset: Int) -> UnsafePointer<UInt8> {
    (p + offset).assumingMemoryBound(to: UInt8.self)
}

func dequantizeQ4_0(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 18 * b
        let d = loadHalf(blk, 0)
        let qs = bytes(blk, 2)
        let y = dst + 32 * b
        for j in 0..<16 {
            y[j] = Float(Int32(qs[j] & 0x0F) - 8) * d
            y[j + 16] = Float(Int32(qs[j] >> 4) - 8) * d
        }
    }
}

func dequantizeQ4_1(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 20 * b
        let d = loadHalf(blk, 0)
        let m = loadHalf(blk, 2)
        let qs = bytes(blk, 4)
        let y = dst + 32 * b
        for j in 0..<16 {
            y[j] = Float(qs[j] & 0x0F) * d + m
            y[j + 16] = Float(qs[j] >> 4) * d + m
        }
    }
}

func dequantizeQ5_0(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 22 * b
        let d = loadHalf(blk, 0)
        let qh = UInt32(littleEndian: blk.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let qs = bytes(blk, 6)
        let y = dst + 32 * b
        for j in 0..<16 {
            let h0 = Int32((qh >> UInt32(j)) & 1) << 4
            let h1 = Int32((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = Float((Int32(qs[j] & 0x0F) | h0) - 16) * d
            y[j + 16] = Float((Int32(qs[j] >> 4) | h1) - 16) * d
        }
    }
}

func dequantizeQ5_1(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 24 * b
        let d = loadHalf(blk, 0)
        let m = loadHalf(blk, 2)
        let qh = UInt32(littleEndian: blk.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let qs = bytes(blk, 8)
        let y = dst + 32 * b
        for j in 0..<16 {
            let h0 = Int32((qh >> UInt32(j)) & 1) << 4
            let h1 = Int32((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = Float(Int32(qs[j] & 0x0F) | h0) * d + m
            y[j + 16] = Float(Int32(qs[j] >> 4) | h1) * d + m
        }
    }
}

func dequantizeQ8_0(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 34 * b
        let d = loadHalf(blk, 0)
        let qs = bytes(blk, 2)
        let y = dst + 32 * b
        for j in 0..<32 { y[j] = Float(Int8(bitPattern: qs[j])) * d }
    }
}

func dequantizeQ8_1(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 36 * b
        let d = loadHalf(blk, 0)
        let qs = bytes(blk, 4)
        let y = dst + 32 * b
        for j in 0..<32 { y[j] = Float(Int8(bitPattern: qs[j])) * d }
    }
}
