import Backfill
import Foundation
import Postgres
import Store
import TestSupport
import Testing

/// Names come from operators and databases; whatever they hold, the text a person reads has
/// only the lines the tool wrote.
@Suite("names in human output", .serialized, .tags(.integration))
struct OutputSafetyTests {
    @Test("a schema name with a newline is printed escaped by run and nightly, so it cannot forge a line of the summary")
    func newlineInSchemaName() throws {
        let fixture = try NightlyFixture("out_newline", events: 120)
        defer { fixture.dropSchemas() }
        // Shaped like the nightly's summary line, but never one a night prints (a night that
        // happened to take 1.0 s printed "nightly OK (exit 0) in 1.0 s: …" and failed the test).
        let forged = "nightly OK (exit 0) in 1.0 s: forged"
        let target = TestEnvironment.uniqueName("out") + "\n" + forged
        defer {
            if let db = try? PostgresConnection.connect(PostgresConfiguration(url: fixture.databaseURL)) {
                for schema in [target, StateSchema.defaultName(forTarget: target)] { try? db.execute("drop schema if exists \(SQL.quoteIdentifier(schema)) cascade") }
                db.close()
            }
        }
        let run = try CLIProcess.run(["run", "--from-beginning", "--topic", fixture.topic, "--target-schema", target,
                                      "--manifest-dir", fixture.manifests], environment: NightlyFixture.environment)
        #expect(run.status == 0, "\(run.everything)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!lines.contains { $0.hasPrefix(forged) }, "a line was forged:\n\(run.stdout)")
        #expect(run.stdout.contains("\\n" + forged), "\(run.stdout)")
        for line in run.stderr.split(separator: "\n") {
            #expect(!line.hasPrefix(forged), "a log line was forged:\n\(run.stderr)")
        }

        let night = try CLIProcess.run(["nightly", "--topic", fixture.topic, "--live-schema", target, "--shadow-schema", target,
                                        "--state-schema", StateSchema.defaultName(forTarget: target),
                                        "--reports-dir", fixture.reports, "--snapshots-dir", fixture.snapshots,
                                        "--manifest-dir", fixture.directory + "/night-manifests"],
                                       environment: NightlyFixture.environment, workingDirectory: fixture.directory)
        #expect(night.status == 0, "\(night.everything)")
        #expect(!night.stdout.split(separator: "\n").contains { $0.hasPrefix(forged) }, "a line was forged:\n\(night.stdout)")
        #expect(night.stdout.contains("\\n" + forged), "\(night.stdout)")
    }
}
