import Backfill
import Foundation
import Kafka
import Lifestream
import Logging
import Pipeline
import Postgres
import Store
import TestSupport
import Testing

@Suite("Crashes and faults", .serialized, .tags(.integration))
struct CrashAndFaultTests {
    func launch(_ harness: Harness, target: String) throws -> Process {
        try harness.launch(target: target)
    }

    @Test("a run killed with SIGKILL at random points resumes to the tables and counts of an uninterrupted run")
    func killAndResume() throws {
        let harness = try Harness(prefix: "kill")
        defer { harness.dropSchemas() }
        try harness.produce(Array(EventGenerator(options: .damaged(events: 20_000, subjects: 2_000, seed: 51))))
        // The reference is the same executable, run to the end: its wall time (process start included)
        // is what the kill moments spread over, so they land in pull, ingest and materialize however
        // fast the build or busy the machine is.
        let referenceSchema = harness.target + "_ref"
        let started = Date()
        let referenceProcess = try launch(harness, target: referenceSchema)
        referenceProcess.waitUntilExit()
        let span = Date().timeIntervalSince(started)
        try #require(referenceProcess.terminationReason == .exit && referenceProcess.terminationStatus == 0)
        let reference = try RunManifest.load(path: harness.manifestDirectory + "/latest.json")
        try #require(reference.targetSchema == referenceSchema)

        let crashed = harness.target + "_crash"
        let crashedState = SQL.quoteIdentifier(StateSchema.defaultName(forTarget: crashed))
        var generator = SystemRandomNumberGenerator()
        var kills: [Double] = []
        var finished = false
        // Kill at random moments until a launch gets to finish on its own. The first kill comes early
        // in the span so at least one surely lands; later ones anywhere in it.
        for attempt in 0..<10 where !finished {
            let process = try launch(harness, target: crashed)
            if attempt < 8 {
                let upper = attempt == 0 ? 0.6 * span : 0.95 * span
                let delay = Double.random(in: min(0.05, upper)...upper, using: &generator)
                Thread.sleep(forTimeInterval: delay)
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills.append(delay)
                }
            }
            process.waitUntilExit()
            if process.terminationReason == .exit {
                #expect(process.terminationStatus == 0)
                finished = true
            } else if (try? harness.scalar("select count(*) from \(crashedState).runs where status = 'complete'")) == "1" {
                // Killed while exiting, its run complete (and its manifest written before that): a
                // launch now would be a new run over the same bounds, which rightly changes nothing.
                finished = true
            }
        }
        #expect(finished)
        #expect(!kills.isEmpty, "no kill landed: the run finished too quickly to test resumption")

