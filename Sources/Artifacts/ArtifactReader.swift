import CHDF5
import Foundation

/// What kind of object an artifact path names.
public enum ArtifactObjectKind: String, Sendable {
    case group, dataset, other
}

/// Read-only access to an artifact. Every failure is an `ArtifactError` naming the file and
/// dataset/attribute with what was expected and what was found. A missing, non-HDF5 or
/// truncated file is reported when opening; other damage when the damaged part is read;
/// never by a crash. Reads check dtype strictly (no silent float64→float32 conversion).
public final class ArtifactReader {
    /// The file being read.
    public let path: String
    private var file: hid_t = -1

    /// Open `path` read-only.
    public init(path: String) throws {
        h5Lock.lock(); defer { h5Lock.unlock() }
        silenceHDF5()
        self.path = path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ArtifactError(file: path, "file does not exist")
        }
        guard !isDir.boolValue else { throw ArtifactError(file: path, "is a folder, expected an HDF5 file") }
        let isHDF5 = H5Fis_hdf5(path)
        guard isHDF5 > 0 else {
            throw ArtifactError(file: path, isHDF5 == 0 ? "not an HDF5 file (no HDF5 signature)"
                                                         : "cannot be read as HDF5 (unreadable or corrupt)")
        }
        file = H5Fopen(path, dl_f_acc_rdonly(), dl_p_default())
        guard file >= 0 else {
            throw ArtifactError(file: path, "HDF5 file is corrupt or truncated (cannot open it\(hdf5DetailSuffix()))")
        }
        // A truncated file can open fine and fail only when objects are read; touching the
        // root group's link table catches the common case early with a clear message.
        var info = H5G_info_t()
        guard H5Gget_info(file, &info) >= 0 else {
            let detail = hdf5DetailSuffix()
            H5Fclose(file)
            file = -1
            throw ArtifactError(file: path, "HDF5 file is corrupt or truncated (cannot read root group\(detail))")
        }
    }

    deinit { close() }  // close() takes the lock

    /// Close the file; further reads throw. Idempotent.
    public func close() {
        h5Lock.lock(); defer { h5Lock.unlock() }
        if file >= 0 { H5Fclose(file) }
        file = -1
    }

    // MARK: Structure

    /// Whether a group or dataset exists at `path`.
    public func contains(_ path: String) -> Bool {
        h5Lock.lock(); defer { h5Lock.unlock() }
        guard file >= 0, let parts = try? splitObjectPath(path, file: self.path) else { return false }
        return parts.isEmpty || linkStatus(file, parts) == true
    }

    /// The kind of object at `path`; throws if it does not exist.
    public func kind(of path: String) throws -> ArtifactObjectKind {
        h5Lock.lock(); defer { h5Lock.unlock() }
        let (obj, _) = try openObject(path)
        defer { H5Oclose(obj) }
        switch H5Iget_type(obj) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// The names (not full paths) of the members of group `path`, sorted by name, with kinds.
    public func children(of path: String = "/") throws -> [(name: String, kind: ArtifactObjectKind)] {
        h5Lock.lock(); defer { h5Lock.unlock() }
        let (obj, name) = try openObject(path)
        defer { H5Oclose(obj) }
        guard H5Iget_type(obj) == H5I_GROUP else {
            throw ArtifactError(file: self.path, object: name, "expected a group, found a dataset")
        }
        var info = H5G_info_t()
        guard H5Gget_info(obj, &info) >= 0 else { throw ArtifactError(file: self.path, object: name, "cannot read group (corrupt file?)") }
        var out: [(String, ArtifactObjectKind)] = []
        for i in 0..<info.nlinks {
            let n = H5Lget_name_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, dl_p_default())
            guard n >= 0 else { throw ArtifactError(file: self.path, object: name, "cannot read member \(i) (corrupt file?)") }
            var buf = [CChar](repeating: 0, count: Int(n) + 1)
            _ = H5Lget_name_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, dl_p_default())
            let child = String(cString: buf)
            let c = H5Oopen(obj, child, dl_p_default())
            guard c >= 0 else { throw ArtifactError(file: self.path, object: name, "cannot open member '\(child)' (corrupt file?)") }
            let t = H5Iget_type(c)
            H5Oclose(c)
            out.append((child, t == H5I_GROUP ? .group : t == H5I_DATASET ? .dataset : .other))
        }
        return out
    }

    /// Names of the subgroups of `path`, sorted.
    public func groups(in path: String = "/") throws -> [String] {
        h5Lock.lock(); defer { h5Lock.unlock() }
        return try children(of: path).filter { $0.kind == .group }.map { $0.name }
    }

    /// Names of the datasets directly in group `path`, sorted.
    public func datasets(in path: String = "/") throws -> [String] {
        h5Lock.lock(); defer { h5Lock.unlock() }
        return try children(of: path).filter { $0.kind == .dataset }.map { $0.name }
    }

    // MARK: Dataset metadata

    /// The shape of dataset `path` (`[]` for a scalar).
    public func shape(of path: String) throws -> [Int] {
        h5Lock.lock(); defer { h5Lock.unlock() }
        return try withDataset(path) { dset, name in try self.datasetShape(dset, name) }
    }

    /// The element type of dataset `path`.
    public func dtype(of path: String) throws -> ArtifactDType {
        h5Lock.lock(); defer { h5Lock.unlock() }
        return try withDataset(path) { dset, name in
            let t = H5Dget_type(dset)
            guard t >= 0 else { throw ArtifactError(file: self.path, object: name, "cannot read datatype (corrupt file?)") }
            defer { H5Tclose(t) }
            let c = ArtifactDType.classify(t)
            guard let d = c.dtype else { throw ArtifactError(file: self.path, object: name, "unsupported datatype \(c.name)") }
            return d
        }
    }

    /// Check that dataset `path` has the given rank and dimensions (`nil` = any size on
    /// that axis) and return its actual shape.
    @discardableResult
    public func requireShape(_ path: String, _ expected: [Int?]) throws -> [Int] {
        h5Lock.lock(); defer { h5Lock.unlock() }
        let found = try shape(of: path)
        try checkShape(found, expected, displayPath(try splitObjectPath(path, file: self.path)))
        return found
    }

    // MARK: Reading data

    /// Read a numeric tensor, which must be stored with exactly `type`'s dtype (a float64
    /// dataset read as Float is an error, not a silent conversion). Values are flat, C order.
    public func read<T: ArtifactElement>(_ type: T.Type, _ path: String) throws -> (values: [T], shape: [Int]) {
        h5Lock.lock(); defer { h5Lock.unlock() }
        return try readTensor(type, path, rows: nil)
    }

    /// Read rows `rows` (a range along the first axis) of a tensor of rank >= 1, without
    /// reading the rest: e.g. one case's logits from a large `[cases, vocab]` dataset.
    /// The returned shape is `[rows.count] + shape.dropFirst()`.
    public func read<T: ArtifactElement>(_ type: T.Type, _ path: String, rows: Range<Int>) throws -> (values: [T], shape: [Int]) {
        h5Lock.lock(); defer { h5Lock.unlock() }
        return try readTensor(type, path, rows: rows)
    }

    private func readTensor<T: ArtifactElement>(_ type: T.Type, _ path: String, rows: Range<Int>?) throws -> (values: [T], shape: [Int]) {
        try withDataset(path) { dset, name in
            try self.checkDType(dset, name, expected: T.artifactDType)
            var shape = try self.datasetShape(dset, name)
            // Whole dataset by default; for a row range, a hyperslab of the file space and a
            // matching memory space.
            var fileSpace = dl_s_all(), memSpace = dl_s_all()
            defer {
                if fileSpace != dl_s_all() { H5Sclose(fileSpace) }
                if memSpace != dl_s_all() { H5Sclose(memSpace) }
            }
            if let rows {
                guard !shape.isEmpty else {
                    throw ArtifactError(file: self.path, object: name, "expected rank >= 1 to read rows, found a scalar")
                }
                guard rows.lowerBound >= 0, rows.upperBound <= shape[0] else {
                    throw ArtifactError(file: self.path, object: name, "rows \(rows) out of range: the first axis has \(shape[0]) rows")
                }
                shape[0] = rows.count
                if shape.reduce(1, *) > 0 {
                    fileSpace = H5Dget_space(dset)
                    var start = [hsize_t](repeating: 0, count: shape.count)
                    start[0] = hsize_t(rows.lowerBound)
                    let count = shape.map { hsize_t($0) }
                    guard fileSpace >= 0, H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil) >= 0 else {
                        throw ArtifactError(file: self.path, object: name, "cannot select rows \(rows)\(hdf5DetailSuffix())")
                    }
                    memSpace = makeDataspace(shape)
                }
            }
            let count = shape.reduce(1, *)
            let memType = T.artifactDType.nativeType
            var failed = false
            var detail = ""
            let values = [T](unsafeUninitializedCapacity: count) { buf, initialized in
                if count > 0 {
                    failed = H5Dread(dset, memType, memSpace, fileSpace, dl_p_default(), buf.baseAddress!) < 0
                    if failed { detail = hdf5DetailSuffix(); memset(buf.baseAddress!, 0, count * MemoryLayout<T>.stride) }
                }
                initialized = count
            }
            if failed { throw ArtifactError(file: self.path, object: name, "reading data failed (corrupt or truncated file?\(detail))") }
            return (values, shape)
        }
    }

    /// Read a tensor and check its shape in one call (`nil` = any size on that axis).
    public func read<T: ArtifactElement>(_ type: T.Type, _ path: String, shape expected: [Int?]) throws -> (values: [T], shape: [Int]) {
        h5Lock.lock(); defer { h5Lock.unlock() }
        try requireShape(path, expected)
        return try read(type, path)
    }

    /// Read a string dataset, flat in C order (its shape is `shape(of:)`).
    public func readStrings(_ path: String) throws -> [String] {
        h5Lock.lock(); defer { h5Lock.unlock() }
        return try withDataset(path) { dset, name in
            try self.checkDType(dset, name, expected: .string)
            let shape = try self.datasetShape(dset, name)
            let t = H5Dget_type(dset)
            defer { H5Tclose(t) }
            let space = H5Dget_space(dset)
            defer { H5Sclose(space) }
            guard let out = Artifacts.readStrings(fileType: t, space: space, count: shape.reduce(1, *), {
                H5Dread(dset, $0, dl_s_all(), dl_s_all(), dl_p_default(), $1)
            }) else { throw ArtifactError(file: self.path, object: name, "reading strings failed (corrupt or truncated file?)") }
            return out
        }
    }

    // MARK: Attributes

    /// Names of the attributes on `object` (default: the root), sorted.
    public func attributeNames(on object: String = "/") throws -> [String] {
        h5Lock.lock(); defer { h5Lock.unlock() }
        let (obj, name) = try openObject(object)
        defer { H5Oclose(obj) }
        return try Artifacts.attributeNames(on: obj, file: path, object: name)
    }

    /// Whether attribute `name` exists on `object`.
    public func hasAttribute(_ name: String, on object: String = "/") -> Bool {
        h5Lock.lock(); defer { h5Lock.unlock() }
        guard let (obj, _) = try? openObject(object) else { return false }
        defer { H5Oclose(obj) }
        return H5Aexists(obj, name) > 0
    }

    /// Read attribute `name` on `object` (default: the root).
    public func attribute(_ name: String, on object: String = "/") throws -> ArtifactAttribute {
        h5Lock.lock(); defer { h5Lock.unlock() }
        let (obj, display) = try openObject(object)
        defer { H5Oclose(obj) }
        return try readAttribute(name: name, on: obj, file: path, object: display)
    }

    /// A scalar string attribute.
    public func stringAttribute(_ name: String, on object: String = "/") throws -> String {
        h5Lock.lock(); defer { h5Lock.unlock() }
        let v = try attribute(name, on: object)
        if case .string(let s) = v { return s }
        throw attributeKindError(name, object, expected: "string", found: v)
    }

    /// A 1-d string array attribute.
    public func stringArrayAttribute(_ name: String, on object: String = "/") throws -> [String] {
        h5Lock.lock(); defer { h5Lock.unlock() }
        let v = try attribute(name, on: object)
        if case .strings(let a) = v { return a }
        throw attributeKindError(name, object, expected: "string array", found: v)
    }

    /// A scalar integer attribute.
    public func intAttribute(_ name: String, on object: String = "/") throws -> Int {
        h5Lock.lock(); defer { h5Lock.unlock() }
        let v = try attribute(name, on: object)
        if case .int(let x) = v { return x }
        throw attributeKindError(name, object, expected: "int", found: v)
    }

    /// A 1-d integer array attribute.
    public func intArrayAttribute(_ name: String, on object: String = "/") throws -> [Int] {
        h5Lock.lock(); defer { h5Lock.unlock() }
        let v = try attribute(name, on: object)
        if case .ints(let a) = v { return a }
        throw attributeKindError(name, object, expected: "int array", found: v)
    }

    /// A scalar floating-point attribute (integer attributes are accepted and converted).
    public func doubleAttribute(_ name: String, on object: String = "/") throws -> Double {
        h5Lock.lock(); defer { h5Lock.unlock() }
        let v = try attribute(name, on: object)
        if case .double(let x) = v { return x }
        if case .int(let x) = v { return Double(x) }
        throw attributeKindError(name, object, expected: "double", found: v)
    }

    /// A 1-d floating-point array attribute.
    public func doubleArrayAttribute(_ name: String, on object: String = "/") throws -> [Double] {
        h5Lock.lock(); defer { h5Lock.unlock() }
        let v = try attribute(name, on: object)
        if case .doubles(let a) = v { return a }
        throw attributeKindError(name, object, expected: "double array", found: v)
    }

    // MARK: Internals

    private func attributeKindError(_ name: String, _ object: String, expected: String, found: ArtifactAttribute) -> ArtifactError {
        let obj = (try? displayPath(splitObjectPath(object, file: path))) ?? object
        return ArtifactError(file: path, object: "attribute '\(name)' on '\(obj)'", "expected \(expected), found \(found.kind)")
    }

    /// Open the object at `path`; the caller closes it with H5Oclose.
    private func openObject(_ path: String) throws -> (hid_t, String) {
        guard file >= 0 else { throw ArtifactError(file: self.path, object: path, "reader is closed") }
        let parts = try splitObjectPath(path, file: self.path)
        let name = displayPath(parts)
        switch parts.isEmpty ? true : linkStatus(file, parts) {
        case true?: break
        case false?: throw ArtifactError(file: self.path, object: name, "missing (no such group or dataset)")
        case nil: throw ArtifactError(file: self.path, object: name, "cannot look up object (corrupt file?\(hdf5DetailSuffix()))")
        }
        let obj = H5Oopen(file, parts.isEmpty ? "/" : name, dl_p_default())
        guard obj >= 0 else { throw ArtifactError(file: self.path, object: name, "cannot open object (corrupt file?)") }
        return (obj, name)
    }

    private func withDataset<R>(_ path: String, _ body: (hid_t, String) throws -> R) throws -> R {
        let (obj, name) = try openObject(path)
        defer { H5Oclose(obj) }
        guard H5Iget_type(obj) == H5I_DATASET else {
            throw ArtifactError(file: self.path, object: name, "expected a dataset, found a group")
        }
        return try body(obj, "dataset '\(name)'")
    }

    private func datasetShape(_ dset: hid_t, _ name: String) throws -> [Int] {
        let space = H5Dget_space(dset)
        guard space >= 0 else { throw ArtifactError(file: path, object: name, "cannot read dataspace (corrupt file?)") }
        defer { H5Sclose(space) }
        guard let s = dataspaceShape(space) else { throw ArtifactError(file: path, object: name, "cannot read shape (corrupt file?)") }
        return s
    }

    private func checkDType(_ dset: hid_t, _ name: String, expected: ArtifactDType) throws {
        let t = H5Dget_type(dset)
        guard t >= 0 else { throw ArtifactError(file: path, object: name, "cannot read datatype (corrupt file?)") }
        defer { H5Tclose(t) }
        let found = ArtifactDType.classify(t)
        guard found.dtype == expected else {
            throw ArtifactError(file: path, object: name, "expected \(expected), found \(found.name)")
        }
    }

    private func checkShape(_ found: [Int], _ expected: [Int?], _ name: String) throws {
        let ok = found.count == expected.count && zip(found, expected).allSatisfy { f, e in e == nil || e == f }
        guard ok else {
            let exp = "[" + expected.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
            let what = found.count != expected.count ? "rank \(expected.count) shape \(exp)" : "shape \(exp)"
            throw ArtifactError(file: path, object: "dataset '\(name)'", "expected \(what), found shape \(found)")
        }
    }
}
