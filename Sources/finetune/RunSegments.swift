import Artifacts
import Foundation
import StageKit

/// The invocations that made a training run, in order: the step each began at, with the code
/// version and BLAS setup it ran. A run resumed from its checkpoint (the next session on a kept
/// machine) may be continued by another commit or thread count, whose floats can differ in their
/// last bits from an uninterrupted run's; the finished artifact lists every invocation (root
/// attributes `segment_start_step`, `segment_code_version`, `segment_compute`), and `report`'s
/// provenance.csv shows the runs made by more than one.
struct RunSegments: Codable, Equatable {
    struct Segment: Codable, Equatable {
        var startStep: Int
        var codeVersion: String
        var compute: String
    }
    var segments: [Segment] = []

    /// What a checkpoint written before invocations were recorded says of its steps.
    static let unrecorded = "unrecorded"

    /// The segments of a run resuming at `step` from a checkpoint's log (nil: a checkpoint from
    /// before they were recorded, or a fresh run), with this invocation's begun.
    static func resuming(_ recorded: RunSegments?, atStep step: Int, ctx: StageContext) -> RunSegments {
        var s = recorded ?? RunSegments(segments: step > 0 ? [Segment(startStep: 0, codeVersion: unrecorded, compute: unrecorded)] : [])
        let p = ctx.provenance()
        s.begin(atStep: step, codeVersion: p.codeVersion, compute: p.compute ?? "")
        return s
    }

    /// Begins an invocation at `step`; segments that began at or after it are dropped (their steps
    /// were not in the checkpoint this invocation resumes from).
    mutating func begin(atStep step: Int, codeVersion: String, compute: String) {
        segments.removeAll { $0.startStep >= step }
        segments.append(Segment(startStep: step, codeVersion: codeVersion, compute: compute))
    }

    func write(to w: ArtifactWriter) throws {
        try w.setAttribute("segment_start_step", .ints(segments.map(\.startStep)))
        try w.setAttribute("segment_code_version", .strings(segments.map(\.codeVersion)))
        try w.setAttribute("segment_compute", .strings(segments.map(\.compute)))
    }
}
