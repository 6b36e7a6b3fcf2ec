import CHDF5
import Foundation

/// Writes one HDF5 artifact atomically: everything goes into a temp file beside the
/// destination, and only `commit()` moves it into place. A writer that is dropped,
/// `abort()`ed or whose `write(to:)` body throws removes its temp file and leaves any
/// existing destination untouched.
///
/// Output is deterministic: object modification times are not recorded and compression
/// settings are fixed, so the same calls produce bit-identical files (provenance records a
/// `created_at` time only when asked to).
///
///     try ArtifactWriter.write(to: "out.h5") { w in
///         try w.write(logits, shape: [n, vocab], at: "case_0/logits")
///         try w.writeStrings(words, at: "case_0/words")
///         try w.setAttribute("stage", .string("infer"))
///     }
public final class ArtifactWriter {
    /// The final destination.
    public let path: String
    /// Where the data goes until `commit()`.
    public let tempPath: String
    /// Whether datasets of at least `compressionThreshold` bytes are chunked, byte-shuffled and gzipped.
    public let compression: Bool
    /// Datasets smaller than this many bytes are stored contiguous and uncompressed.
    public static let compressionThreshold = 64 * 1024
    /// Target upper bound on the bytes in one chunk of a compressed dataset.
    public static let chunkBytes = 1 << 20
    /// gzip level. Level 1: on logit-like float32 data (shuffled) it gave 41.9 MB vs 41.5 MB
    /// at level 4 for 50 MB raw; higher levels cost time for almost nothing. Pass
    /// `compression: false` for large float tensors that are written often (7x faster).
    public static let gzipLevel: UInt32 = 1

    private var file: hid_t = -1
    private var groupCreate: hid_t = -1  // group creation plist with time tracking off
    private var finished = false

