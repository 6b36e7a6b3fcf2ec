import CHDF5

/// Element types an artifact dataset can hold. Names follow numpy so messages read the same
/// way a researcher sees the data in h5py.
public enum ArtifactDType: String, CustomStringConvertible, Sendable {
    case float32, float64, int32, int64, uint8, string

    public var description: String { rawValue }

    /// The HDF5 native (in-memory) type; on x86-64 it is also the little-endian file type.
    var nativeType: hid_t {
        switch self {
        case .float32: return dl_native_float()
        case .float64: return dl_native_double()
        case .int32: return dl_native_int32()
        case .int64: return dl_native_int64()
        case .uint8: return dl_native_uint8()
        case .string: preconditionFailure("strings use a variable-length string type")
        }
    }

    /// Classify an HDF5 datatype; `nil` for types distlab never writes (compound, enum, ...).
    /// Returns a human-readable name for those so errors can say what was found.
    static func classify(_ type: hid_t) -> (dtype: ArtifactDType?, name: String) {
        let cls = H5Tget_class(type)
        let size = H5Tget_size(type)
        if cls == H5T_FLOAT {
            if size == 4 { return (.float32, "float32") }
            if size == 8 { return (.float64, "float64") }
            return (nil, "float\(size * 8)")
        }
        if cls == H5T_INTEGER {
            let signed = H5Tget_sign(type) == H5T_SGN_2
            switch (signed, size) {
            case (true, 4): return (.int32, "int32")
            case (true, 8): return (.int64, "int64")
            case (false, 1): return (.uint8, "uint8")
            default: return (nil, "\(signed ? "int" : "uint")\(size * 8)")
            }
        }
        if cls == H5T_STRING { return (.string, "string") }
        return (nil, "HDF5 type class \(cls.rawValue)")
    }
}

/// Swift element types that map one-to-one onto an `ArtifactDType` (Float, Double, Int32,
/// Int64/Int, UInt8). Their memory layout is exactly the HDF5 native type, so arrays are handed
/// to HDF5 without conversion.
public protocol ArtifactElement {
    static var artifactDType: ArtifactDType { get }
}

extension Float: ArtifactElement { public static var artifactDType: ArtifactDType { .float32 } }
extension Double: ArtifactElement { public static var artifactDType: ArtifactDType { .float64 } }
extension Int32: ArtifactElement { public static var artifactDType: ArtifactDType { .int32 } }
extension Int64: ArtifactElement { public static var artifactDType: ArtifactDType { .int64 } }
extension UInt8: ArtifactElement { public static var artifactDType: ArtifactDType { .uint8 } }
/// Swift's `Int` is 64-bit on every platform distlab runs on; it is stored as int64.
extension Int: ArtifactElement { public static var artifactDType: ArtifactDType { .int64 } }
