import XCTest
import ModelIO
import Foundation

// Hand-built blocks for every quantised type. Each test packs known quants and scales with a
// small packer written here (the inverse direction of the decoder), states a few values by
// hand, and checks every element against the defining formula. The independent cross-check
// against gguf-py is in DequantizeFixtureTests.

func half(_ x: Float) -> [UInt8] { le(Float16(x).bitPattern) }

func deq(_ type: GGMLType, _ bytes: [UInt8], count: Int) throws -> [Float] {
    var out = [Float](repeating: .nan, count: count)
    try bytes.withUnsafeBytes { src in
        try out.withUnsafeMutableBufferPointer { try dequantize(type, src, count: count, into: $0.baseAddress!) }
    }
    return out
}

/// Packs 6-bit scales and mins of the 8 sub-blocks of a Q4_K/Q5_K block into 12 bytes:
/// bytes 0-3: scale j (low 6 bits) | top 2 bits of scale j+4; bytes 4-7: min j | top 2 bits of
/// min j+4; bytes 8-11: low nibble of scale j+4 | low nibble of min j+4 << 4.
func packScaleMinK4(_ sc: [UInt8], _ m: [UInt8]) -> [UInt8] {
    var s = [UInt8](repeating: 0, count: 12)
    for j in 0..<4 {
        s[j] = (sc[j] & 63) | ((sc[j + 4] >> 4) << 6)
        s[j + 4] = (m[j] & 63) | ((m[j + 4] >> 4) << 6)
        s[j + 8] = (sc[j + 4] & 0x0F) | ((m[j + 4] & 0x0F) << 4)
    }
    return s
}

