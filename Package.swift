// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "backfill",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "backfill", targets: ["BackfillCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        // Prometheus registry and text exposition (the Telemetry target).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Thin module maps over Debian's -dev packages: the only places C headers enter.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),

        .target(name: "Kafka", dependencies: ["CRdKafka"]),
        .target(name: "Display"),
        .target(name: "Postgres", dependencies: ["CLibPQ", "Display"]),
        .target(name: "Zstd", dependencies: ["CZstd"]),
        .target(name: "Lifestream"),
        .target(name: "Pipeline"),
        .target(name: "Backfill", dependencies: [
            "Kafka", "Postgres", "Lifestream", "Pipeline", "Display",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Reconcile", dependencies: [
            "Postgres", "Lifestream", "Kafka", "Snapshot", "Pipeline", "Display",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Snapshot", dependencies: [
            "Postgres", "Zstd", "Lifestream", "Pipeline", "Display",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Embeddings", dependencies: [
            "Kafka", "Postgres", "Lifestream", "Backfill", "Pipeline", "Display",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "LegacyCleanup", dependencies: [
            "Kafka", "Postgres", "Lifestream", "Backfill", "Reconcile", "Snapshot", "Display",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Prometheus registry and text exposition: the nightly's textfile and the daemons' /metrics.
        .target(name: "Telemetry", dependencies: [.product(name: "Prometheus", package: "swift-prometheus")]),
        .target(name: "Operations", dependencies: ["Display", "Telemetry", .product(name: "Prometheus", package: "swift-prometheus")]),
        .executableTarget(name: "BackfillCLI", dependencies: [
            "Kafka", "Postgres", "Zstd", "Lifestream", "Backfill", "Reconcile", "Snapshot", "LegacyCleanup", "Operations", "Embeddings", "Display",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "ZstdTests", dependencies: ["Zstd"]),
        .testTarget(name: "DisplayTests", dependencies: ["Display"]),
        .testTarget(name: "LifestreamTests", dependencies: ["Lifestream", "TestSupport"]),
        .testTarget(name: "BackfillTests", dependencies: ["Backfill", "Kafka", "Postgres", "Lifestream", "TestSupport"]),
        .testTarget(name: "ReconcileTests", dependencies: ["Reconcile", "Backfill", "Postgres", "Lifestream", "Kafka", "Snapshot", "TestSupport"]),
        .testTarget(name: "SnapshotTests", dependencies: ["Snapshot", "Postgres", "Zstd", "Lifestream", "TestSupport"]),
        .testTarget(name: "LegacyCleanupTests", dependencies: ["LegacyCleanup", "Backfill", "Kafka", "Postgres", "Lifestream", "Snapshot", "TestSupport"]),
        .testTarget(name: "OperationsTests", dependencies: ["Operations"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", .product(name: "Prometheus", package: "swift-prometheus")]),
        .testTarget(name: "CLITests", dependencies: ["BackfillCLI", "Backfill", "Kafka", "Postgres", "Operations", "TestSupport"]),
        .testTarget(name: "EmbeddingsTests", dependencies: ["Embeddings", "Backfill", "Kafka", "Postgres", "TestSupport"]),
        // The README and docs/ (links resolve, commands named exist) and scripts/install.sh.
        .testTarget(name: "DocsTests", dependencies: ["TestSupport"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
    ],
    swiftLanguageModes: [.v6]
)
