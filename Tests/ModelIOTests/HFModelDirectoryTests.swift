import TestSupport
import XCTest
import ModelIO
import Foundation

func makeDir(_ name: String) -> String {
    let dir = tempPath(name)
    try? FileManager.default.removeItem(atPath: dir)
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func writeText(_ s: String, _ path: String) throws { try s.write(toFile: path, atomically: true, encoding: .utf8) }

let llamaConfig = """
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8, "intermediate_size": 16,
 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 2, "rms_norm_eps": 1e-05,
 "rope_theta": 500000, "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
 "original_max_position_embeddings": 8192, "rope_type": "llama3"}, "vocab_size": 10, "max_position_embeddings": 131072,
 "tie_word_embeddings": true, "bos_token_id": 1, "eos_token_id": [2, 3], "sliding_window": null, "custom_thing": [1, 2]}
"""

final class HFModelDirectoryTests: XCTestCase {
    func testConfigFields() throws {
        let c = try HFConfig.parse(Data(llamaConfig.utf8), path: "config.json")
        XCTAssertEqual(c.modelType, "llama")
        XCTAssertEqual(c.architectures, ["LlamaForCausalLM"])
        XCTAssertEqual(c.hiddenSize, 8); XCTAssertEqual(c.intermediateSize, 16)
        XCTAssertEqual(c.numHiddenLayers, 2); XCTAssertEqual(c.numAttentionHeads, 4); XCTAssertEqual(c.numKeyValueHeads, 2)
        XCTAssertEqual(c.headDim, 2); XCTAssertEqual(c.rmsNormEps, 1e-5); XCTAssertEqual(c.normEps, 1e-5)
        XCTAssertEqual(c.ropeTheta, 500000)
        XCTAssertEqual(c.ropeScaling?.kind, "llama3"); XCTAssertEqual(c.ropeScaling?.factor, 32)
        XCTAssertEqual(c.ropeScaling?.lowFreqFactor, 1); XCTAssertEqual(c.ropeScaling?.highFreqFactor, 4)
        XCTAssertEqual(c.ropeScaling?.originalMaxPositionEmbeddings, 8192)
        XCTAssertEqual(c.vocabSize, 10); XCTAssertEqual(c.maxPositionEmbeddings, 131072)
        XCTAssertEqual(c.tieWordEmbeddings, true)
        XCTAssertEqual(c.bosTokenId, [1]); XCTAssertEqual(c.eosTokenId, [2, 3]); XCTAssertNil(c.padTokenId)
        XCTAssertNil(c.slidingWindow); XCTAssertNil(c.nEmbd)
        XCTAssertEqual(c.raw["custom_thing"] as? [Int], [1, 2])

        let gpt2 = try HFConfig.parse(Data(#"{"model_type":"gpt2","n_embd":768,"n_layer":12,"n_head":12,"n_positions":1024,"layer_norm_epsilon":1e-5,"activation_function":"gelu_new"}"#.utf8), path: "g")
        XCTAssertEqual(gpt2.nEmbd, 768); XCTAssertEqual(gpt2.nLayer, 12); XCTAssertEqual(gpt2.nHead, 12)
        XCTAssertEqual(gpt2.nPositions, 1024); XCTAssertEqual(gpt2.normEps, 1e-5); XCTAssertEqual(gpt2.activationFunction, "gelu_new")

        let gemma = try HFConfig.parse(Data(#"{"model_type":"gemma3_text","sliding_window":512,"query_pre_attn_scalar":256,"rope_local_base_freq":10000.0,"layer_types":["sliding_attention","full_attention"],"hidden_activation":"gelu_pytorch_tanh"}"#.utf8), path: "g")
        XCTAssertEqual(gemma.slidingWindow, 512); XCTAssertEqual(gemma.queryPreAttnScalar, 256)
        XCTAssertEqual(gemma.ropeLocalBaseFreq, 10000); XCTAssertEqual(gemma.layerTypes?.count, 2)
        XCTAssertEqual(gemma.hiddenActivation, "gelu_pytorch_tanh")

        let qwen = try HFConfig.parse(Data(#"{"model_type":"qwen2","use_sliding_window":false,"max_window_layers":21,"attention_bias":true,"rope_scaling":{"type":"linear","factor":2},"eos_token_id":null}"#.utf8), path: "q")
        XCTAssertEqual(qwen.useSlidingWindow, false); XCTAssertEqual(qwen.maxWindowLayers, 21); XCTAssertEqual(qwen.attentionBias, true)
        XCTAssertEqual(qwen.ropeScaling?.kind, "linear"); XCTAssertEqual(qwen.ropeScaling?.factor, 2); XCTAssertNil(qwen.eosTokenId)

        assertThrows(try HFConfig.parse(Data(#"{"hidden_size": "big"}"#.utf8), path: "cfg.json"), contains: ["cfg.json", "hidden_size"])
        assertThrows(try HFConfig.parse(Data(#"{"rope_scaling": {"factor": "x"}}"#.utf8), path: "cfg.json"), contains: ["rope_scaling.factor"])
        assertThrows(try HFConfig.parse(Data(#"{"eos_token_id": "</s>"}"#.utf8), path: "cfg.json"), contains: ["eos_token_id"])
        assertThrows(try HFConfig.parse(Data("{not json".utf8), path: "cfg.json"), contains: ["cfg.json", "not a JSON object"])
    }

    func testSingleFileDirectory() throws {
        let dir = makeDir("hf-single")
        try writeText(llamaConfig, dir + "/config.json")
        try writeText("{}", dir + "/tokenizer.json")
        try SafetensorsWriter.write([.init(name: "model.embed_tokens.weight", shape: [10, 8], dtype: .bf16, values: (0..<80).map { Float($0) }),
                                     .init(name: "model.norm.weight", shape: [8], values: [Float](repeating: 1, count: 8))],
                                    to: dir + "/model.safetensors")
        let m = try HFModelDirectory(path: dir)
        XCTAssertEqual(m.config.hiddenSize, 8)
        XCTAssertEqual(m.tokenizerPath, dir + "/tokenizer.json")
        XCTAssertEqual(m.tensorNames, ["model.norm.weight", "model.embed_tokens.weight"])   // file data order: F32 before BF16
        XCTAssertEqual(try m.floats("model.embed_tokens.weight", shape: [10, 8]), (0..<80).map { Float($0) })
        assertThrows(try m.floats("lm_head.weight"), contains: [dir, "missing tensor lm_head.weight"])

        let empty = makeDir("hf-empty")
        try writeText("{}", empty + "/config.json")
        assertThrows(try HFModelDirectory(path: empty), contains: [empty, "no *.safetensors"])
        let noConfig = makeDir("hf-noconfig")
        assertThrows(try HFModelDirectory(path: noConfig), contains: ["config.json"])
    }

    func testShardedDirectory() throws {
        let dir = makeDir("hf-sharded")
        try writeText(llamaConfig, dir + "/config.json")
        try SafetensorsWriter.write([.init(name: "a", shape: [2], values: [1, 2]), .init(name: "b", shape: [1], values: [3])],
                                    to: dir + "/model-00001-of-00002.safetensors")
        try SafetensorsWriter.write([.init(name: "c", shape: [1, 2], dtype: .f16, values: [4, 5])],
                                    to: dir + "/model-00002-of-00002.safetensors")
        let index = #"{"metadata":{"total_size":16},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors","c":"model-00002-of-00002.safetensors"}}"#
        try writeText(index, dir + "/model.safetensors.index.json")
        let m = try HFModelDirectory(path: dir)
        XCTAssertNil(m.tokenizerPath)
        XCTAssertEqual(m.files.count, 2)
        XCTAssertEqual(m.tensorNames, ["a", "b", "c"])
        XCTAssertEqual(try m.floats("c"), [4, 5]); XCTAssertEqual(try m.shape(of: "c"), [1, 2])
        XCTAssertEqual(try m.floats("b"), [3])

        // The index names a tensor its shard does not hold.
        try writeText(#"{"weight_map":{"a":"model-00001-of-00002.safetensors","d":"model-00002-of-00002.safetensors"}}"#,
                      dir + "/model.safetensors.index.json")
        assertThrows(try HFModelDirectory(path: dir), contains: ["model-00002-of-00002.safetensors", "missing tensor d"])
        // The index names a shard that does not exist.
        try writeText(#"{"weight_map":{"a":"model-00009.safetensors"}}"#, dir + "/model.safetensors.index.json")
        assertThrows(try HFModelDirectory(path: dir), contains: ["model-00009.safetensors", "cannot open"])
        // Bad index JSON.
        try writeText(#"{"weight_map": 3}"#, dir + "/model.safetensors.index.json")
        assertThrows(try HFModelDirectory(path: dir), contains: ["model.safetensors.index.json", "weight_map"])
        // The same tensor in two shards.
        try SafetensorsWriter.write([.init(name: "a", shape: [1], values: [9])], to: dir + "/model-00002-of-00002.safetensors")
        try writeText(index, dir + "/model.safetensors.index.json")
        assertThrows(try HFModelDirectory(path: dir), contains: ["tensor a also in"])
    }

    /// The real all-MiniLM-L6-v2 (BERT) directory: 103 F32 tensors and one I64 buffer.
    func testMiniLM() throws {
        let dir = TestPaths.models + "/all-MiniLM-L6-v2"
        guard FileManager.default.fileExists(atPath: dir + "/model.safetensors") else { throw XCTSkip("\(dir) not present") }
        let m = try HFModelDirectory(path: dir)
        XCTAssertEqual(m.tensorNames.count, 104)
        XCTAssertEqual(m.tensorNames.first, "embeddings.position_ids")
        XCTAssertEqual(try m.shape(of: "encoder.layer.0.attention.self.query.weight"), [384, 384])
        XCTAssertEqual(m.config.modelType, "bert")
        XCTAssertEqual(m.config.hiddenSize, 384); XCTAssertEqual(m.config.numHiddenLayers, 6)
        XCTAssertEqual(m.config.numAttentionHeads, 12); XCTAssertEqual(m.config.intermediateSize, 1536)
        XCTAssertEqual(m.config.layerNormEps, 1e-12); XCTAssertEqual(m.config.vocabSize, 30522)
        XCTAssertEqual(m.config.typeVocabSize, 2); XCTAssertEqual(m.config.hiddenAct, "gelu")
        XCTAssertNotNil(m.tokenizerPath)
        // First values and sum, read independently with numpy.
        let e = try m.floats("embeddings.word_embeddings.weight", shape: [30522, 384])
        XCTAssertEqual(Array(e.prefix(3)).map(\.bitPattern), [3164848128, 3143565312, 3161489408])
        XCTAssertEqual(e.reduce(0.0) { $0 + Double($1) }, 138.05072214923618, accuracy: 1e-6)
        let b = try m.floats("encoder.layer.5.output.LayerNorm.bias")
        XCTAssertEqual(Array(b.prefix(3)).map(\.bitPattern), [3172251409, 1032290766, 1014292542])
        assertThrows(try m.floats("embeddings.position_ids"), contains: ["model.safetensors", "embeddings.position_ids", "I64"])
    }
}
