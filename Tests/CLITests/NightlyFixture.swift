import Backfill
import Foundation
import Postgres
import Store
import TestSupport

/// A generated topic on the real broker, unique schemas and a scratch folder for one test of
/// `backfill nightly`, with helpers to run the executable against them.
struct NightlyFixture {
    let topic: String
    let live: String
    let shadow: String
    let directory: String
    let databaseURL: String
    /// Present in the environment of every run, so the tests can check it never shows.
    static let saslPassword = "sasl-Pa55word-never-shown"
    static let databasePassword = "local-dev-secret"

    init(_ prefix: String, events: Int? = 1_500) throws {
        topic = TestEnvironment.uniqueName(prefix) + ".raw"
        live = TestEnvironment.uniqueName(prefix + "_live")
        shadow = TestEnvironment.uniqueName(prefix + "_shadow")
        directory = NSTemporaryDirectory() + TestEnvironment.uniqueName("nightly")
        databaseURL = try TestEnvironment.databaseURL()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let events {
            let generated = try CLIProcess.run(["generate", "--topic", topic, "--events", "\(events)", "--subjects", "150",
                                                "--partitions", "2", "--quiet"], environment: Self.environment)
            guard generated.status == 0 else { throw Failure("generate failed: \(generated.stderr)") }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// SASL settings that librdkafka ignores under PLAINTEXT: the password is configured, so a
    /// leak would show, but the local broker still works.
    static let environment = [
        "KAFKA_SASL_USERNAME": "nightly-user", "KAFKA_SASL_PASSWORD": saslPassword, "KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
    ]

    var reports: String { directory + "/reports" }
    var snapshots: String { directory + "/snapshots" }
    var manifests: String { directory + "/snapshots/manifests" }

    /// `backfill nightly` with this fixture's topic, schemas and folders.
    func nightly(_ extra: [String] = [], environment: [String: String] = [:]) throws -> CLIProcess.Outcome {
        try CLIProcess.run(nightlyArguments + extra, environment: Self.environment.merging(environment) { $1 }, workingDirectory: directory)
    }

    /// `nightly` started in the background, for a test that must see whether it waits.
    func launchNightly(_ extra: [String] = []) throws -> CLIProcess.Running {
        try CLIProcess.launch(nightlyArguments + extra, environment: Self.environment, workingDirectory: directory)
    }

    private var nightlyArguments: [String] {
        ["nightly", "--topic", topic, "--live-schema", live, "--shadow-schema", shadow,
         "--reports-dir", reports, "--snapshots-dir", snapshots, "--manifest-dir", manifests, "--batch-size", "500"]
    }

    /// A correct rebuild into the "live" schema, so live and shadow start equal.
    func buildLive() throws {
        let run = try CLIProcess.run(["run", "--from-beginning", "--topic", topic, "--target-schema", live, "--quiet",
                                      "--manifest-dir", directory + "/live-manifests"], environment: Self.environment)
        guard run.status == 0 else { throw Failure("run into the live schema failed: \(run.stderr)") }
    }

    /// A connection to the test database with NOTICEs silenced, for the tests' own SQL.
    static func database() throws -> PostgresConnection {
        let db = try PostgresConnection.connect(PostgresConfiguration(url: TestEnvironment.databaseURL()))
        try db.execute("set client_min_messages = warning")
        return db
    }

    func execute(_ sql: String) throws {
        let db = try PostgresConnection.connect(PostgresConfiguration(url: databaseURL))
        defer { db.close() }
        try db.execute(sql)
    }

    func dropSchemas() {
        for schema in [live, shadow, StateSchema.defaultName(forTarget: live), StateSchema.defaultName(forTarget: shadow)] {
            try? execute("drop schema if exists \(SQL.quoteIdentifier(schema)) cascade")
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Every file under the scratch folder, with its contents (binary files as Latin-1, so a
    /// password inside would still be found).
    func allFiles() -> [(path: String, text: String)] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [(String, String)] = []
        for case let relative as String in enumerator {
            let path = directory + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            files.append((path, String(decoding: data, as: UTF8.self) + String(data: data, encoding: .isoLatin1)!))
        }
        return files
    }

    func summary() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: reports + "/nightly-latest.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func metrics() throws -> String {
        try String(contentsOfFile: reports + "/backfill.prom", encoding: .utf8)
    }
}

extension CLIProcess.Outcome {
    /// True when nothing a terminal would interpret (ESC, carriage return) is in the output.
    var isPlainText: Bool {
        !(stdout + stderr).unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\r" }
    }

    var everything: String { stdout + "\n" + stderr }
}
