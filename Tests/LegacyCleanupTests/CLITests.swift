import Foundation
import TestSupport
import Testing

/// The `backfill cleanup-legacy` executable as an operator runs it: options, output, exit codes.
@Suite("backfill cleanup-legacy on the command line", .tags(.integration))
struct CLITests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `.build/<config>/backfill` (beside the test bundle) with `arguments`.
    static func backfill(_ arguments: [String]) throws -> Outcome {
        var directory = (try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") as NSString).deletingLastPathComponent
        var executable: String?
        while !directory.isEmpty, directory != "/", executable == nil {
            let candidate = (directory as NSString).appendingPathComponent("backfill")
            if FileManager.default.isExecutableFile(atPath: candidate) { executable = candidate }
            directory = (directory as NSString).deletingLastPathComponent
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable, "build with `swift build --build-tests` first"))
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

    func arguments(_ fixture: Fixture, _ extra: [String]) -> [String] {
        ["cleanup-legacy", "--database-url", fixture.postgres.url, "--brokers", fixture.kafka.brokers,
         "--schema", fixture.schema, "--group", fixture.group, "--target-schema", fixture.target,
         "--reports-dir", fixture.reports, "--snapshots-dir", fixture.snapshots, "--quiet"] + extra
    }

    @Test("dry run exits 0 with every check and the plan, a failing check exits 1, --confirm drops, and a rerun has nothing to do")
    func exitCodes() throws {
        let fixture = try Fixture(prefix: "legacycli")
        _ = try fixture.healthy()

        let dry = try Self.backfill(arguments(fixture, []))
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("PASS   1. offsets"))
        #expect(dry.stdout.contains("PASS   4. dependents"))
        #expect(dry.stdout.contains("Dry run: nothing was changed"))

        let strict = try Self.backfill(arguments(fixture, ["--group", fixture.group + "-other", "--json"]))
        #expect(strict.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(strict.stdout.utf8)) as? [String: Any]
        #expect(json?["result"] as? String == "refused")

        let bad = try Self.backfill(arguments(fixture, ["--unknown-threshold", "lots"]))
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--unknown-threshold"))

        let done = try Self.backfill(arguments(fixture, ["--confirm"]))
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stdout.contains("Restore with: backfill snapshot import"))
        #expect(try !fixture.exists("kafka_offsets"))

        let again = try Self.backfill(arguments(fixture, ["--confirm"]))
        #expect(again.status == 0)
        #expect(again.stdout.hasPrefix("Nothing to do"))
    }
}