final class DequantizeTests: XCTestCase {
    func testQ4_0() throws {
        // d = 0.5; byte j holds q = j (low nibble, element j) and 15-j (high nibble, element j+16).
        let bytes = half(0.5) + (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        let y = try deq(.q4_0, bytes, count: 32)
        XCTAssertEqual(y[0], -4); XCTAssertEqual(y[15], 3.5); XCTAssertEqual(y[16], 3.5); XCTAssertEqual(y[31], -4)
        for j in 0..<16 {
            XCTAssertEqual(y[j], Float(j - 8) * 0.5)
            XCTAssertEqual(y[j + 16], Float(7 - j) * 0.5)
        }
    }

    func testQ4_1() throws {
        // d = 0.25, m = -1.5 (negative offset).
        let bytes = half(0.25) + half(-1.5) + (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        let y = try deq(.q4_1, bytes, count: 32)
        XCTAssertEqual(y[0], -1.5); XCTAssertEqual(y[15], 2.25); XCTAssertEqual(y[16], 2.25)
        for j in 0..<16 {
            XCTAssertEqual(y[j], Float(j) * 0.25 - 1.5)
            XCTAssertEqual(y[j + 16], Float(15 - j) * 0.25 - 1.5)
        }
    }

    /// 5-bit quants q[0..<32]: low nibbles packed like Q4, bit 4 of element i in bit i of qh.
    func pack5(_ q: [Int]) -> [UInt8] {
        var qh: UInt32 = 0
        for i in 0..<32 where q[i] & 16 != 0 { qh |= 1 << UInt32(i) }
        return le(qh) + (0..<16).map { UInt8(q[$0] & 15) | UInt8(q[$0 + 16] & 15) << 4 }
    }

    func testQ5_0() throws {
        let q = (0..<32).map { ($0 * 7 + 3) % 32 }   // covers 0...31, high bit set on about half
        let y = try deq(.q5_0, half(-2) + pack5(q), count: 32)
        XCTAssertEqual(y[0], 26)     // q = 3:  (3 - 16) * -2
        XCTAssertEqual(y[2], -2)     // q = 17: (17 - 16) * -2
        for i in 0..<32 { XCTAssertEqual(y[i], Float(q[i] - 16) * -2, "element \(i)") }
    }

    func testQ5_1() throws {
        let q = (0..<32).map { ($0 * 11 + 5) % 32 }
        let y = try deq(.q5_1, half(0.125) + half(-3) + pack5(q), count: 32)
        XCTAssertEqual(y[1], Float(16) * 0.125 - 3)  // q = 16: only the high bit
        for i in 0..<32 { XCTAssertEqual(y[i], Float(q[i]) * 0.125 - 3, "element \(i)") }
    }

    func testQ8_0AndQ8_1() throws {
        let q: [Int8] = (0..<32).map { Int8($0 * 8 - 128) }
        let qs = q.map { UInt8(bitPattern: $0) }
        let y0 = try deq(.q8_0, half(0.5) + qs, count: 32)
        let y1 = try deq(.q8_1, half(0.5) + half(123) + qs, count: 32)
        XCTAssertEqual(y0[0], -64); XCTAssertEqual(y0[31], 60)
        for i in 0..<32 { XCTAssertEqual(y0[i], Float(q[i]) * 0.5); XCTAssertEqual(y1[i], y0[i]) }
    }

    func testQ8_K() throws {
        let q: [Int8] = (0..<256).map { Int8(truncatingIfNeeded: $0 * 37) }
        let bytes = le(Float(0.375).bitPattern) + q.map { UInt8(bitPattern: $0) } + [UInt8](repeating: 0, count: 32)
        let y = try deq(.q8_K, bytes, count: 256)
        for i in 0..<256 { XCTAssertEqual(y[i], Float(q[i]) * 0.375) }
    }

    func testQ2_K() throws {
        // Sub-block k: scale (k % 15) + 1, min (k * 5) % 16; element e: q = (e * 3 + e / 7) % 4.
        let sc = (0..<16).map { UInt8($0 % 15 + 1) }, mn = (0..<16).map { UInt8($0 * 5 % 16) }
        let q: [UInt8] = (0..<256).map { (e: Int) -> UInt8 in UInt8((e * 3 + e / 7) % 4) }
        var qs = [UInt8](repeating: 0, count: 64)
        for e in 0..<256 {   // e = 128n + 32j + l: byte 32n + l, bits 2j
            let n = e / 128, j = (e % 128) / 32, l = e % 32
            qs[32 * n + l] |= q[e] << UInt8(2 * j)
        }
        let d: Float = 0.5, dmin: Float = 0.25
        let bytes = zip(sc, mn).map { $0 | $1 << 4 } + qs + half(d) + half(dmin)
        let y = try deq(.q2_K, bytes, count: 256)
        XCTAssertEqual(y[0], 0.5 * 1 * 0 - 0)          // e = 0: q 0, sub-block 0 (scale 1, min 0)
        XCTAssertEqual(y[17], 0.5 * 2 * 1 - 0.25 * 5)  // e = 17: q (51 + 2) % 4 = 1, sub-block 1 (scale 2, min 5)
        for e in 0..<256 {
            let k = e / 16
            XCTAssertEqual(y[e], d * Float(sc[k]) * Float(q[e]) - dmin * Float(mn[k]), "element \(e)")
        }
    }

    func testQ3_K() throws {
        // 6-bit scales stored with +32: signed scales -32...31; 3-bit quants 0...7 meaning q - 4.
        let s: [Int] = [-32, -7, 0, 5, 31, 17, -20, 1, 9, -1, 30, -16, 12, 3, -9, 24]
        let q: [Int] = (0..<256).map { (e: Int) -> Int in (e * 5 + e / 9) % 8 }
        var hmask = [UInt8](repeating: 0, count: 32), qs = [UInt8](repeating: 0, count: 64)
        for e in 0..<256 {   // e = 128n + 32j + l: low 2 bits in byte 32n + l at bits 2j, high bit in hmask[l] bit 4n + j
            let n = e / 128, j = (e % 128) / 32, l = e % 32
            qs[32 * n + l] |= UInt8(q[e] & 3) << UInt8(2 * j)
            if q[e] & 4 != 0 { hmask[l] |= 1 << UInt8(4 * n + j) }
        }
        var scales = [UInt8](repeating: 0, count: 12)
        for k in 0..<16 {
            let v = UInt8(s[k] + 32)
            if k < 8 { scales[k] |= v & 15 } else { scales[k - 8] |= (v & 15) << 4 }
            scales[8 + k % 4] |= (v >> 4) << UInt8(2 * (k / 4))
        }
        let d: Float = 0.0625
        let y = try deq(.q3_K, hmask + qs + scales + half(d), count: 256)
        XCTAssertEqual(y[0], 0.0625 * -32 * -4)   // q 0 (high bit clear): -4, scale -32
        for e in 0..<256 {
            XCTAssertEqual(y[e], d * Float(s[e / 16]) * Float(q[e] - 4), "element \(e)")
        }
    }

    func testQ4_K() throws {
        // Scales/mins above 15 exercise the split 6-bit packing of sub-blocks 4-7.
        let sc: [UInt8] = [1, 2, 3, 63, 17, 40, 5, 33], mn: [UInt8] = [0, 1, 62, 3, 50, 4, 20, 7]
        let q: [UInt8] = (0..<256).map { (e: Int) -> UInt8 in UInt8((e * 7 + e / 5) % 16) }
        var qs = [UInt8](repeating: 0, count: 128)
        for e in 0..<256 {   // e = 64g + 32h + l: byte 32g + l, nibble h
            let g = e / 64, h = (e % 64) / 32, l = e % 32
            qs[32 * g + l] |= q[e] << UInt8(4 * h)
        }
        let d: Float = 0.5, dmin: Float = -0.125
        let y = try deq(.q4_K, half(d) + half(dmin) + packScaleMinK4(sc, mn) + qs, count: 256)
        XCTAssertEqual(y[128], 0.5 * 17 * Float(q[128]) + 0.125 * 50)
        for e in 0..<256 {
            let s = e / 32
            XCTAssertEqual(y[e], d * Float(sc[s]) * Float(q[e]) - dmin * Float(mn[s]), "element \(e)")
        }
    }

    func testQ5_K() throws {
        let sc: [UInt8] = [63, 2, 33, 7, 16, 48, 1, 31], mn: [UInt8] = [5, 63, 0, 12, 32, 9, 61, 15]
        let q: [UInt8] = (0..<256).map { (e: Int) -> UInt8 in UInt8((e * 13 + e / 3) % 32) }
        var qs = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 32)
        for e in 0..<256 {   // e = 64g + 32h + l: low nibble in byte 32g + l (nibble h), 5th bit in qh[l] bit 2g + h
            let g = e / 64, h = (e % 64) / 32, l = e % 32
            qs[32 * g + l] |= (q[e] & 15) << UInt8(4 * h)
            if q[e] & 16 != 0 { qh[l] |= 1 << UInt8(2 * g + h) }
        }
        let d: Float = 0.03125, dmin: Float = 0.5
        let y = try deq(.q5_K, half(d) + half(dmin) + packScaleMinK4(sc, mn) + qh + qs, count: 256)
        XCTAssertEqual(y[0], -2.5)                       // q 0, scale 63, min 5: 0 - 0.5 * 5
        XCTAssertEqual(y[2], 0.03125 * 63 * 26 - 2.5)    // q 26 = 10 + 16 (5th bit set)
        for e in 0..<256 {
            let s = e / 32
            XCTAssertEqual(y[e], d * Float(sc[s]) * Float(q[e]) - dmin * Float(mn[s]), "element \(e)")
        }
    }

    func testQ6_K() throws {
        let sc: [Int8] = [-128, 127, 1, -1, 64, -64, 3, 100, -7, 9, 0, 55, -33, 21, 12, -90]
        let q: [Int] = (0..<256).map { (e: Int) -> Int in (e * 29 + e / 11) % 64 }   // 6-bit, meaning q - 32
        var ql = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 64)
        for e in 0..<256 {   // e = 128n + 32k + l: low nibble in ql[64n + 32(k%2) + l] (nibble k/2), high 2 bits in qh[32n + l] bits 2k
            let n = e / 128, k = (e % 128) / 32, l = e % 32
            ql[64 * n + 32 * (k % 2) + l] |= UInt8(q[e] & 15) << UInt8(4 * (k / 2))
            qh[32 * n + l] |= UInt8(q[e] >> 4) << UInt8(2 * k)
        }
        let d: Float = 0.01
        let y = try deq(.q6_K, ql + qh + sc.map { UInt8(bitPattern: $0) } + half(d), count: 256)
        let dh = Float(Float16(d))
        XCTAssertEqual(y[0], dh * -128 * -32)   // q 0, scale -128
        for e in 0..<256 {
            XCTAssertEqual(y[e], dh * Float(sc[e / 16]) * Float(q[e] - 32), "element \(e)")
        }
    }

