import Foundation

/// Element types of the safetensors format (the `dtype` strings of its header).
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// The GGML type with the same encoding, for the dtypes `floats` decodes.
    var floatType: GGMLType? {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        default: return nil
        }
    }
}

/// One entry of a safetensors header.
public struct SafetensorsTensorInfo: Sendable {
    public let name: String
    public let dtype: SafetensorsDType
    /// Row-major shape, outermost first (PyTorch order).
    public let shape: [Int]
    /// Absolute byte range in the file (the header's `data_offsets` are relative to the data start).
    public let begin: Int
    public let end: Int
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file over a memory map: an 8-byte little-endian header length N, an N-byte
/// JSON header `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {…}}`,
/// then the tensor bytes (offsets relative to byte 8 + N). Every entry is validated at open:
/// a truncated file, bad JSON, offsets beyond the file or a byte length that does not match
/// dtype × shape throws a `ModelFileError` naming the file and tensor.
public final class SafetensorsFile: WeightSource, @unchecked Sendable {
    public let path: String
    public let file: MappedFile
    /// The header's `__metadata__` (string to string; e.g. `{"format": "pt"}`).
    public let metadata: [String: String]
    public let tensors: [String: SafetensorsTensorInfo]
    /// Tensor names in the order of their data in the file.
    public let tensorNames: [String]

    public init(path: String) throws {
        let file = try MappedFile(path: path)
        self.file = file
        self.path = path
        func fail(_ message: String) -> ModelFileError { ModelFileError(path: path, message: message) }

        guard file.count >= 8 else { throw fail("truncated file: \(file.count) bytes, the header length alone needs 8") }
        let headerLength = UInt64(littleEndian: file.base.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(file.count - 8) else {
            throw fail("truncated file or bad header: header length \(headerLength) exceeds the \(file.count - 8) bytes after it")
        }
        let dataStart = 8 + Int(headerLength)
        let dataSize = file.count - dataStart
        let headerBytes = Data(bytes: file.base + 8, count: Int(headerLength))
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw fail("bad JSON header: \(error.localizedDescription)")
        }
        guard let header = json as? [String: Any] else { throw fail("bad JSON header: not an object") }

        var meta: [String: String] = [:]
        if let m = header["__metadata__"] {
            guard let dict = m as? [String: Any] else { throw fail("__metadata__ is not an object") }
            for (k, v) in dict {
                guard let s = v as? String else { throw fail("__metadata__ \(k) is not a string") }
                meta[k] = s
            }
        }
        metadata = meta

        var table: [String: SafetensorsTensorInfo] = [:]
        // Sorted, so that a file with several bad entries always reports the same one.
        for (name, entry) in header.sorted(by: { $0.key < $1.key }) where name != "__metadata__" {
            func bad(_ message: String) -> ModelFileError { fail("tensor \(name): \(message)") }
            guard let e = entry as? [String: Any] else { throw bad("header entry is not an object") }
            guard let dtypeName = e["dtype"] as? String else { throw bad("missing dtype") }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else { throw bad("unknown dtype \(dtypeName)") }
            guard let shape = Self.integers(e["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw bad("missing or invalid shape \(e["shape"].map { "\($0)" } ?? "")")
            }
            guard let offsets = Self.integers(e["data_offsets"]), offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw bad("missing or invalid data_offsets \(e["data_offsets"].map { "\($0)" } ?? "")")
            }
            guard offsets[1] <= dataSize else {
                throw bad("data_offsets [\(offsets[0]), \(offsets[1])) lie beyond the end of the data (\(dataSize) bytes) — truncated file?")
            }
            // Byte count of dtype × shape, with overflow checks (a corrupt shape must not wrap).
            let (bytes, overflow) = shape.reduce((dtype.size, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, bytes == offsets[1] - offsets[0] else {
                throw bad("dtype \(dtype.rawValue) with shape \(shape) needs \(overflow ? "too many" : "\(bytes)") bytes, data_offsets give \(offsets[1] - offsets[0])")
            }
            table[name] = SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape,
                                                begin: dataStart + offsets[0], end: dataStart + offsets[1])
        }
        let ordered = table.values.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        // The format forbids overlapping tensors; overlap means a corrupt header.
        for (a, b) in zip(ordered, ordered.dropFirst()) where b.begin < a.end {
            throw fail("tensor \(b.name): data overlaps tensor \(a.name)")
        }
        tensors = table
        tensorNames = ordered.map(\.name)
    }

    /// A JSON array of integers as [Int] (nil for anything else, e.g. fractions or strings).
    private static func integers(_ v: Any?) -> [Int]? {
        guard let arr = v as? [Any] else { return nil }
        var out: [Int] = []
        for x in arr {
            guard let n = x as? NSNumber, let i = Int(exactly: n.doubleValue) else { return nil }
            out.append(i)
        }
        return out
    }

    public func info(_ name: String) throws -> SafetensorsTensorInfo {
        guard let t = tensors[name] else { throw ModelFileError(path: path, message: "missing tensor \(name)") }
        return t
    }

    public func shape(of name: String) throws -> [Int] { try info(name).shape }

    /// The tensor's bytes inside the mapped file.
    public func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
        let t = try info(name)
        return UnsafeRawBufferPointer(start: file.base + t.begin, count: t.end - t.begin)
    }

    /// The tensor as float32, row-major. F32, F16 and BF16 are supported; other dtypes
    /// (e.g. the I64 `position_ids` buffers some checkpoints carry) throw naming the tensor.
    public func floats(_ name: String) throws -> [Float] {
        let t = try info(name)
        guard let type = t.dtype.floatType else {
            throw ModelFileError(path: path, message: "tensor \(name): dtype \(t.dtype.rawValue) cannot be read as floats (supported: F32, F16, BF16)")
        }
        if t.elementCount == 0 { return [] }
        let raw = try rawBytes(name)
        do {
            // Uninitialised: the decoder writes every element, so zero-filling first would
            // only add a pass over the memory.
            return try [Float](unsafeUninitializedCapacity: t.elementCount) { dst, initialized in
                try dequantize(type, raw, count: t.elementCount, into: dst.baseAddress!)
                initialized = t.elementCount
            }
        } catch let e as DequantizeError {
            throw ModelFileError(path: path, message: "tensor \(name): \(e)")
        }
    }
}
