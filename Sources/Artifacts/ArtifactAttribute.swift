import CHDF5

/// A value stored as an HDF5 attribute. Strings are variable-length UTF-8 (h5py reads
/// `str`), integers int64, reals float64; arrays are 1-d.
public enum ArtifactAttribute: Equatable, CustomStringConvertible, Sendable {
    case string(String)
    case strings([String])
    case int(Int)
    case ints([Int])
    case double(Double)
    case doubles([Double])

    /// The kind of value, for "expected X, found Y" messages.
    public var kind: String {
        switch self {
        case .string: return "string"
        case .strings: return "string array"
        case .int: return "int"
        case .ints: return "int array"
        case .double: return "double"
        case .doubles: return "double array"
        }
    }

    public var description: String {
        switch self {
        case .string(let s): return s.debugDescription
        case .strings(let a): return a.description
        case .int(let v): return String(v)
        case .ints(let a): return a.description
        case .double(let v): return String(v)
        case .doubles(let a): return a.description
        }
    }
}

/// Write (replacing any existing) attribute `name` on the open object `obj`.
func writeAttribute(_ value: ArtifactAttribute, name: String, on obj: hid_t, file: String, object: String) throws {
    let what = "attribute '\(name)' on '\(object)'"
    func fail(_ m: String) -> ArtifactError { ArtifactError(file: file, object: what, m) }
    if H5Aexists(obj, name) > 0, H5Adelete(obj, name) < 0 { throw fail("cannot replace existing attribute") }

    func create(_ type: hid_t, _ shape: [Int], _ write: (hid_t) -> herr_t) throws {
        let space = makeDataspace(shape)
        defer { H5Sclose(space) }
        let attr = H5Acreate2(obj, name, type, space, dl_p_default(), dl_p_default())
        guard attr >= 0 else { throw fail("cannot create attribute (attributes are for small metadata: under 64 KiB)\(hdf5DetailSuffix())") }
        defer { H5Aclose(attr) }
        guard write(attr) >= 0 else { throw fail("cannot write attribute\(hdf5DetailSuffix())") }
    }
    func strings(_ values: [String], _ shape: [Int]) throws {
        let type = makeVLStringType()
        defer { H5Tclose(type) }
        try withCStringArray(values, file: file, object: what) { ptrs in
            try create(type, shape) { H5Awrite($0, type, ptrs) }
        }
    }

    switch value {
    case .string(let s): try strings([s], [])
    case .strings(let a): try strings(a, [a.count])
    case .int(let v):
        var x = Int64(v)
        try create(dl_native_int64(), []) { H5Awrite($0, dl_native_int64(), &x) }
    case .ints(let a):
        // A one-element buffer stands in for an empty array so the pointer is never nil;
        // HDF5 transfers zero elements from it.
        let xs = a.isEmpty ? [Int64(0)] : a.map { Int64($0) }
        try create(dl_native_int64(), [a.count]) { attr in xs.withUnsafeBufferPointer { H5Awrite(attr, dl_native_int64(), $0.baseAddress!) } }
    case .double(let v):
        var x = v
        try create(dl_native_double(), []) { H5Awrite($0, dl_native_double(), &x) }
    case .doubles(let a):
        let xs = a.isEmpty ? [0.0] : a
        try create(dl_native_double(), [a.count]) { attr in xs.withUnsafeBufferPointer { H5Awrite(attr, dl_native_double(), $0.baseAddress!) } }
    }
}

/// Read attribute `name` of the open object `obj`. Scalars come back as `.string`/`.int`/
/// `.double`, anything with a simple dataspace as the array case (flattened).
func readAttribute(name: String, on obj: hid_t, file: String, object: String) throws -> ArtifactAttribute {
    let what = "attribute '\(name)' on '\(object)'"
    func fail(_ m: String) -> ArtifactError { ArtifactError(file: file, object: what, m) }
    let exists = H5Aexists(obj, name)
    guard exists >= 0 else { throw fail("cannot query attribute (corrupt file?)") }
    guard exists > 0 else { throw fail("missing attribute") }
    let attr = H5Aopen(obj, name, dl_p_default())
    guard attr >= 0 else { throw fail("cannot open attribute (corrupt file?)") }
    defer { H5Aclose(attr) }
    let type = H5Aget_type(attr)
    guard type >= 0 else { throw fail("cannot read attribute type (corrupt file?)") }
    defer { H5Tclose(type) }
    let space = H5Aget_space(attr)
    guard space >= 0 else { throw fail("cannot read attribute dataspace (corrupt file?)") }
    defer { H5Sclose(space) }
    let spaceClass = H5Sget_simple_extent_type(space)
    if spaceClass == H5S_NULL { throw fail("attribute is empty (null dataspace)") }
    guard let shape = dataspaceShape(space) else { throw fail("cannot read attribute shape") }
    let count = shape.reduce(1, *)
    let isScalar = shape.isEmpty
    let cls = H5Tget_class(type)

    if cls == H5T_STRING {
        guard let values = readStrings(fileType: type, space: space, count: count, { H5Aread(attr, $0, $1) }) else {
            throw fail("cannot read string attribute (corrupt file?)")
        }
        return isScalar ? .string(values[0]) : .strings(values)
    }
    if cls == H5T_INTEGER {
        var xs = [Int64](repeating: 0, count: count)
        let ok = xs.withUnsafeMutableBytes { count == 0 || H5Aread(attr, dl_native_int64(), $0.baseAddress!) >= 0 }
        guard ok else { throw fail("cannot read integer attribute (corrupt file?)") }
        return isScalar ? .int(Int(xs[0])) : .ints(xs.map { Int($0) })
    }
    if cls == H5T_FLOAT {
        var xs = [Double](repeating: 0, count: count)
        let ok = xs.withUnsafeMutableBytes { count == 0 || H5Aread(attr, dl_native_double(), $0.baseAddress!) >= 0 }
        guard ok else { throw fail("cannot read float attribute (corrupt file?)") }
        return isScalar ? .double(xs[0]) : .doubles(xs)
    }
    throw fail("unsupported attribute type (\(ArtifactDType.classify(type).name))")
}

/// Names of all attributes on the open object `obj`, in name order.
func attributeNames(on obj: hid_t, file: String, object: String) throws -> [String] {
    var info = H5O_info_t()
    guard H5Oget_info2(obj, &info, UInt32(H5O_INFO_NUM_ATTRS)) >= 0 else {
        throw ArtifactError(file: file, object: object, "cannot list attributes (corrupt file?)")
    }
    var names: [String] = []
    for i in 0..<info.num_attrs {
        let n = H5Aget_name_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, dl_p_default())
        guard n >= 0 else { throw ArtifactError(file: file, object: object, "cannot read attribute name \(i)") }
        var buf = [CChar](repeating: 0, count: Int(n) + 1)
        _ = H5Aget_name_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, dl_p_default())
        names.append(String(cString: buf))
    }
    return names
}
