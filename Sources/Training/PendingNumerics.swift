// TEMPORARY: the forward kernels' shared types live in Numerics (branch `models`). Until that
// branch lands, the layout enum is declared here so the RoPE backward compiles; delete this
// file on `git merge models`.

/// Which channels RoPE rotates together: `.interleaved` pairs (2i, 2i+1) (GGUF llama, whose q/k
/// rows are permuted at conversion), `.neox` pairs (i, i + headDim/2) (Gemma, Qwen, HF layout).
public enum RopeLayout: Sendable { case interleaved, neox }