        #expect(differences(try harness.state(schema: crashed), try harness.state(schema: reference.targetSchema)) == [],
                "kills after \(kills) s")
        #expect(differences(try harness.state(schema: crashed), CanonicalOracle.evaluate(harness.produced).state) == [])
        let manifest = try RunManifest.load(path: harness.manifestDirectory + "/latest.json")
        #expect(manifest.targetSchema == crashed)
        #expect(manifest.counts.read == reference.counts.read)
        #expect(manifest.counts.valid == reference.counts.valid)
        #expect(manifest.counts.duplicate == reference.counts.duplicate)
        #expect(manifest.counts.quarantined == reference.counts.quarantined)
        #expect(manifest.counts.pending == reference.counts.pending)
        #expect(manifest.counts.rowsWritten == reference.counts.rowsWritten, "kills after \(kills) s")
        // The quarantine table holds each bad record once, however often it was re-read.
        #expect(try harness.quarantine(schema: crashed) == harness.quarantine(schema: reference.targetSchema))
    }

    @Test("a bulk load killed midway and followed by a run of other ranges settles its events: the tables equal one run's")
    func interruptedBulkLoadThenOtherRanges() throws {
        let harness = try Harness(prefix: "bulkcut")
        defer { harness.dropSchemas() }
        let records = Array(EventGenerator(options: .damaged(events: 12_000, subjects: 1_500, seed: 53)))
        try harness.produce(Array(records.prefix(9_000)))
        let crashed = harness.target + "_crash"
        let state = SQL.quoteIdentifier(StateSchema.defaultName(forTarget: crashed))
        // Kill during the load until a kill leaves some batches logged and the load unfinished.
        // The window narrows as it learns: a kill before anything was logged moves it later, a run that
        // got past the load moves it earlier, so a fast or a slow machine both get there.
        var interrupted = false
        var window = 0.2...1.2
        var attempts: [String] = []
        for _ in 0..<16 where !interrupted {
            try? harness.execute("drop schema if exists \(SQL.quoteIdentifier(crashed)) cascade; drop schema if exists \(state) cascade")
            let process = try launch(harness, target: crashed)
            let delay = Double.random(in: window)
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let logged = Int((try? harness.scalar("select count(*) from \(state).events")) ?? nil ?? "0") ?? 0
            let status = try? harness.scalar("select status from \(state).runs where bulk")
            interrupted = logged > 0 && status == "ingesting"
            attempts.append(String(format: "%.2f s: %d logged, %@", delay, logged, status ?? "no run"))
            if status == nil || (status == "ingesting" && logged == 0) {
                window = delay...max(delay + 0.05, window.upperBound * 1.3)
            } else if !interrupted {
                window = max(0.02, window.lowerBound * 0.7)...max(0.03, delay)
            }
        }
        try #require(interrupted, "no kill landed in the middle of the bulk load: \(attempts)")

        try harness.produce(Array(records.suffix(from: 9_000)))  // new ends: a different plan, so the load is not resumed
        let manifest = try harness.run(target: crashed)
        #expect(manifest.counts.read == 12_000)
        #expect(try harness.scalar("select count(*) from \(state).runs where bulk and status = 'abandoned'") == "1")
        #expect(try harness.scalar("select count(*) from pg_constraint where conname = 'events_pkey' and conrelid = '\(state).events'::regclass") == "1")
        #expect(differences(try harness.state(schema: crashed), CanonicalOracle.evaluate(harness.produced).state) == [])
    }

    @Test("a write the database refuses while materializing ends the run with that error, and the next run finishes the work")
    func materializeWriteFails() throws {
        let harness = try Harness(prefix: "mwfail")
        defer { harness.dropSchemas() }
        try harness.produce(Array(EventGenerator(options: .damaged(events: 3_000, subjects: 400, seed: 57))))
        let links = "\(SQL.quoteIdentifier(harness.target)).links"
        try harness.execute(TargetSchema(name: harness.target).createStatements + "; alter table \(links) add constraint refuse check (false)")
        do {
            try harness.run()
            Issue.record("the run should have failed")
        } catch {
            #expect("\(error)".contains("refuse"), "\(error)")
        }
        try harness.execute("alter table \(links) drop constraint refuse")
        try harness.run()
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
    }

    @Test("one of two writers refused by the database ends the run with its error, not the other's cancellation; the next run finishes")
    func oneWriterFails() throws {
        let harness = try Harness(prefix: "w2fail")
        defer { harness.dropSchemas() }
        let records = Array(EventGenerator(options: .damaged(events: 12_000, subjects: 3_000, seed: 58)))
        try harness.produce(Array(records.prefix(2_000)))
        let first = try harness.run()
        try harness.produce(Array(records.dropFirst(2_000)))
        // One link created by the second run refused: only the batch holding it fails, whichever
        // writer takes it, and the other writer sees the pass cancelled.
        let links = "\(SQL.quoteIdentifier(harness.target)).links"
        let created = records.dropFirst(2_000).compactMap { record -> String? in
            guard case .success(let decoded) = EventDecoder.decode(record.value), decoded.event.type == .linkAdded else { return nil }
            return decoded.event.subjectID
        }
        // The first in subject order, so that it fails while later batches are still being folded.
        var refused: String?
        for id in created where try harness.scalar("select count(*) from \(links) where subject_id = $1", [.text(id)]) == "0" {
            if refused.map({ id.utf8.lexicographicallyPrecedes($0.utf8) }) ?? true { refused = id }
        }
        let refusedID = try #require(refused)
        try harness.execute("alter table \(links) add constraint refuse check (subject_id <> \(SQL.quoteLiteral(refusedID)))")
        do {
            _ = try harness.runAfter(first)
            Issue.record("the run should have failed")
        } catch {
            #expect("\(error)".contains("refuse"), "\(error)")
        }
        try harness.execute("alter table \(links) drop constraint refuse")
        _ = try harness.runAfter(first)
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
    }

    /// The outage is placed by the run's own progress, not by a timer, and the test shows it
    /// overlapped the read: the broker goes down once the first batch is committed, and when it
    /// comes back (2.5 s later) the run has still not committed every record; the rest arrive
    /// afterwards. Record batches of ten, fetches of 16 KiB per partition and a prefetch queue of
    /// 16 KiB (the mock keeps to the limits) hold what the reader can have fetched before the
    /// outage to a few batches of the 630 KB topic. Measured: down at 70–80 of 2,000 records
    /// committed, back at 140–200.
    @Test("a broker that goes down mid-read is waited out and the tables are still exact")
    func brokerDownMidRead() throws {
        let mock = try MockCluster(brokers: 1)
        let harness = try Harness(prefix: "mockdown", kafka: mock.configuration, createTopic: false)
        defer { harness.dropSchemas() }
        try mock.createTopic(harness.topic, partitions: 4)
        try harness.produce(Array(EventGenerator(options: .damaged(events: 2_000, subjects: 300, seed: 61))),
                            producer: ["batch.num.messages": "10"])
        try mock.setRoundTripTime(broker: 1, milliseconds: 20)
        var reading = mock.configuration
        reading.extra = ["max.partition.fetch.bytes": "16384", "queued.max.messages.kbytes": "16"]

        struct Outage: Sendable {
            var committed: Int64 = 0
            /// Records committed when the broker went down, and when it came back.
            var atDown: Int64?
            var atUp: Int64?
            /// The run returned (or failed) before the outage could start.
            var runEnded = false
        }
        let outage = ConditionLocked(Outage())
        let toggler = OnThread(name: "test-broker-toggler") { () -> Result<Void, any Error> in
            Result {
                let started = try outage.withLock(waitingUntil: { $0.committed > 0 || $0.runEnded }) { state in
                    guard !state.runEnded else { return false }
                    try mock.setBrokerDown(1)
                    state.atDown = state.committed
                    return true
                }
                guard started else { return }
                Thread.sleep(forTimeInterval: 2.5)
                try outage.withLock { state in
                    state.atUp = state.committed
                    try mock.setBrokerUp(1)
                }
            }
        }
        defer { outage.withLock { $0.runEnded = true } }
        var options = harness.options(bounds: RunBounds(start: .beginning, end: .latest))
        options.batchSize = 200
        let runner = BackfillRunner(kafka: reading, postgres: harness.postgres, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        runner.onProgress = { progress in
            if case .ingested(let done, _) = progress { outage.withLock { $0.committed = max($0.committed, done) } }
        }
        let manifest = try runner.run(options)
        outage.withLock { $0.runEnded = true }
        let toggled = try #require(toggler.join(timeout: .seconds(60)), "the broker toggler did not finish")
        try toggled.get()
        let seen = outage.withLock { $0 }
        #expect(manifest.counts.read == 2_000)
        #expect(seen.atDown.map { $0 > 0 && $0 < 2_000 } == true, "the outage did not start mid-read: \(seen)")
        #expect(seen.atUp.map { $0 < 2_000 } == true, "the read had ended before the broker came back: \(seen)")
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
    }

    @Test("PostgreSQL refusing connections ends with one clear sentence and no password")
    func postgresRefuses() throws {
        let harness = try Harness(prefix: "pgdown")
        defer { harness.dropSchemas() }
        let refused = PostgresConfiguration(url: "postgresql://postgres:hunter2-secret@127.0.0.1:1/postgres")
        let runner = BackfillRunner(kafka: harness.kafka, postgres: refused, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        runner.connectAttempts = 2
        do {
            _ = try runner.run(harness.options(bounds: RunBounds(start: .beginning, end: .latest)))
            Issue.record("the run should have failed")
        } catch {
            let text = "\(error)"
            #expect(!text.contains("hunter2-secret"))
            #expect(text.contains("127.0.0.1"))
            #expect(!text.contains("\n"))
        }
    }
}
