import Foundation
import XCTest
import ModelIO
import Tokenizers

final class ChatTemplateTests: XCTestCase {
    let question: [ChatMessage] = [.user("What is 2+2?")]
    let dialogue: [ChatMessage] = [.system("Be brief."), .user("Hi"), .assistant(" Hello! "), .user("Bye")]

    func testSmolLM2ChatML() throws {
        let tok = try Fixtures.tokenizer(ModelTokenizerTests.smol)
        let t = try ChatTemplate.detect(for: tok)
        XCTAssertEqual(t, .chatML(defaultSystem: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
        XCTAssertEqual(try t.format(question, addGenerationPrompt: true),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n" +
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(try t.format(dialogue, addGenerationPrompt: false),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n" +
            "<|im_start|>assistant\n Hello! <|im_end|>\n<|im_start|>user\nBye<|im_end|>\n")
        let ids = tok.encode(try t.format(question, addGenerationPrompt: true), addBOS: nil, parseSpecial: true)
        XCTAssertEqual(ids.filter { $0 == 1 }.count, 3)  // three <|im_start|>
        XCTAssertEqual(ids.filter { $0 == 2 }.count, 2)  // two <|im_end|>
    }

    func testQwenChatML() throws {
        let tok = try Fixtures.tokenizer(ModelTokenizerTests.qwen)
        let t = try ChatTemplate.detect(for: tok)
        XCTAssertEqual(t, .chatML(defaultSystem: "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."))
        XCTAssertEqual(try t.format(question, addGenerationPrompt: true),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n")
        let ids = tok.encode(try t.format(question, addGenerationPrompt: true), addBOS: nil, parseSpecial: true)
        XCTAssertEqual(ids.first, 151644)
        XCTAssertEqual(Array(ids.suffix(3)), [151644, 77091, 198])  // <|im_start|> assistant \n
    }

    func testGemma() throws {
        let tok = try Fixtures.tokenizer(ModelTokenizerTests.gemma)
        XCTAssertNil(tok.chatTemplate)
        XCTAssertThrowsError(try ChatTemplate.detect(for: tok))
        let t = try ChatTemplate.detect(for: tok, architecture: "gemma3")
        XCTAssertEqual(t, .gemma)
        XCTAssertEqual(try t.format(question, addGenerationPrompt: true),
                       "<bos><start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n")
        XCTAssertEqual(try t.format(dialogue, addGenerationPrompt: true),
            "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n" +
            "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n")
        XCTAssertThrowsError(try t.format([.user("a"), .user("b")], addGenerationPrompt: true))
        let ids = tok.encode(try t.format(question, addGenerationPrompt: true), addBOS: false, parseSpecial: true)
        XCTAssertEqual(ids.first, 2)
        XCTAssertEqual(ids[1], tok.id(of: "<start_of_turn>"))
        XCTAssertEqual(ids.filter { $0 == 2 }.count, 1)
    }

    func testLlama3() throws {
        let t30 = try ChatTemplate.detect(template: "{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>{% endfor %}")
        XCTAssertEqual(t30, .llama3(dateHeader: nil))
        XCTAssertEqual(try t30.format([.system("Be brief."), .user(" Hi\n")], addGenerationPrompt: true),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        let t31 = try ChatTemplate.detect(template: "<|start_header_id|>system<|end_header_id|> Cutting Knowledge Date: December 2023")
        XCTAssertEqual(try t31.format(question, addGenerationPrompt: false),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n" +
            "Today Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>")
        // The Llama-3 vocabulary parses the written-out specials.
        let tok = try Fixtures.tokenizer(Fixtures.tokenizerVectors + "/ggml-vocab-llama-bpe.gguf")
        let ids = tok.encode(try t30.format(question, addGenerationPrompt: true), addBOS: false, parseSpecial: true)
        XCTAssertEqual(Array(ids.prefix(2)), [128000, 128006])
    }

    func testMistral() throws {
        let t = try ChatTemplate.detect(template: "{{ bos_token }}{% for message in messages %}[INST] {{ message['content'] }}[/INST]{% endfor %}")
        XCTAssertEqual(t, .mistral)
        XCTAssertEqual(try t.format(dialogue, addGenerationPrompt: true),
                       "<s>[INST] Hi[/INST] Hello!</s>[INST] Be brief.\n\nBye[/INST]")
        XCTAssertThrowsError(try t.format([.assistant("x")], addGenerationPrompt: true))
    }

    func testUnknownTemplateIsAnError() {
        XCTAssertThrowsError(try ChatTemplate.detect(template: "{{ messages[0]['content'] }} ### Response:")) { e in
            XCTAssertTrue("\(e)".contains("unsupported chat template"))
        }
        XCTAssertThrowsError(try ChatTemplate.chatML(defaultSystem: nil).format([.init(role: "tool", content: "x")], addGenerationPrompt: false))
    }
}
