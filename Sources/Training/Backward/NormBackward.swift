/// Backward of `rmsnormForward`: y = x · rstd · w with rstd = 1/sqrt(mean(x²) + eps) per row,
/// using the per-row `rstd` [T] the forward saved. Gradients accumulate (`+=`); `dweight` may be
/// nil for a frozen norm.
///   dx_i = rstd · (w_i g_i − x_i · rstd² · (1/C) Σ_j w_j g_j x_j)
public func rmsnormBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
                            dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                            rstd rstdRows: UnsafePointer<Float>, T: Int, C: Int) {
    for t in 0..<T {
        let x = inp + t * C, g = dout + t * C, dx = dinp + t * C
        let rstd = rstdRows[t]
        var dot: Float = 0
        for i in 0..<C { dot += weight[i] * g[i] * x[i] }
        let k = dot * rstd * rstd / Float(C)
        for i in 0..<C { dx[i] += rstd * (weight[i] * g[i] - x[i] * k) }
        if let dweight {
            for i in 0..<C { dweight[i] += g[i] * x[i] * rstd }
        }
    }
}

/// Backward of `layernormForward` (y = (x − mean)·rstd·w + b), using the per-row `mean` and
/// `rstd` the forward saved (llm.c convention). Gradients accumulate; dweight/dbias may be nil.
///   dx = rstd · (dn − mean(dn) − n · mean(dn·n)),  n = (x − mean)·rstd,  dn = w·g
public func layernormBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
                              dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                              inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, T: Int, C: Int) {
    for t in 0..<T {
        let x = inp + t * C, g = dout + t * C, dx = dinp + t * C
        let mu = mean[t], rs = rstd[t]
        var sumDn: Float = 0, sumDnN: Float = 0
        for i in 0..<C {
            let n = (x[i] - mu) * rs
            let dn = weight[i] * g[i]
            sumDn += dn
            sumDnN += dn * n
        }
        sumDn /= Float(C); sumDnN /= Float(C)
        for i in 0..<C {
            let n = (x[i] - mu) * rs
            dx[i] += rs * (weight[i] * g[i] - sumDn - n * sumDnN)
            dweight?[i] += g[i] * n
            dbias?[i] += g[i]
        }
    }
}
