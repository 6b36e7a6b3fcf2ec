import Foundation

/// A metadata value of a GGUF file.
public enum GGUFValue: Sendable {
    case uint(UInt64), int(Int64), float(Double), bool(Bool), string(String), array([GGUFValue])

    public var int: Int? {
        switch self { case .uint(let v): return Int(v); case .int(let v): return Int(v); default: return nil }
    }
    public var double: Double? {
        switch self { case .float(let v): return v; case .uint(let v): return Double(v); case .int(let v): return Double(v); default: return nil }
    }
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var array: [GGUFValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var strings: [String]? { array?.compactMap(\.string) }
}

/// One entry of the tensor table. `dims` are GGUF's order (fastest-varying first).
public struct GGUFTensorInfo: Sendable {
    public let name: String
    public let dims: [Int]
    public let type: GGMLType
    /// Byte offset from the start of the file.
    public let offset: Int
    public var elementCount: Int { dims.reduce(1, *) }
    /// Row-major shape, outermost first (the reverse of `dims`).
    public var shape: [Int] { dims.reversed() }
}

/// A GGUF (v2/v3) model file: header, metadata, tensor table, and memory-mapped tensor data.
/// See the GGUF specification: little-endian; strings are u64 length + UTF-8 bytes; tensor data
/// starts at the first multiple of `general.alignment` (default 32) after the tensor table.
public final class GGUFFile: WeightSource, @unchecked Sendable {
    public let path: String
    public let version: Int
    public let metadata: [String: GGUFValue]
    public let tensors: [String: GGUFTensorInfo]
    /// Tensor names in file order.
    public let tensorNames: [String]
    public let file: MappedFile

    public init(path: String) throws {
        let file = try MappedFile(path: path)
        self.file = file
        self.path = path
        var r = ByteReader(file: file)
        let magic = try r.u32("magic")
        guard magic == 0x4655_4747 else {
            throw ModelFileError(path: path, message: "not a GGUF file (magic 0x\(String(magic, radix: 16)))")
        }
        version = Int(try r.u32("version"))
        guard version == 2 || version == 3 else {
            throw ModelFileError(path: path, message: "unsupported GGUF version \(version) (supported: 2, 3)")
        }
        let nTensors = try r.count("tensor count")
        let nKV = try r.count("metadata count")
        var meta: [String: GGUFValue] = [:]
        for _ in 0..<nKV {
            let key = try r.string("metadata key")
            let type = try r.u32("type of \(key)")
            meta[key] = try r.value(type: type, key: key)
        }
        metadata = meta
        var infos: [(String, [Int], UInt32, UInt64)] = []
        for i in 0..<nTensors {
            let name = try r.string("tensor \(i) name")
            let nd = Int(try r.u32("tensor \(name) n_dims"))
            guard nd >= 1 && nd <= 4 else { throw ModelFileError(path: path, message: "tensor \(name): \(nd) dimensions") }
            var dims: [Int] = []
            for _ in 0..<nd { dims.append(Int(try r.u64("tensor \(name) dims"))) }
            let type = try r.u32("tensor \(name) type")
            let offset = try r.u64("tensor \(name) offset")
            infos.append((name, dims, type, offset))
        }
        let alignment = meta["general.alignment"]?.int ?? 32
        guard alignment > 0 else { throw ModelFileError(path: path, message: "general.alignment is \(alignment)") }
        let dataStart = (r.position + alignment - 1) / alignment * alignment
        var table: [String: GGUFTensorInfo] = [:]
        var names: [String] = []
        for (name, dims, rawType, rel) in infos {
            guard let type = GGMLType(rawValue: rawType) else {
                throw ModelFileError(path: path, message: "tensor \(name): unknown GGML type \(rawType)")
            }
            let info = GGUFTensorInfo(name: name, dims: dims, type: type, offset: dataStart + Int(rel))
            guard let bytes = type.byteCount(elements: info.elementCount) else {
                throw ModelFileError(path: path, message: "tensor \(name): \(info.elementCount) elements is not a multiple of the \(type) block size \(type.blockSize)")
            }
            guard info.offset + bytes <= file.count else {
                throw ModelFileError(path: path, message: "tensor \(name): data [\(info.offset), \(info.offset + bytes)) lies beyond the end of the file (\(file.count) bytes) — truncated file?")
            }
            table[name] = info
            names.append(name)
        }
        tensors = table
        tensorNames = names
    }

    public func info(_ name: String) throws -> GGUFTensorInfo {
        guard let t = tensors[name] else { throw ModelFileError(path: path, message: "missing tensor \(name)") }
        return t
    }

