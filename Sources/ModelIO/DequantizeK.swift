// The k-quants of ggml: 256-element super-blocks split into sub-blocks of 16 or 32 elements,
// each with its own small integer scale (and min), times fp16 super-block factors.
//
//   Q2_K (84 B):  scales[16] (lo nibble scale, hi nibble min), qs[64] (2-bit), d, dmin
//                 x = d*sc * q - dmin*m, 16 sub-blocks of 16
//   Q3_K (110 B): hmask[32], qs[64] (2-bit low), scales[12] (16 × 6-bit), d
//                 x = d*(sc-32) * (q - (hbit ? 0 : 4)), 16 sub-blocks of 16
//   Q4_K (144 B): d, dmin, scales[12] (8 scales + 8 mins, 6-bit), qs[128] (4-bit)
//                 x = d*sc * q - dmin*m, 8 sub-blocks of 32
//   Q5_K (176 B): d, dmin, scales[12], qh[32] (5th bit), qs[128]
//   Q6_K (210 B): ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] (int8), d
//                 x = d*sc * (q - 32), 16 sub-blocks of 16
//   Q8_K (292 B): d (f32), qs[256] (int8), bsums[16] (int16, unused here)
//
// Quants are laid out in 128-element (Q2/Q3/Q6) or 64-element (Q4/Q5) groups: within a group,
// consecutive 32-element runs take successive bit fields of the same 32 (or 64) bytes.
// Float operations follow ggml's order ((d*sc)*q - dmin*m) so results match it bit for bit.

@inline(__always)
private func bytes(_ p: UnsafeRawPointer, _ offset: Int) -> UnsafePointer<UInt8> {
    (p + offset).assumingMemoryBound(to: UInt8.self)
}

func dequantizeQ2_K(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 84 * b
        let scales = bytes(blk, 0)
        let d = loadHalf(blk, 80)
        let dmin = loadHalf(blk, 82)
        for n in 0..<2 {
            let q = bytes(blk, 16 + 32 * n)
            for j in 0..<4 {
                let shift = UInt8(2 * j)
                for h in 0..<2 {      // two 16-element sub-blocks per 32-byte run
                    let sc = scales[8 * n + 2 * j + h]
                    let dl = d * Float(sc & 0x0F)
                    let ml = dmin * Float(sc >> 4)
                    let y = dst + 256 * b + 128 * n + 32 * j + 16 * h
                    for l in 0..<16 { y[l] = dl * Float((q[16 * h + l] >> shift) & 3) - ml }
                }
            }
        }
    }
}

/// The 16 signed 6-bit scales of a Q3_K block: low 4 bits from a nibble of bytes 0-7
/// (scale k < 8: low nibble of byte k; k ≥ 8: high nibble of byte k-8), high 2 bits from
/// bits 2*(k/4) of byte 8 + k%4; stored with an offset of 32.
@inline(__always)
private func q3kScale(_ s: UnsafePointer<UInt8>, _ k: Int) -> Int32 {
    let low = k < 8 ? s[k] & 0x0F : s[k - 8] >> 4
    let high = (s[8 + k % 4] >> UInt8(2 * (k / 4))) & 3
    return Int32(low | (high << 4)) - 32
}

func dequantizeQ3_K(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 110 * b
        let hmask = bytes(blk, 0)
        let scales = bytes(blk, 96)
        let d = loadHalf(blk, 108)
        for n in 0..<2 {
            let q = bytes(blk, 32 + 32 * n)
            for j in 0..<4 {
                let shift = UInt8(2 * j)
                let hbit = UInt8(1) << UInt8(4 * n + j)   // one hmask bit per 32-element run
                for h in 0..<2 {
                    let dl = d * Float(q3kScale(scales, 8 * n + 2 * j + h))
                    let y = dst + 256 * b + 128 * n + 32 * j + 16 * h
                    for l in 0..<16 {
                        let i = 16 * h + l
                        // The high bit set means no offset; clear means subtract 4.
                        let v = Int32((q[i] >> shift) & 3) - (hmask[i] & hbit != 0 ? 0 : 4)
                        y[l] = dl * Float(v)
                    }
                }
            }
        }
    }
}

