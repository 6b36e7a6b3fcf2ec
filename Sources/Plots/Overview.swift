import Foundation

// Plots: everything the `report` stage needs to turn numbers into files, with no dependencies.
//
//   CSV            CSVTable (RFC 4180 writer/reader, errors as file:line), formatFixed/formatTrimmed
//                  (locale-free number text).
//   Published      PublishedTable.loadDirectory("data/published") reads paperA.csv/paperB.csv into
//                  NumberCell values keyed by CellKey (paper/table/row/column);
//                  LabelMapping.load(".../mapping.csv") renames our model/dataset labels to the paper's;
//                  diffAgainstPublished(ours:published:mapping:) -> PublishedDiff (csv(), missingCSV()).
//   Claims         ClaimSet.loadDirectory(...) reads claimsA/B.csv; evaluate(on:) judges each claim on
//                  our (mapped) numbers: held / not held / not evaluable; ClaimSet.resultsCSV(_:).
//   Statistics     histogramCounts, leastSquares (slope, intercept, r), meanAndSD, niceTicks, log2Ticks.
//   Charts         renderSVG(Chart) for .histogram / .scatter / .line / .bars, and
//                  renderSmallMultiples([Chart], columns:) for grids (e.g. one panel per seed).
//                  Same input -> same bytes; bad input throws PlotsError naming the chart and series.

/// Writes text (an SVG or CSV document) to `path` as UTF-8, replacing any existing file.
public func writeText(_ text: String, to path: String) throws {
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
        throw PlotsError.io(path: path, message: "cannot write: \(error.localizedDescription)")
    }
}
