/// The linear layers LoRA can adapt, under their Hugging Face (PEFT `target_modules`) names,
/// with the matching GGUF tensor names (blk.N.<gguf>.weight).
public enum LoRATarget: String, CaseIterable, Sendable {
    case qProj = "q_proj", kProj = "k_proj", vProj = "v_proj", oProj = "o_proj"
    case gateProj = "gate_proj", upProj = "up_proj", downProj = "down_proj"

    public var ggufName: String {
        switch self {
        case .qProj: return "attn_q"
        case .kProj: return "attn_k"
        case .vProj: return "attn_v"
        case .oProj: return "attn_output"
        case .gateProj: return "ffn_gate"
        case .upProj: return "ffn_up"
        case .downProj: return "ffn_down"
        }
    }

    /// Accepts either spelling ("q_proj" or "attn_q"); throws on anything else.
    public init(name: String) throws {
        if let t = LoRATarget(rawValue: name) { self = t; return }
        if let t = LoRATarget.allCases.first(where: { $0.ggufName == name }) { self = t; return }
        throw TrainingError("unknown LoRA target module '\(name)' (expected one of \(LoRATarget.allCases.map(\.rawValue)) or their GGUF names)")
    }
}

/// LoRA hyper-parameters (paper B, Table 2: r = 8, α = 16, dropout 0.05, all seven projections).
public struct LoRAConfig: Sendable {
    public var rank: Int
    public var alpha: Float
    public var dropout: Float
    public var targets: [LoRATarget]
    public var seed: UInt64
    public init(rank: Int = 8, alpha: Float = 16, dropout: Float = 0.05,
                targets: [LoRATarget] = LoRATarget.allCases, seed: UInt64) throws {
        guard rank > 0 else { throw TrainingError("LoRA rank must be positive, got \(rank)") }
        guard dropout >= 0 && dropout < 1 else { throw TrainingError("LoRA dropout must be in [0, 1), got \(dropout)") }
        self.rank = rank; self.alpha = alpha; self.dropout = dropout; self.targets = targets; self.seed = seed
    }
    /// alpha / r, the factor applied to the adapter's output.
    public var scaling: Float { alpha / Float(rank) }
}
