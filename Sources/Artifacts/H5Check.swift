import CHDF5
public func _h5Linked() -> Int64 { Int64(dl_native_float()) }
