// swift-tools-version:6.0
import Foundation
import PackageDescription

// Release builds run the numerical hot loops; -Ounchecked drops bounds checks and
// -target-cpu haswell enables AVX2/FMA/F16C (a baseline x86-64 build ran SIMD code and
// Float16 conversion 18-50x slower on this machine).
let fastFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"], .when(configuration: .release)),
    .unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .debug)),
]

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

func library(_ name: String, _ deps: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: deps, swiftSettings: fastFlags)
}

func stage(_ name: String) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["StageKit", "Numerics", "Artifacts", "Tokenizers", "ModelIO", "Models", "Training",
                       "Datasets", "Metrics", "Methods", "Plots", argumentParser],
        path: "Sources/\(name)", swiftSettings: fastFlags)
}

func tests(_ name: String, _ deps: [Target.Dependency]) -> Target {
    // Test data files live in each test target's Fixtures/ folder and are read via #filePath.
    let fixtures = FileManager.default.fileExists(atPath: "\(Context.packageDirectory)/Tests/\(name)/Fixtures")
    return .testTarget(name: name, dependencies: deps + ["TestSupport"], exclude: fixtures ? ["Fixtures"] : [],
                       swiftSettings: fastFlags)
}

let package = Package(
    name: "distlab",
    platforms: [.macOS(.v13)],
    products: ["prepare-splits", "infer", "finetune", "probe", "evaluate", "report"].map {
        .executable(name: $0, targets: [$0])
    },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // System libraries: OpenBLAS (cblas + lapack) and serial HDF5 1.10.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),

        // Library modules, by concern.
        library("Numerics", ["CBLAS"]),
        library("Artifacts", ["CHDF5", "Numerics"]),
        library("Tokenizers", ["ModelIO"]),
        library("ModelIO", ["Numerics"]),
        library("Models", ["Numerics", "ModelIO", "Tokenizers"]),
        library("Training", ["Numerics", "ModelIO", "Models", "Tokenizers"]),
        library("Datasets", ["Numerics"]),
        library("Metrics", ["Numerics"]),
        library("Methods", ["Numerics", "Metrics", "Models", "Tokenizers"]),
        library("Plots", ["Metrics"]),
        library("StageKit", ["Numerics", "Artifacts", "Datasets", .product(name: "Yams", package: "Yams"), argumentParser]),

        // The six pipeline stages: thin executables over the library.
        stage("prepare-splits"),
        stage("infer"),
        stage("finetune"),
        stage("probe"),
        stage("evaluate"),
        stage("report"),

        // Where every test target finds the models, the reference files and the datasets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        tests("NumericsTests", ["Numerics"]),
        tests("ArtifactsTests", ["Artifacts", "Numerics"]),
        tests("TokenizersTests", ["Tokenizers", "ModelIO"]),
        tests("ModelIOTests", ["ModelIO", "Numerics"]),
        tests("ModelsTests", ["Models", "ModelIO", "Tokenizers", "Numerics"]),
        tests("TrainingTests", ["Training", "Models", "ModelIO", "Numerics"]),
        tests("DatasetsTests", ["Datasets", "Numerics"]),
        tests("MetricsTests", ["Metrics", "Numerics"]),
        tests("MethodsTests", ["Methods", "Metrics", "Numerics"]),
        tests("PlotsTests", ["Plots", "Metrics"]),
        tests("StageKitTests", ["StageKit", "Artifacts", "Datasets"]),
        tests("PipelineTests", ["StageKit", "Artifacts", "Datasets", "Metrics", "Methods", "Models", "ModelIO", "Tokenizers", "Numerics", "Training"]),
    ],
    swiftLanguageModes: [.v5]
)
