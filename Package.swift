// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "backfill",
    // macOS 15: the standard library's `Mutex` (Synchronization), the one lock the code uses.
    platforms: [.macOS(.v15)],
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
        // The embedding service's HTTP(S) client (docs/decisions/0015-async-http-client.md).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // Thin module maps over Debian's -dev packages: the only places C headers enter.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),

        // Hides secrets in connection strings, settings and messages; below everything that prints.
        .target(name: "Redaction"),
        .target(name: "Kafka", dependencies: ["CRdKafka", "Redaction"]),
        .target(name: "Display"),
        .target(name: "Postgres", dependencies: ["CLibPQ", "Display", "Redaction"]),
        .target(name: "Zstd", dependencies: ["CZstd"]),
        .target(name: "Lifestream"),
        .target(name: "Pipeline"),
        // The shared vocabulary below every feature: the output tables and their encoders, the
        // versioned state schema, planning and checkpoints, the table catalog and session
        // settings, the writers' locks, and the snapshot format.
        .target(name: "Store", dependencies: [
            "Kafka", "Postgres", "Zstd", "Lifestream", "Display", "Redaction",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Backfill", dependencies: [
            "Store", "Kafka", "Postgres", "Lifestream", "Pipeline", "Display", "Daemon", "Telemetry",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Reconcile", dependencies: [
            "Store", "Postgres", "Lifestream", "Kafka", "Pipeline", "Display", "Telemetry",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Snapshot", dependencies: [
            "Store", "Postgres", "Zstd", "Pipeline", "Display",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Embeddings", dependencies: [
            "Store", "Kafka", "Postgres", "Lifestream", "Pipeline", "Display", "Redaction", "Daemon", "Telemetry",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .target(name: "LegacyCleanup", dependencies: [
            "Store", "Kafka", "Postgres", "Display",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Prometheus registry and text exposition: the nightly's textfile and the daemons' /metrics.
        .target(name: "Telemetry", dependencies: [.product(name: "Prometheus", package: "swift-prometheus")]),
        .target(name: "Operations", dependencies: ["Display", "Redaction", "Telemetry", .product(name: "Prometheus", package: "swift-prometheus")]),
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
            "Kafka", "Postgres", "Zstd", "Lifestream", "Store", "Backfill", "Reconcile", "Snapshot", "LegacyCleanup", "Operations", "Embeddings", "Display", "Redaction", "Daemon",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "TestSupport"]),

        // scripts/bench-http.sh: what a request to the embedding service costs the client.
        .executableTarget(name: "HTTPBench", dependencies: ["Embeddings"], path: "Benchmarks/HTTPBench"),
        // scripts/bench-follow.sh: deletes a rebuilt history's records from the local broker.
        .executableTarget(name: "TopicTrim", dependencies: ["Kafka"], path: "Benchmarks/TopicTrim"),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "ZstdTests", dependencies: ["Zstd"]),
        .testTarget(name: "DisplayTests", dependencies: ["Display"]),
        .testTarget(name: "RedactionTests", dependencies: ["Redaction"]),
        .testTarget(name: "LifestreamTests", dependencies: ["Lifestream", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Postgres", "Lifestream", "TestSupport"]),
        .testTarget(name: "BackfillTests", dependencies: ["Store", "Backfill", "Kafka", "Pipeline", "Postgres", "Lifestream", "Zstd", "Daemon", "Telemetry", "TestSupport"],
                    exclude: ["Fixtures/state-before-versions/README.md"],
                    resources: [.copy("Fixtures/state-before-versions")]),
        .testTarget(name: "ReconcileTests", dependencies: ["Store", "Reconcile", "Backfill", "Postgres", "Lifestream", "Kafka", "Snapshot", "TestSupport"]),
        .testTarget(name: "SnapshotTests", dependencies: ["Store", "Snapshot", "Postgres", "Zstd", "Lifestream", "TestSupport"]),
        .testTarget(name: "LegacyCleanupTests", dependencies: ["Store", "BackfillCLI", "LegacyCleanup", "Backfill", "Kafka", "Postgres", "Lifestream", "Snapshot", "TestSupport"]),
        .testTarget(name: "OperationsTests", dependencies: ["Operations"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", .product(name: "Prometheus", package: "swift-prometheus")]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Telemetry", "DaemonSelfTest", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        // A dummy blocking loop under the real DaemonRunner, started as a process by DaemonTests
        // (signals and exit codes are properties of a process). Not part of the `backfill` product.
        .executableTarget(name: "DaemonSelfTest", dependencies: ["Daemon", .product(name: "Logging", package: "swift-log")],
                          path: "Tests/DaemonSelfTest"),
        // The generator's and the test oracle's speed beside their peers, for scripts/bench-oracle.sh
        // (measured in a release build, never asserted in the suite). Not part of the product.
        .executableTarget(name: "OracleBench", dependencies: ["Lifestream", "TestSupport"], path: "Tests/OracleBench"),
        .testTarget(name: "CLITests", dependencies: ["Store", "BackfillCLI", "Backfill", "Kafka", "Postgres", "Operations", "TestSupport"]),
        .testTarget(name: "EmbeddingsTests", dependencies: ["Store", "Embeddings", "Backfill", "Kafka", "Postgres", "Daemon", "Telemetry", "TestSupport"]),
        // The README and docs/ (links resolve, commands named exist) and scripts/install.sh.
        .testTarget(name: "DocsTests", dependencies: ["TestSupport"]),
        .target(name: "TestSupport", dependencies: ["Pipeline", "Postgres"], path: "Tests/TestSupport"),
    ],
    swiftLanguageModes: [.v6]
)