    func testFloatAndIntegerTypes() throws {
        let f: [Float] = [1.5, -0.0, .infinity, 3e-39]
        XCTAssertEqual(try deq(.f32, f.flatMap { le($0.bitPattern) }, count: 4).map(\.bitPattern), f.map(\.bitPattern))
        XCTAssertEqual(try deq(.f16, [Float(1), -2.5, 65504, 6e-8].flatMap(half), count: 4), [1, -2.5, 65504, Float(Float16(6e-8))])
        XCTAssertEqual(try deq(.bf16, [0x3FC0, 0xC120].flatMap { le(UInt16($0)) }, count: 2), [1.5, -10])
        XCTAssertEqual(try deq(.f64, le(Double(-2.25).bitPattern), count: 1), [-2.25])
        XCTAssertEqual(try deq(.i8, [0xFF, 7], count: 2), [-1, 7])
        XCTAssertEqual(try deq(.i16, le(Int16(-300)), count: 1), [-300])
        XCTAssertEqual(try deq(.i32, le(Int32(100000)), count: 1), [100000])
        XCTAssertEqual(try deq(.i64, le(Int64(-5)), count: 1), [-5])
    }

    func testRejectsShortBufferAndPartialBlock() {
        XCTAssertThrowsError(try deq(.q4_K, [UInt8](repeating: 0, count: 143), count: 256)) { e in
            XCTAssertTrue("\(e)".contains("143 bytes"), "\(e)")
        }
        XCTAssertThrowsError(try deq(.q4_0, [UInt8](repeating: 0, count: 36), count: 33)) { e in
            XCTAssertTrue("\(e)".contains("block size 32"), "\(e)")
        }
    }

