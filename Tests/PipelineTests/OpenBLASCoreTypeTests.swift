import TestSupport
import Foundation
import XCTest

/// scripts/openblas-coretype.sh picks OpenBLAS's kernel family from the CPU flags, and a stage run
/// without OPENBLAS_CORETYPE warns about OpenBLAS's SSE3 fallback only when it starts work.
final class OpenBLASCoreTypeTests: XCTestCase {
    func coreType(flags: String) throws -> String {
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let info = dir + "/cpuinfo"
        try "processor\t: 0\nflags\t\t: \(flags)\nprocessor\t: 1\nflags\t\t: \(flags)\n".write(toFile: info, atomically: true, encoding: .utf8)
        let r = try Stages.runExecutable(TestPaths.packageRoot.appendingPathComponent("scripts/openblas-coretype.sh"), [info])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testCoreTypeFollowsTheInstructionSets() throws {
        XCTAssertEqual(try coreType(flags: "fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl"), "SkylakeX")
        // AVX-512 without the subsets the SkylakeX kernels use (e.g. Knights Landing has no BW/VL).
        XCTAssertEqual(try coreType(flags: "fpu sse2 avx avx2 fma avx512f avx512cd"), "Haswell")
        XCTAssertEqual(try coreType(flags: "fpu sse2 avx avx2 fma"), "Haswell")
        // Flags are matched as whole words.
        XCTAssertEqual(try coreType(flags: "fpu sse2 avx avx2x fmax"), "")
        XCTAssertEqual(try coreType(flags: "fpu sse2 sse4_2"), "")
    }

    func testFallbackWarningOnlyWhenAStageStartsWork() throws {
        // --help of a command with subcommands never warns, whatever OpenBLAS chose.
        let help = try Stages.run("prepare-splits", ["--help"], unset: ["OPENBLAS_CORETYPE"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertFalse(help.stderr.contains("OpenBLAS"), help.stderr)
        // A kernel family the user set is never second-guessed.
        let set = try Stages.run("evaluate", ["oracle", "--splits", "/nonexistent/splits.h5", "--output", "/nonexistent/o.h5", "--seeds", "1"],
                                 environment: ["OPENBLAS_CORETYPE": "Prescott"])
        XCTAssertNotEqual(set.status, 0)
        XCTAssertFalse(set.stderr.contains("warning: OpenBLAS"), set.stderr)
    }
}