    /// Create the temp file for `path`. The destination's folder must exist.
    public init(path: String, compression: Bool = true) throws {
        h5Lock.lock(); defer { h5Lock.unlock() }
        silenceHDF5()
        self.path = path
        self.compression = compression
        self.tempPath = AtomicFile.tempPath(for: path)
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ArtifactError(file: path, "output folder \(dir) does not exist")
        }
        // Untracked times on the root group too: the file creation plist is a group
        // creation plist for the root group.
        let fcpl = H5Pcreate(dl_p_file_create())
        H5Pset_obj_track_times(fcpl, false)
        defer { H5Pclose(fcpl) }
        file = H5Fcreate(tempPath, dl_f_acc_trunc(), fcpl, dl_p_default())
        guard file >= 0 else {
            throw ArtifactError(file: path, "cannot create temp file \(tempPath)\(hdf5DetailSuffix())")
        }
        groupCreate = H5Pcreate(dl_p_group_create())
        H5Pset_obj_track_times(groupCreate, false)
    }

    deinit { abort() }  // abort() takes the lock

    /// Create a writer, run `body`, and commit; if `body` throws, abort and rethrow.
    public static func write(to path: String, compression: Bool = true, _ body: (ArtifactWriter) throws -> Void) throws {
        let w = try ArtifactWriter(path: path, compression: compression)
        do {
            try body(w)
            try w.commit()
        } catch {
            w.abort()
            throw error
        }
    }

    /// Close the file, fsync it and rename it atomically onto `path`.
    public func commit() throws {
        h5Lock.lock(); defer { h5Lock.unlock() }
        try checkOpen("commit")
        H5Pclose(groupCreate)
        groupCreate = -1
        let status = H5Fclose(file)
        file = -1
        finished = true
        guard status >= 0 else {
            unlink(tempPath)
            throw ArtifactError(file: path, "closing the HDF5 file failed")
        }
        do { try AtomicFile.publish(tempPath: tempPath, to: path) } catch { unlink(tempPath); throw error }
    }

    /// Discard everything written: close and delete the temp file. Idempotent.
    public func abort() {
        h5Lock.lock(); defer { h5Lock.unlock() }
        if finished { return }
        finished = true
        if groupCreate >= 0 { H5Pclose(groupCreate) }
        if file >= 0 { H5Fclose(file) }
        file = -1
        unlink(tempPath)
    }

    // MARK: Groups

    /// Create group `path` and any missing parents ("a/b/c"). Existing groups are fine.
    public func createGroup(_ path: String) throws {
        h5Lock.lock(); defer { h5Lock.unlock() }
        try checkOpen(path)
        let parts = try splitObjectPath(path, file: self.path)
        try ensureGroups(parts, display: displayPath(parts))
    }

    private func ensureGroups(_ parts: [String], display: String) throws {
        var prefix = ""
        for p in parts {
            prefix += (prefix.isEmpty ? "" : "/") + p
            if linkExists(file, prefix.split(separator: "/").map(String.init)) {
                let obj = H5Oopen(file, prefix, dl_p_default())
                let isGroup = obj >= 0 && H5Iget_type(obj) == H5I_GROUP
                if obj >= 0 { H5Oclose(obj) }
                guard isGroup else { throw ArtifactError(file: path, object: display, "'\(prefix)' exists and is not a group") }
                continue
            }
            let g = H5Gcreate2(file, prefix, dl_p_default(), groupCreate, dl_p_default())
            guard g >= 0 else { throw ArtifactError(file: path, object: display, "cannot create group '\(prefix)'\(hdf5DetailSuffix())") }
            H5Gclose(g)
        }
    }

    // MARK: Datasets

    /// Write an n-d tensor (`values` flat in C order, `shape` its extent; `[]` for a
    /// scalar) to dataset `path`, creating parent groups. The dataset must not exist yet.
    /// `compress` overrides the writer's `compression` setting for this dataset.
    public func write<T: ArtifactElement>(_ values: [T], shape: [Int], at path: String, compress: Bool? = nil) throws {
        h5Lock.lock(); defer { h5Lock.unlock() }
        try checkOpen(path)
        let parts = try splitObjectPath(path, file: self.path)
        let name = displayPath(parts)
        let count = try checkShape(shape, valueCount: values.count, name: name)
        let type = T.artifactDType.nativeType
        try createDataset(parts, name: name, type: type, shape: shape,
                          bytes: count * MemoryLayout<T>.stride, compress: compress ?? compression) { dset in
            if count == 0 { return 0 }
            return values.withUnsafeBufferPointer { H5Dwrite(dset, type, dl_s_all(), dl_s_all(), dl_p_default(), $0.baseAddress!) }
        }
    }

    /// Write UTF-8 strings as a variable-length string dataset (h5py reads `str`/`bytes`).
    /// `shape` defaults to `[strings.count]`.
    public func writeStrings(_ strings: [String], shape: [Int]? = nil, at path: String) throws {
        h5Lock.lock(); defer { h5Lock.unlock() }
        try checkOpen(path)
        let parts = try splitObjectPath(path, file: self.path)
        let name = displayPath(parts)
        let shape = shape ?? [strings.count]
        let count = try checkShape(shape, valueCount: strings.count, name: name)
        let type = makeVLStringType()
        defer { H5Tclose(type) }
        // Estimate bytes for the chunking decision from the text size.
        let bytes = strings.reduce(0) { $0 + $1.utf8.count + 16 }
        try withCStringArray(strings, file: self.path, object: name) { ptrs in
            try createDataset(parts, name: name, type: type, shape: shape, bytes: bytes, compress: compression) { dset in
                if count == 0 { return 0 }
                return H5Dwrite(dset, type, dl_s_all(), dl_s_all(), dl_p_default(), ptrs)
            }
        }
    }

    /// Set attribute `name` on the object at `object` (default: the file root).
    public func setAttribute(_ name: String, _ value: ArtifactAttribute, on object: String = "/") throws {
        h5Lock.lock(); defer { h5Lock.unlock() }
        try checkOpen(name)
        let parts = try splitObjectPath(object, file: path)
        let display = displayPath(parts)
        guard parts.isEmpty || linkExists(file, parts) else {
            throw ArtifactError(file: path, object: display, "cannot set attribute '\(name)': object does not exist")
        }
        let obj = H5Oopen(file, parts.isEmpty ? "/" : display, dl_p_default())
        guard obj >= 0 else { throw ArtifactError(file: path, object: display, "cannot open object") }
        defer { H5Oclose(obj) }
        try writeAttribute(value, name: name, on: obj, file: path, object: display)
    }

    // MARK: Internals

    private func checkOpen(_ what: String) throws {
        if finished { throw ArtifactError(file: path, object: what, "writer already committed or aborted") }
    }

    private func checkShape(_ shape: [Int], valueCount: Int, name: String) throws -> Int {
        if shape.contains(where: { $0 < 0 }) {
            throw ArtifactError(file: path, object: name, "negative dimension in shape \(shape)")
        }
        let count = shape.reduce(1, *)
        guard count == valueCount else {
            throw ArtifactError(file: path, object: name, "shape \(shape) needs \(count) values, got \(valueCount)")
        }
        return count
    }

    private func createDataset(_ parts: [String], name: String, type: hid_t, shape: [Int], bytes: Int,
                               compress: Bool, write: (hid_t) -> herr_t) throws {
        guard !parts.isEmpty else { throw ArtifactError(file: path, object: name, "a dataset needs a name") }
        if linkExists(file, parts) { throw ArtifactError(file: path, object: name, "dataset already exists") }
        try ensureGroups(Array(parts.dropLast()), display: name)

        let dcpl = H5Pcreate(dl_p_dataset_create())
        defer { H5Pclose(dcpl) }
        H5Pset_obj_track_times(dcpl, false)
        let count = shape.reduce(1, *)
        if compress, !shape.isEmpty, count > 0, bytes >= Self.compressionThreshold {
            let elementBytes = max(1, bytes / count)
            let chunk = Self.chunkShape(shape, elementBytes: elementBytes, maxBytes: Self.chunkBytes)
            let dims = chunk.map { hsize_t($0) }
            H5Pset_chunk(dcpl, Int32(dims.count), dims)
            // Byte shuffle first: grouping the exponent bytes of floats together is what
            // lets gzip find redundancy in them. h5py reads both filters natively.
            H5Pset_shuffle(dcpl)
            H5Pset_deflate(dcpl, Self.gzipLevel)
        }
        let space = makeDataspace(shape)
        defer { H5Sclose(space) }
        let dset = H5Dcreate2(file, name, type, space, dl_p_default(), dcpl, dl_p_default())
        guard dset >= 0 else { throw ArtifactError(file: path, object: name, "cannot create dataset\(hdf5DetailSuffix())") }
        defer { H5Dclose(dset) }
        guard write(dset) >= 0 else { throw ArtifactError(file: path, object: name, "writing dataset data failed\(hdf5DetailSuffix())") }
    }

    /// A deterministic chunk shape: start from the full extent and halve (rounding up) the
    /// largest dimension until a chunk holds at most `maxBytes`.
    public static func chunkShape(_ shape: [Int], elementBytes: Int, maxBytes: Int) -> [Int] {
        var chunk = shape.map { max($0, 1) }
        while chunk.reduce(elementBytes, *) > maxBytes {
            guard let i = chunk.indices.max(by: { chunk[$0] < chunk[$1] }), chunk[i] > 1 else { break }
            chunk[i] = (chunk[i] + 1) / 2
        }
        return chunk
    }
}