    /// Large tensors are decoded in parallel chunks; the result must equal decoding block
    /// ranges one small (serial) call at a time, for a block count that does not divide evenly.
    func testParallelDecodeMatchesSerial() throws {
        for type in [GGMLType.q4_K, .q5_0, .f16] {
            let blocks = (3 << 20) / type.blockSize + 7
            let n = blocks * type.blockSize
            var raw = [UInt8](repeating: 0, count: type.byteCount(elements: n)!)
            var state: UInt64 = 99
            for i in raw.indices { state = state &* 6364136223846793005 &+ 1442695040888963407; raw[i] = UInt8(state >> 56) & 0x3B }   // mask keeps fp16 scales finite
            let whole = try deq(type, raw, count: n)
            var pieces = [Float](repeating: .nan, count: n)
            let step = 4096 * type.blockSize   // elements per serial call, well under the parallel threshold
            try raw.withUnsafeBytes { src in
                try pieces.withUnsafeMutableBufferPointer { dst in
                    for start in stride(from: 0, to: n, by: step) {
                        let m = min(step, n - start)
                        let off = start / type.blockSize * type.typeSize
                        try dequantize(type, UnsafeRawBufferPointer(rebasing: src[off...]), count: m, into: dst.baseAddress! + start)
                    }
                }
            }
            XCTAssertTrue(whole.elementsEqual(pieces) { $0.bitPattern == $1.bitPattern }, "\(type)")
        }
    }

    /// Throughput of the types in the default models (printed; asserted only loosely so a
    /// shared, loaded machine does not fail it). Best of 3 runs over 16 M elements, measured
    /// two ways: decoding in 256 K-element calls whose output stays in cache (the decoder's own
    /// speed, single-threaded) and in one call into a 64 MB buffer (memory-bound, parallel).
    func testThroughput() throws {
        let n = 16 << 20, step = 1 << 18
        var out = [Float](repeating: 0, count: n)
        for type in [GGMLType.q8_0, .q4_1, .q5_0, .q4_K, .q6_K, .f16] {
            var raw = [UInt8](repeating: 0, count: type.byteCount(elements: n)!)
            var state: UInt64 = 12345
            for i in raw.indices { state = state &* 6364136223846793005 &+ 1442695040888963407; raw[i] = UInt8(state >> 56) }
            // Random bytes: some fp16 scales decode to NaN/Inf, which costs the same time.
            var bestChunked = Double.infinity, bestWhole = Double.infinity
            try raw.withUnsafeBytes { src in
                try out.withUnsafeMutableBufferPointer { dst in
                    for _ in 0..<3 {
                        var start = Date()
                        for e in stride(from: 0, to: n, by: step) {
                            let off = e / type.blockSize * type.typeSize
                            try dequantize(type, UnsafeRawBufferPointer(rebasing: src[off...]), count: step, into: dst.baseAddress!)
                        }
                        bestChunked = min(bestChunked, Date().timeIntervalSince(start))
                        start = Date()
                        try dequantize(type, src, count: n, into: dst.baseAddress!)
                        bestWhole = min(bestWhole, Date().timeIntervalSince(start))
                    }
                }
            }
            print(String(format: "dequantize %@: output in cache %.0f M elements/s (%.0f MB/s of input); into 64 MB %.0f M elements/s",
                         "\(type)", Double(n) / 1e6 / bestChunked, Double(raw.count) / 1e6 / bestChunked, Double(n) / 1e6 / bestWhole))
            XCTAssertLessThan(bestChunked + bestWhole, 5)
        }
    }
}
