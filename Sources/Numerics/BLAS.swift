import CBLAS

// Thin, named-argument wrappers over OpenBLAS. Everything is row-major; a matrix argument is a
// pointer plus its leading dimension (the distance in floats between consecutive rows), so
// sub-blocks of larger buffers (one attention head inside [T, nHeads*headDim]) can be passed
// without copying.

/// C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C, row-major.
/// `transA`: A is stored [K, M] (lda ≥ M) instead of [M, K] (lda ≥ K); likewise `transB`:
/// B stored [N, K] (ldb ≥ K) instead of [K, N] (ldb ≥ N). A linear layer y = x·Wᵀ with W [out, in]
/// is `sgemm(transB: true, M: T, N: out, K: in, A: x, lda: in, B: W, ldb: in, C: y, ldc: out)`.
@inlinable
public func sgemm(transA: Bool = false, transB: Bool = false, M: Int, N: Int, K: Int, alpha: Float = 1,
                  A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, C: UnsafeMutablePointer<Float>, ldc: Int) {
    if M == 0 || N == 0 { return }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(M), Int32(N), Int32(K), alpha, A, Int32(lda), B, Int32(ldb), beta, C, Int32(ldc))
}

/// y[M or N] = alpha · op(A) · x + beta · y for a row-major A[M, N] (leading dimension lda ≥ N).
/// `trans: false` gives y[M] = A·x with x[N]; `trans: true` gives y[N] = Aᵀ·x with x[M].
@inlinable
public func sgemv(trans: Bool = false, M: Int, N: Int, alpha: Float = 1, A: UnsafePointer<Float>, lda: Int,
                  x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
    if M == 0 || N == 0 { return }
    cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(M), Int32(N), alpha, A, Int32(lda),
                x, 1, beta, y, 1)
}

/// Number of threads OpenBLAS uses (set with OPENBLAS_NUM_THREADS or `setBLASThreads`).
public var blasThreads: Int { Int(openblas_get_num_threads()) }

/// Sets the OpenBLAS thread count for this process.
public func setBLASThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

/// The OpenBLAS kernel family in use (e.g. "Haswell"; "Prescott" means OpenBLAS did not
/// recognise the CPU and fell back to SSE3 kernels — set OPENBLAS_CORETYPE).
public func openBLASCore() -> String {
    guard let p = openblas_get_corename() else { return "unknown" }
    return String(cString: p)
}