    public func shape(of name: String) throws -> [Int] { try info(name).shape }

    /// The raw (possibly quantised) bytes of a tensor inside the mapped file.
    public func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
        let t = try info(name)
        return UnsafeRawBufferPointer(start: file.base + t.offset, count: t.type.byteCount(elements: t.elementCount)!)
    }

    /// The tensor dequantised to float32, row-major.
    public func floats(_ name: String) throws -> [Float] {
        let t = try info(name)
        let raw = try rawBytes(name)
        // Uninitialised storage: dequantisation writes every element, and a zero-fill first would be
        // a full extra pass over hundreds of MB at model load.
        do {
            return try [Float](unsafeUninitializedCapacity: t.elementCount) { dst, initialized in
                try dequantize(t.type, raw, count: t.elementCount, into: dst.baseAddress!)
                initialized = t.elementCount
            }
        } catch let e as DequantizeError {
            throw ModelFileError(path: path, message: "tensor \(name): \(e)")
        }
    }

    // Typed metadata accessors with errors naming the key.
    public func metaString(_ key: String) throws -> String {
        guard let v = metadata[key]?.string else { throw ModelFileError(path: path, message: "missing or non-string metadata \(key)") }
        return v
    }
    public func metaInt(_ key: String) throws -> Int {
        guard let v = metadata[key]?.int else { throw ModelFileError(path: path, message: "missing or non-integer metadata \(key)") }
        return v
    }
    public func metaDouble(_ key: String) throws -> Double {
        guard let v = metadata[key]?.double else { throw ModelFileError(path: path, message: "missing or non-numeric metadata \(key)") }
        return v
    }
    /// `general.architecture`, e.g. "llama", "qwen2", "gemma3", "gpt2".
    public var architecture: String? { metadata["general.architecture"]?.string }
}

/// Sequential little-endian reader over the mapped header, with bounds checks that name what
/// was being read when a truncated file runs out.
struct ByteReader {
    let file: MappedFile
    var position = 0

    init(file: MappedFile) { self.file = file }

    mutating func need(_ n: Int, _ what: String) throws {
        guard n >= 0, position + n <= file.count else {
            throw ModelFileError(path: file.path, message: "truncated file: reading \(what) at byte \(position) needs \(n) bytes, file has \(file.count)")
        }
    }
    mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        try need(MemoryLayout<T>.size, what)
        let v = file.base.loadUnaligned(fromByteOffset: position, as: T.self)
        position += MemoryLayout<T>.size
        return T(littleEndian: v)
    }
    mutating func u32(_ what: String) throws -> UInt32 { try load(UInt32.self, what) }
    mutating func u64(_ what: String) throws -> UInt64 { try load(UInt64.self, what) }
    /// A u64 count, rejected if absurdly large (a corrupt header must not make us allocate terabytes).
    mutating func count(_ what: String) throws -> Int {
        let n = try u64(what)
        guard n <= UInt64(file.count) else {
            throw ModelFileError(path: file.path, message: "corrupt header: \(what) = \(n) exceeds file size")
        }
        return Int(n)
    }
    mutating func string(_ what: String) throws -> String {
        let n = try count("\(what) length")
        try need(n, what)
        let s = String(decoding: UnsafeRawBufferPointer(start: file.base + position, count: n), as: UTF8.self)
        position += n
        return s
    }
    mutating func value(type: UInt32, key: String) throws -> GGUFValue {
        switch type {
        case 0: return .uint(UInt64(try load(UInt8.self, key)))
        case 1: return .int(Int64(try load(Int8.self, key)))
        case 2: return .uint(UInt64(try load(UInt16.self, key)))
        case 3: return .int(Int64(try load(Int16.self, key)))
        case 4: return .uint(UInt64(try load(UInt32.self, key)))
        case 5: return .int(Int64(try load(Int32.self, key)))
        case 6: return .float(Double(Float(bitPattern: try load(UInt32.self, key))))
        case 7: return .bool(try load(UInt8.self, key) != 0)
        case 8: return .string(try string(key))
        case 9:
            let elemType = try u32("\(key) array type")
            let n = try count("\(key) array length")
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try value(type: elemType, key: key)) }
            return .array(items)
        case 10: return .uint(try load(UInt64.self, key))
        case 11: return .int(try load(Int64.self, key))
        case 12: return .float(Double(bitPattern: try load(UInt64.self, key)))
        default:
            throw ModelFileError(path: file.path, message: "metadata \(key): unknown value type \(type)")
        }
    }
}
