import Numerics

/// Paper B's "Oracle" baseline for one context: split the human answers into two disjoint halves
/// at random and measure the TVD between the halves' distributions.
///
/// Exact procedure (seeded, reproducible with NumPy's legacy generator):
///   1. `answers` is the multiset of human answers in a fixed order (e.g. `ClozeContext
///      .expandedResponses`: file order, each answer repeated `count` times).
///   2. If the count is odd, remove the element at index `rng.randint(0, n)`.
///   3. `perm = rng.permutation(m)` (m even); first half = elements at perm[0..<m/2], second half =
///      elements at perm[m/2..<m].
///   4. Return TVD(first half, second half).
/// In Python:
///     rng = np.random.RandomState(seed); a = list(answers)
///     if len(a) % 2: del a[rng.randint(0, len(a))]
///     perm = rng.permutation(len(a)); h = len(a) // 2
///     first = [a[i] for i in perm[:h]]; second = [a[i] for i in perm[h:]]
/// Throws when fewer than two answers remain.
public func oracleHalves(_ answers: [String], rng: inout NumpyRandomState) throws -> (first: [String], second: [String]) {
    var a = answers
    if a.count % 2 == 1 { a.remove(at: rng.randint(low: 0, high: a.count)) }
    if a.count < 2 { throw MetricsError.tooFewValues(what: "oracle split", needed: 2, found: answers.count) }
    let perm = rng.permutation(a.count)
    let h = a.count / 2
    return (perm[0..<h].map { a[$0] }, perm[h...].map { a[$0] })
}

/// Oracle TVD of one context with the caller's generator (advance one generator over contexts in a
/// fixed order for a whole run).
public func oracleTVD(_ answers: [String], rng: inout NumpyRandomState) throws -> Double {
    let (first, second) = try oracleHalves(answers, rng: &rng)
    return try totalVariationDistance(WordDistribution(samples: first), WordDistribution(samples: second))
}

/// Oracle TVD of one context with a fresh `RandomState(seed)`.
public func oracleTVD(_ answers: [String], seed: UInt32) throws -> Double {
    var rng = NumpyRandomState(seed: seed)
    return try oracleTVD(answers, rng: &rng)
}
