// swift-tools-version:6.1
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
        // Metrics exposition (docs/decisions/0014-http-server-for-metrics.md).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The daemons' status server and their lifecycle. Hummingbird's default traits pull in
        // swift-configuration and full Foundation, which the two routes here do not need.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
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
        // What every long-running follower stands on: status server, stop/wait, retry, health.
        .target(name: "Daemon", dependencies: [
            "Telemetry",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
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
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Telemetry", "DaemonSelfTest", .product(name: "Logging", package: "swift-log")]),
        // A dummy blocking loop under the real DaemonRunner, started as a process by DaemonTests
        // (signals and exit codes are properties of a process). Not part of the `backfill` product.
        .executableTarget(name: "DaemonSelfTest", dependencies: ["Daemon", .product(name: "Logging", package: "swift-log")],
                          path: "Tests/DaemonSelfTest"),
        .testTarget(name: "CLITests", dependencies: ["BackfillCLI", "Backfill", "Kafka", "Postgres", "Operations", "TestSupport"]),
        .testTarget(name: "EmbeddingsTests", dependencies: ["Embeddings", "Backfill", "Kafka", "Postgres", "TestSupport"]),
        // The README and docs/ (links resolve, commands named exist) and scripts/install.sh.
        .testTarget(name: "DocsTests", dependencies: ["TestSupport"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
    ],
    swiftLanguageModes: [.v6]
)
