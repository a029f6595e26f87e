import Foundation
import TestSupport
import Testing

/// Every shape of secret the adversarial run found leaking, tried as an operator would: the
/// password text must appear nowhere — stdout, stderr, and the files the command writes.
@Suite("Secrets never leak from the CLI", .tags(.integration))
struct SecretLeakTests {
    static let connectionVariables = ConfigCheckTests.connectionVariables

    /// A working directory of its own, with every file the command writes under it.
    struct Scratch {
        let directory = NSTemporaryDirectory() + TestEnvironment.uniqueName("leak")
        init() throws { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
        }
        /// The text of every file under the directory.
        func files() -> [(path: String, text: String)] {
            let enumerator = FileManager.default.enumerator(atPath: directory)
            var found: [(String, String)] = []
            while let path = enumerator?.nextObject() as? String {
                if let data = FileManager.default.contents(atPath: directory + "/" + path) { found.append((path, String(decoding: data, as: UTF8.self))) }
            }
            return found
        }
        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Runs the command in a fresh scratch directory and checks that `secret` shows nowhere.
    @discardableResult
    func expectNoLeak(_ arguments: [String], secret: String, environment: [String: String] = [:], config: String? = nil,
                      status: Int32 = 2, sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIProcess.Outcome {
        let scratch = try Scratch()
        defer { scratch.remove() }
        if let config { try scratch.write("bad.conf", config) }
        var environment = environment
        // The real broker, so that config check's Kafka test answers at once.
        environment["KAFKA_BROKERS"] = try environment["KAFKA_BROKERS"] ?? TestEnvironment.kafkaBrokers()
        let outcome = try CLIProcess.run(arguments, environment: environment, removing: Self.connectionVariables,
                                         workingDirectory: scratch.directory)
        #expect(outcome.status == status, "\(arguments): \(outcome.everything)", sourceLocation: sourceLocation)
        #expect(!outcome.everything.contains(secret), "\(arguments) printed the secret: \(outcome.everything)", sourceLocation: sourceLocation)
        for file in scratch.files() where file.path != "bad.conf" {
            #expect(!file.text.contains(secret), "\(arguments) wrote the secret to \(file.path): \(file.text)", sourceLocation: sourceLocation)
        }
        return outcome
    }

    @Test("config check with a mysql:// URL names the problem without the password, as text and as JSON")
    func otherScheme() throws {
        let url = "mysql://app:PWmysql-9f3@db.example/x"
        for extra in [[], ["--json"]] {
            let outcome = try expectNoLeak(["config", "check"] + extra, secret: "PWmysql", environment: ["DATABASE_URL": url])
            #expect(outcome.everything.contains("mysql://app:***@db.example/x"), "\(outcome.everything)")
        }
        try expectNoLeak(["config", "check", "--no-connect"], secret: "PWmysql", environment: ["DATABASE_URL": url], status: 0)
    }

    @Test("run with a JDBC URL carrying ?password= fails without printing it, from the environment or a flag")
    func jdbcURL() throws {
        let url = "jdbc:postgresql://db.example:5432/x?user=app&password=PWjdbc-71a"
        let run = ["run", "--from-beginning", "--manifest-dir", "manifests"]
        let fromEnvironment = try expectNoLeak(run, secret: "PWjdbc", environment: ["DATABASE_URL": url])
        #expect(fromEnvironment.stderr.contains("password=***"), "\(fromEnvironment.everything)")
        try expectNoLeak(run + ["--database-url", url], secret: "PWjdbc")
        try expectNoLeak(["config", "check"], secret: "PWjdbc", environment: ["DATABASE_URL": url])
    }

    @Test("sslpassword in a conninfo string is masked by config check, with and without connecting")
    func sslPassword() throws {
        let conninfo = "host=127.0.0.1 port=1 user=app sslpassword='PWssl 5c' password=PWplain-5c connect_timeout=2"
        let shown = try expectNoLeak(["config", "check", "--no-connect"], secret: "PWssl", environment: ["DATABASE_URL": conninfo], status: 0)
        #expect(shown.stdout.contains("sslpassword=*** password=***"), "\(shown.stdout)")
        try expectNoLeak(["config", "check", "--json"], secret: "PWssl", environment: ["DATABASE_URL": conninfo])
        try expectNoLeak(["config", "check"], secret: "PWplain", environment: ["DATABASE_URL": conninfo])
    }

    @Test("a malformed config line is reported with its line number but without the password")
    func malformedConfigLine() throws {
        for line in ["DATABASE_URL postgres://app:PWline-e2@db/x", "KAFKA_SASL_PASSWORD PWline-e2"] {
            for command in [["config", "check"], ["run", "--from-beginning"], ["nightly"]] {
                let outcome = try expectNoLeak(command + ["--config", "bad.conf"], secret: "PWline", config: "# settings\n\(line)\n")
                #expect(outcome.stderr.contains("bad.conf:2: expected KEY=value"), "\(outcome.everything)")
            }
        }
    }

    @Test("a password containing @ does not leak its tail through libpq's host error, nor into the nightly summary")
    func passwordWithAt() throws {
        let url = "postgresql://app:s3cr@tPWat-8d@127.0.0.1:1/db?connect_timeout=2"
        let check = try expectNoLeak(["config", "check"], secret: "tPWat", environment: ["DATABASE_URL": url])
        #expect(!check.everything.contains("s3cr"), "\(check.everything)")
        // The nightly writes its failure to a summary file and metrics: neither may hold it.
        try expectNoLeak(["nightly", "--reports-dir", "reports", "--manifest-dir", "manifests"], secret: "tPWat", environment: ["DATABASE_URL": url])
    }

    @Test("an argument the parser does not expect is not echoed with its password")
    func parserEcho() throws {
        let outcome = try expectNoLeak(["run", "--from-beginning", "postgres://app:PWarg-33@db/x"], secret: "PWarg", status: 64)
        #expect(outcome.stderr.contains("postgres://app:***@db/x"), "\(outcome.everything)")
    }
}
