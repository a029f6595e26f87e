import Foundation
import LegacyCleanup
import Postgres
import Snapshot
import Store
import TestSupport
import Testing

/// A cleanup that stops between its drop and its report, and the mistakes an operator makes
/// on the command line, never end in a silent "nothing to do".
@Suite("cleanup-legacy recovers its report and refuses a missing schema", .tags(.integration))
struct CleanupRecoveryTests {
    @Test("a cleanup that fails between the drop and the report is finished by the rerun, which names the archive, and so does every later run")
    func rerunFinishesTheReport() throws {
        let fixture = try Fixture()
        _ = try fixture.healthy()
        // The injected failure point: the report's `latest` copy cannot be written (a folder
        // stands where the file goes), so the run fails after the drop has committed.
        let obstacle = (fixture.reports as NSString).appendingPathComponent("cleanup-latest.md")
        try FileManager.default.createDirectory(atPath: obstacle, withIntermediateDirectories: true)
        let error = #expect(throws: CleanupError.self) { try fixture.cleanup(fixture.request()) }
        #expect(error?.code == .reportNotWritten)
        #expect(try !fixture.exists("event_ingest_dedupe") && !fixture.exists("kafka_offsets"), "the failure came before the drop")
        let archives = fixture.files(in: fixture.snapshots).filter { $0.hasPrefix("legacy-") }
        try #require(archives.count == 1)
        let archive = (fixture.snapshots as NSString).appendingPathComponent(archives[0])
        #expect(!FileManager.default.fileExists(atPath: (fixture.reports as NSString).appendingPathComponent("cleanup-latest.json")))
        try FileManager.default.removeItem(atPath: obstacle)

        // The rerun finishes the report of the drop that happened, naming the archive.
        let finished = try fixture.cleanup(fixture.request())
        #expect(finished.result == .dropped, "\(CleanupRendering.text(finished))")
        #expect(finished.exitCode == 0)
        #expect(finished.snapshot?.path == archive)
        #expect(finished.restoreCommand == LegacyCleanup.restoreCommand(snapshot: archive, schema: fixture.schema))
        #expect(finished.tables.map(\.name).sorted() == ["event_ingest_dedupe", "kafka_offsets"])
        #expect(finished.checks.count == 4)
        let text = CleanupRendering.text(finished)
        #expect(text.contains(archive) && text.contains("--into-existing"), "\(text)")
        for ext in ["md", "json"] {
            let report = try String(contentsOfFile: (fixture.reports as NSString).appendingPathComponent("cleanup-latest.\(ext)"), encoding: .utf8)
            #expect(report.contains(archive), "cleanup-latest.\(ext) does not name the archive")
        }
        #expect(try SnapshotVerifier.verify(snapshot: archive).isValid)

        // Every later run has nothing to do, and says where the tables went.
        let later = try fixture.cleanup(fixture.request())
        #expect(later.result == .nothingToDo)
        #expect(later.exitCode == 0)
        #expect(later.snapshot?.path == archive)
        let laterText = CleanupRendering.text(later)
        #expect(laterText.hasPrefix("Nothing to do"))
        #expect(laterText.contains(archive) && laterText.contains("--into-existing"), "\(laterText)")
        let dry = try fixture.cleanup(fixture.request(confirm: false))
        #expect(CleanupRendering.text(dry).contains(archive))
    }

    @Test("a cleanup stopped after writing its intent but before the drop starts over on the rerun")
    func intentWithoutDrop() throws {
        let fixture = try Fixture()
        _ = try fixture.healthy()
        // A drop that cannot get its lock fails after the snapshot and the intent, before the drop.
        let holder = try PostgresConnection.connect(fixture.postgres, applicationName: "legacy-test-holder")
        defer { holder.close() }
        try holder.execute("begin; select count(*) from \(fixture.table("event_ingest_dedupe"))")
        var request = fixture.request()
        request.lockTimeout = 0.5
        #expect(throws: CleanupError.self) { try fixture.cleanup(request) }
        try holder.execute("commit")
        #expect(try fixture.exists("event_ingest_dedupe") && fixture.exists("kafka_offsets"))

        let rerun = try fixture.cleanup(fixture.request())
        #expect(rerun.result == .dropped)
        #expect(try !fixture.exists("event_ingest_dedupe") && !fixture.exists("kafka_offsets"))
        let archive = try #require(rerun.snapshot?.path)
        #expect(try SnapshotVerifier.verify(snapshot: archive).isValid)
        #expect(fixture.files(in: fixture.reports).filter { $0.hasPrefix("cleanup-intent") }.isEmpty, "\(fixture.files(in: fixture.reports))")
    }

    @Test("a --schema that does not exist is an error naming it, not \"nothing to do\"")
    func missingSchema() throws {
        let fixture = try Fixture(createTopic: false)
        var request = fixture.request(confirm: false)
        request.schema = fixture.schema + "_typo"
        let error = #expect(throws: CleanupError.self) { try fixture.cleanup(request) }
        #expect(error?.description.contains("schema \(fixture.schema)_typo does not exist") == true, "\(String(describing: error))")
    }
}