/// Scale and min of sub-block j (0..<8) of a Q4_K/Q5_K block, 6 bits each packed in 12 bytes:
/// j < 4: low 6 bits of bytes j (scale) and j+4 (min); j ≥ 4: low/high nibble of byte j+4
/// with the top 2 bits of bytes j-4 (scale) and j (min) above them.
@inline(__always)
private func scaleMinK4(_ s: UnsafePointer<UInt8>, _ j: Int) -> (Float, Float) {
    if j < 4 {
        return (Float(s[j] & 63), Float(s[j + 4] & 63))
    }
    let sc = (s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4)
    let m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4)
    return (Float(sc), Float(m))
}

func dequantizeQ4_K(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 144 * b
        let d = loadHalf(blk, 0)
        let dmin = loadHalf(blk, 2)
        let scales = bytes(blk, 4)
        for g in 0..<4 {        // 64-element groups share 32 bytes: low nibbles, then high
            let q = bytes(blk, 16 + 32 * g)
            let (sc0, m0) = scaleMinK4(scales, 2 * g)
            let (sc1, m1) = scaleMinK4(scales, 2 * g + 1)
            let d0 = d * sc0, dm0 = dmin * m0
            let d1 = d * sc1, dm1 = dmin * m1
            let y = dst + 256 * b + 64 * g
            for l in 0..<32 {
                y[l] = d0 * Float(q[l] & 0x0F) - dm0
                y[l + 32] = d1 * Float(q[l] >> 4) - dm1
            }
        }
    }
}

func dequantizeQ5_K(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 176 * b
        let d = loadHalf(blk, 0)
        let dmin = loadHalf(blk, 2)
        let scales = bytes(blk, 4)
        let qh = bytes(blk, 16)
        for g in 0..<4 {
            let q = bytes(blk, 48 + 32 * g)
            let (sc0, m0) = scaleMinK4(scales, 2 * g)
            let (sc1, m1) = scaleMinK4(scales, 2 * g + 1)
            let d0 = d * sc0, dm0 = dmin * m0
            let d1 = d * sc1, dm1 = dmin * m1
            // Sub-block s takes its 5th bit from bit s of qh[l].
            let s0 = UInt8(2 * g), s1 = UInt8(2 * g + 1)
            let y = dst + 256 * b + 64 * g
            for l in 0..<32 {
                y[l] = d0 * Float((q[l] & 0x0F) | (((qh[l] >> s0) & 1) << 4)) - dm0
                y[l + 32] = d1 * Float((q[l] >> 4) | (((qh[l] >> s1) & 1) << 4)) - dm1
            }
        }
    }
}

func dequantizeQ6_K(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 210 * b
        let d = loadHalf(blk, 208)
        let scales = (blk + 192).assumingMemoryBound(to: Int8.self)
        for n in 0..<2 {        // 128-element halves: ql[64], qh[32], scales[8] each
            let ql = bytes(blk, 64 * n)
            let qh = bytes(blk, 128 + 32 * n)
            let y = dst + 256 * b + 128 * n
            for h in 0..<2 {    // 16-element sub-blocks within each 32-element run
                let s = 8 * n + h
                let d0 = d * Float(scales[s]), d1 = d * Float(scales[s + 2])
                let d2 = d * Float(scales[s + 4]), d3 = d * Float(scales[s + 6])
                for i in 0..<16 {
                    let l = 16 * h + i
                    let hi = qh[l]
                    let q0 = Int32((ql[l] & 0x0F) | ((hi & 3) << 4)) - 32
                    let q1 = Int32((ql[l + 32] & 0x0F) | (((hi >> 2) & 3) << 4)) - 32
                    let q2 = Int32((ql[l] >> 4) | (((hi >> 4) & 3) << 4)) - 32
                    let q3 = Int32((ql[l + 32] >> 4) | (((hi >> 6) & 3) << 4)) - 32
                    y[l] = d0 * Float(q0)
                    y[l + 32] = d1 * Float(q1)
                    y[l + 64] = d2 * Float(q2)
                    y[l + 96] = d3 * Float(q3)
                }
            }
        }
    }
}

func dequantizeQ8_K(_ src: UnsafeRawPointer, _ nBlocks: Int, _ dst: UnsafeMutablePointer<Float>) {
    for b in 0..<nBlocks {
        let blk = src + 292 * b
        let d = Float(bitPattern: UInt32(littleEndian: blk.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        let qs = bytes(blk, 4)
        let y = dst + 256 * b
        for j in 0..<256 { y[j] = Float(Int8(bitPattern: qs[j])) * d }
    }
}
