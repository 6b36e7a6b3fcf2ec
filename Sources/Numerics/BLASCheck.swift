import CBLAS
public func _blasLinked() -> Int32 { openblas_get_num_threads() }
