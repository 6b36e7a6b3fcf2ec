import CHDF5
import Foundation

// Small helpers shared by ArtifactWriter and ArtifactReader.

/// Every public reader/writer method holds this lock, so artifacts may be used from
/// several threads. Debian's libhdf5 is built thread-safe (H5_HAVE_THREADSAFE), but
/// default builds elsewhere (e.g. Homebrew) are not; the lock keeps those safe too.
/// Recursive because public methods call one another.
let h5Lock = NSRecursiveLock()

/// Make HDF5 stop printing its own error stack to stderr; distlab reports errors itself.
/// Called by every reader/writer initialiser; cheap and idempotent.
func silenceHDF5() { dl_silence_errors() }

/// Split "case_0/token_ids" (leading "/" optional) into its components, rejecting empty
/// or "."/".." components, which HDF5 would interpret or reject in confusing ways.
func splitObjectPath(_ path: String, file: String) throws -> [String] {
    var trimmed = Substring(path)
    if trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
    if trimmed.isEmpty { return [] }
    let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    for p in parts where p.isEmpty || p == "." || p == ".." {
        throw ArtifactError(file: file, object: path, "invalid object path (empty, '.' or '..' component)")
    }
    return parts
}

/// The canonical display form of an object path: no leading slash, "/" for the root.
func displayPath(_ parts: [String]) -> String { parts.isEmpty ? "/" : parts.joined(separator: "/") }

/// Whether the link `parts` exists below `loc`, checking each prefix in turn because
/// H5Lexists fails (rather than returning false) when an intermediate group is missing.
/// nil when HDF5 cannot tell (a damaged link table).
func linkStatus(_ loc: hid_t, _ parts: [String]) -> Bool? {
    var prefix = ""
    for p in parts {
        prefix += (prefix.isEmpty ? "" : "/") + p
        let r = H5Lexists(loc, prefix, dl_p_default())
        if r < 0 { return nil }
        if r == 0 { return false }
    }
    return true
}

/// `linkStatus` for code that created the file itself and so treats "cannot tell" as absent.
func linkExists(_ loc: hid_t, _ parts: [String]) -> Bool { linkStatus(loc, parts) == true }

/// The most specific message on HDF5's error stack (e.g. "truncated file: eof = 84538, ..."),
/// to append to our own message. Call right after the failing HDF5 call: the next call
/// clears the stack.
func hdf5ErrorDetail() -> String? {
    var messages: [String] = []
    withUnsafeMutablePointer(to: &messages) { ptr in
        _ = H5Ewalk2(dl_e_default(), H5E_WALK_UPWARD, { _, err, data in
            let list = data!.assumingMemoryBound(to: [String].self)
            if let desc = err?.pointee.desc { list.pointee.append(String(cString: desc)) }
            return 0
        }, ptr)
    }
    return messages.first { !$0.isEmpty }
}

/// "; HDF5 says: <detail>" from the error stack, or "".
func hdf5DetailSuffix() -> String { hdf5ErrorDetail().map { "; HDF5 says: \($0)" } ?? "" }

/// A variable-length UTF-8 string type (h5py reads it as `str`). Caller closes it.
func makeVLStringType() -> hid_t {
    let t = H5Tcopy(dl_c_s1())
    H5Tset_size(t, dl_variable())
    H5Tset_cset(t, H5T_CSET_UTF8)
    return t
}

/// A dataspace for `shape`: scalar for rank 0, simple otherwise. Caller closes it.
func makeDataspace(_ shape: [Int]) -> hid_t {
    if shape.isEmpty { return H5Screate(H5S_SCALAR) }
    let dims = shape.map { hsize_t($0) }
    return dims.withUnsafeBufferPointer { H5Screate_simple(Int32(dims.count), $0.baseAddress, nil) }
}

/// The extent of a dataspace (`[]` for scalar), or nil on failure.
func dataspaceShape(_ space: hid_t) -> [Int]? {
    let rank = H5Sget_simple_extent_ndims(space)
    if rank < 0 { return nil }
    if rank == 0 { return [] }
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    if H5Sget_simple_extent_dims(space, &dims, nil) < 0 { return nil }
    return dims.map { Int($0) }
}

/// Run `body` with an array of C string pointers for `strings`; the pointers live only
/// for the duration of the call. Strings with NUL bytes cannot be stored as C strings.
func withCStringArray<R>(_ strings: [String], file: String, object: String,
                         _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) throws -> R) throws -> R {
    var ptrs = [UnsafeMutablePointer<CChar>?]()
    ptrs.reserveCapacity(max(strings.count, 1))
    defer { for p in ptrs { free(p) } }
    for (i, s) in strings.enumerated() {
        if s.utf8.contains(0) {
            throw ArtifactError(file: file, object: object, "string \(i) contains a NUL byte, which HDF5 strings cannot hold")
        }
        ptrs.append(strdup(s))
    }
    if ptrs.isEmpty { ptrs.append(nil) }  // a valid base address even for zero strings
    return try ptrs.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
}

/// Read `count` strings of the string type `fileType` via `read(memType, buffer)`, which
/// wraps H5Dread or H5Aread. Handles both variable-length strings (what distlab writes)
/// and fixed-length ones (what some other tools write). Returns nil if the read fails.
func readStrings(fileType: hid_t, space: hid_t, count: Int,
                 _ read: (hid_t, UnsafeMutableRawPointer) -> herr_t) -> [String]? {
    let memType = H5Tcopy(fileType)
    defer { H5Tclose(memType) }
    if count == 0 { return [] }
    if H5Tis_variable_str(fileType) > 0 {
        var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        let ok = ptrs.withUnsafeMutableBufferPointer { buf -> Bool in
            guard read(memType, UnsafeMutableRawPointer(buf.baseAddress!)) >= 0 else { return false }
            return true
        }
        guard ok else { return nil }
        let out = ptrs.map { $0.map { String(cString: $0) } ?? "" }
        ptrs.withUnsafeMutableBufferPointer { buf in
            _ = H5Dvlen_reclaim(memType, space, dl_p_default(), UnsafeMutableRawPointer(buf.baseAddress!))
        }
        return out
    }
    let size = H5Tget_size(fileType)
    guard size > 0 else { return nil }
    var bytes = [UInt8](repeating: 0, count: count * size)
    let ok = bytes.withUnsafeMutableBytes { read(memType, $0.baseAddress!) >= 0 }
    guard ok else { return nil }
    return (0..<count).map { i in
        let slice = bytes[(i * size)..<((i + 1) * size)]
        let end = slice.firstIndex(of: 0) ?? slice.endIndex
        return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
    }
}
