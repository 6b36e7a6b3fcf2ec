/// A sha256 of what an artifact holds (every group, dataset and attribute) rather than of its
/// bytes, leaving out the provenance attributes that say how it was made rather than what it
/// holds: the code version (new in every commit, though a stage's output usually is not), the
/// command line (it names the output's path), the compute (BLAS threads) and the time of writing
/// (only there when DISTLAB_CREATED_AT asks for it). They are left out on the root alone, where
/// provenance is written.
///
/// Why: a carried run (scripts/carry.sh) does not commit the artifacts made straight from the
/// datasets (they hold the datasets' texts); a new machine makes them again with prepare-splits
/// and needs to know whether the new file is the one the carried answers were made from, though
/// it was written by another commit.
public enum ArtifactDigest {
    /// The root attributes (Provenance) left out by default.
    public static let howMade: Set<String> = ["code_version", "command_line", "compute", "created_at"]

    /// The digest of the artifact at `path` as 64 hex digits. Objects are visited in name order,
    /// depth first; each contributes its path, kind, dtype and shape, its values (numbers as their
    /// stored little-endian bytes, strings length-prefixed) and its attributes in name order.
    public static func content(ofFile path: String, ignoringAttributes ignored: Set<String> = howMade) throws -> String {
        let reader = try ArtifactReader(path: path)
        defer { reader.close() }
        var hash = SHA256()
        func field(_ text: String) {
            hash.update("\(text.utf8.count):")
            hash.update(text)
        }
        func attributes(of object: String) throws {
            for name in try reader.attributeNames(on: object) where object != "/" || !ignored.contains(name) {
                let value = try reader.attribute(name, on: object)
                field("attribute"); field(name); field(value.kind); field(value.description)
            }
        }
        func visit(_ group: String) throws {
            field("group"); field(group)
            try attributes(of: group)
            for child in try reader.children(of: group) {
                let path = group == "/" ? "/" + child.name : group + "/" + child.name
                switch child.kind {
                case .group: try visit(path)
                case .dataset:
                    let dtype = try reader.dtype(of: path)
                    field("dataset"); field(path); field(dtype.rawValue)
                    field(try reader.shape(of: path).map(String.init).joined(separator: ","))
                    try values(of: path, dtype)
                    try attributes(of: path)
                case .other:
                    throw ArtifactError(file: reader.path, object: path, "neither a group nor a dataset: cannot digest it")
                }
            }
        }
        func values(of path: String, _ dtype: ArtifactDType) throws {
            func numbers<T: ArtifactElement>(_ type: T.Type) throws {
                try reader.read(type, path).values.withUnsafeBytes { hash.update($0) }
            }
            switch dtype {
            case .float32: try numbers(Float.self)
            case .float64: try numbers(Double.self)
            case .int32: try numbers(Int32.self)
            case .int64: try numbers(Int64.self)
            case .uint8: try numbers(UInt8.self)
            case .string: for s in try reader.readStrings(path) { field(s) }
            }
        }
        try visit("/")
        return SHA256.hex(hash.finalize())
    }
}
