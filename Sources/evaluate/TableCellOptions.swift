import ArgumentParser
import StageKit

/// Where an evaluation's summary goes in paper B's tables: the row (a table row such as
/// "FT (Mul. labels)") and the column (our model label). Shared by `evaluate tvd` and `evaluate qa`.
struct TableCellOptions: ParsableArguments {
    @Option(help: "Paper B table row (default: from the samples' variant attribute).")
    var row: String?
    @Option(help: "Table column, our model label (default: the samples' model_label).")
    var column: String?

    /// Paper B's table rows, and the variant names `infer sample` may use for them.
    static let tableRows = ["Base", "1-Shot", "FT (Orig. corpus)", "FT (Maj. label)", "FT (Mul. labels)"]
    static let variantAliases = ["base": "Base", "1-shot": "1-Shot", "one-shot": "1-Shot", "1shot": "1-Shot",
                                 "ft-orig": "FT (Orig. corpus)", "ft-maj": "FT (Maj. label)", "ft-mul": "FT (Mul. labels)"]

    /// --row, else the samples' variant if it is a table row, else a known alias of one; `path`
    /// names the samples file in the error.
    func resolveRow(variant: String, path: String) throws -> String {
        if let r = row { return r }
        if Self.tableRows.contains(variant) { return variant }
        if let r = Self.variantAliases[variant.lowercased()] { return r }
        throw StageError.usage("\(path): variant '\(variant)' is not a paper B table row (\(Self.tableRows.joined(separator: ", "))); pass --row")
    }

    /// --column, else the samples' model label.
    func resolveColumn(modelLabel: String) -> String { column ?? modelLabel }
}
