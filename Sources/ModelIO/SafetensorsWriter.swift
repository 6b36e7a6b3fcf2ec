import Foundation

/// Writes float tensors as a safetensors file that Hugging Face tools (and `SafetensorsFile`)
/// read, e.g. to save a fine-tuned checkpoint in HF-compatible form.
///
/// The bytes are deterministic and follow the reference writer (the `safetensors` package):
/// tensors ordered by dtype, widest first (F32, BF16, F16), then by name; the JSON header
/// written with that key order and no whitespace, `__metadata__` first with sorted keys, and
/// padded with spaces to a multiple of 8 bytes so the data starts aligned. For the same
/// tensors (and at most one metadata key, whose order the reference leaves unspecified) the
/// file is byte-identical to the reference's.
public enum SafetensorsWriter {
    /// One tensor to write: row-major `values` with `shape`, stored as `dtype` (F32, F16 or BF16;
    /// F16/BF16 round to nearest even).
    public struct Tensor {
        public var name: String
        public var shape: [Int]
        public var dtype: SafetensorsDType
        public var values: [Float]
        public init(name: String, shape: [Int], dtype: SafetensorsDType = .f32, values: [Float]) {
            self.name = name; self.shape = shape; self.dtype = dtype; self.values = values
        }
    }

    /// Writes `tensors` (and `__metadata__`) to `path`, through a temporary file renamed into
    /// place so a crash never leaves a half-written checkpoint under the final name. The temporary
    /// files of `path` that killed writers left behind are removed first (a model's weights: ~1 GB).
    public static func write(_ tensors: [Tensor], metadata: [String: String] = [:], to path: String) throws {
        func fail(_ message: String) -> ModelFileError { ModelFileError(path: path, message: message) }
        // The reference orders dtypes F16 < BF16 < F32 and stores the largest first.
        func rank(_ t: SafetensorsDType) -> Int { t == .f32 ? 0 : t == .bf16 ? 1 : 2 }
        let sorted = tensors.sorted { (rank($0.dtype), $0.name) < (rank($1.dtype), $1.name) }
        var seen = Set<String>()
        for t in tensors where !seen.insert(t.name).inserted { throw fail("duplicate tensor \(t.name)") }
        var offset = 0
        var entries: [String] = []
        if !metadata.isEmpty {
            let kv = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(kv.joined(separator: ","))}")
        }
        for t in sorted {
            guard t.name != "__metadata__" else { throw fail("tensor name __metadata__ is reserved") }
            guard t.dtype == .f32 || t.dtype == .f16 || t.dtype == .bf16 else {
                throw fail("tensor \(t.name): dtype \(t.dtype.rawValue) cannot be written (supported: F32, F16, BF16)")
            }
            guard t.shape.allSatisfy({ $0 >= 0 }), t.shape.reduce(1, *) == t.values.count else {
                throw fail("tensor \(t.name): shape \(t.shape) does not match \(t.values.count) values")
            }
            let size = t.values.count * t.dtype.size
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(t.name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }

        removeLeftoverTemps(of: path)
        let tmp = path + ".tmp-\(getpid())"
        guard let f = fopen(tmp, "wb") else { throw fail("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var ok = true
        func put(_ p: UnsafeRawPointer, _ n: Int) { if ok && n > 0 { ok = fwrite(p, 1, n, f) == n } }
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { put($0.baseAddress!, 8) }
        header.withUnsafeBytes { put($0.baseAddress!, $0.count) }
        // Convert in chunks so a large tensor does not need a second full-size buffer.
        let chunk = 1 << 16
        var buffer = [UInt8](repeating: 0, count: chunk * 4)
        for t in sorted {
            t.values.withUnsafeBufferPointer { v in
                var start = 0
                while start < v.count {
                    let n = min(chunk, v.count - start)
                    buffer.withUnsafeMutableBytes { out in
                        encode(v.baseAddress! + start, n, t.dtype, out.baseAddress!)
                        put(out.baseAddress!, n * t.dtype.size)
                    }
                    start += n
                }
            }
        }
        ok = (fclose(f) == 0) && ok
        guard ok else {
            unlink(tmp)
            throw fail("write failed: \(String(cString: strerror(errno)))")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw fail("cannot rename \(tmp) into place: \(String(cString: strerror(errno)))")
        }
    }

    /// Removes `<path>.tmp-<pid>` files whose writer process no longer runs; a running writer's
    /// (another process writing the same path) is left alone.
    static func removeLeftoverTemps(of path: String) {
        let dir = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + ".tmp-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink((dir as NSString).appendingPathComponent(name))
        }
    }

    /// Encodes `n` floats little-endian as `dtype` at `out`.
    static func encode(_ x: UnsafePointer<Float>, _ n: Int, _ dtype: SafetensorsDType, _ out: UnsafeMutableRawPointer) {
        switch dtype {
        case .f16:
            for i in 0..<n { out.storeBytes(of: Float16(x[i]).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
        case .bf16:
            for i in 0..<n { out.storeBytes(of: bfloat16Bits(x[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
        default:
            for i in 0..<n { out.storeBytes(of: x[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
    }

    /// The BF16 bit pattern of `x`: the top 16 bits of the float32, rounded to nearest even
    /// (NaN stays a quiet NaN instead of rounding into infinity).
    public static func bfloat16Bits(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        if x.isNaN { return UInt16(b >> 16) | 0x0040 }
        let roundingBias = 0x7FFF + ((b >> 16) & 1)
        return UInt16((b &+ roundingBias) >> 16)
    }

    /// A JSON string literal with the escapes the format requires.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
