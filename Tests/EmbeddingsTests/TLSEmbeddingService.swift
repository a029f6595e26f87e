@testable import Embeddings
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// A second instance of the real reference service (services/embedding/app.py, the same model),
/// started by a test for itself and serving **https** on 127.0.0.1 with a certificate made at test
/// time by `openssl` for the name `localhost` only, signed by itself: `certificate` is the file a
/// client must trust, and `url` names the service by that name.
///
/// Needs what `scripts/setup.sh` installs (the venv with the service's packages) and the
/// `openssl` command; a machine without them fails the test with a sentence, never skips it.
final class TLSEmbeddingService {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let port: Int
    let certificate: String
    private let directory: String
    private let process: Process

    var url: URL { URL(string: "https://localhost:\(port)")! }

    init() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let python = root + "/.local/venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(description: "\(python) is missing: run scripts/setup.sh (scripts/test.sh does), which makes the venv the embedding service runs in")
        }
        directory = NSTemporaryDirectory() + "/" + TestEnvironment.uniqueName("tls-service")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        certificate = directory + "/cert.pem"
        let openssl = try Self.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                        "-keyout", directory + "/key.pem", "-out", certificate, "-days", "2",
                                                        "-subj", "/CN=backfill test service", "-addext", "subjectAltName=DNS:localhost"])
        guard openssl.status == 0 else { throw Failure(description: "openssl could not make a certificate: \(openssl.output)") }

        var lastFailure = ""
        for _ in 0..<3 {  // a port free a moment ago may be taken by the time the service binds it
            let port = try LoopbackPort.free()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [root + "/services/embedding/app.py"]
            var environment = ProcessInfo.processInfo.environment
            environment["EMBED_PORT"] = "\(port)"
            environment["EMBED_THREADS"] = "1"
            environment["EMBED_TLS_CERT"] = certificate
            environment["EMBED_TLS_KEY"] = directory + "/key.pem"
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle(forWritingAtPath: Self.touch(directory + "/service.log"))
            try process.run()
            // Ready when /health answers over TLS (the model loads before the port opens).
            let client = ServiceClient(baseURL: URL(string: "https://localhost:\(port)")!, timeout: 5, connections: 1, trustRoots: certificate)
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning, Date() < deadline {
                if case .success = client.health() {
                    self.port = port
                    self.process = process
                    return
                }
                Thread.sleep(forTimeInterval: 0.25)
            }
            Self.kill(process)
            lastFailure = ((try? String(contentsOfFile: directory + "/service.log", encoding: .utf8)) ?? "")
                .split(separator: "\n").suffix(3).joined(separator: " | ")
        }
        try? FileManager.default.removeItem(atPath: directory)
        throw Failure(description: "the embedding service did not start serving https: \(lastFailure)")
    }

    deinit {
        Self.kill(process)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// SIGKILL, not SIGTERM: the child inherits the test thread's signal mask, in which SIGTERM is
    /// blocked, and Python does not unblock it. The service keeps nothing worth a clean exit.
    private static func kill(_ process: Process) {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private static func touch(_ path: String) -> String {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return path
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw Failure(description: "\(executable) is missing: install Debian's openssl package")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
