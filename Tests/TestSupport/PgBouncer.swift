import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real PgBouncer in **transaction** mode in front of the test PostgreSQL, started by a test
/// for itself: its own config and auth file in a temporary folder, a free loopback port, and a
/// small pool (`poolSize` server connections), so that clients really share server connections.
///
/// PgBouncer refuses to run as root; as root it runs as the `postgres` user, as
/// `scripts/servers.sh` runs PostgreSQL. `scripts/setup.sh` installs Debian's `pgbouncer`; a
/// machine without it fails the test with a sentence saying so, never skips it.
public final class PgBouncer {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// `postgresql://user:password@127.0.0.1:<port>/<db>`: the test database through the pooler.
    public let url: String
    public let port: Int
    private let process: Process
    private let directory: String

    public static let binary = "/usr/sbin/pgbouncer"

    public init(poolSize: Int = 4) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw Failure("PgBouncer is not installed (\(Self.binary) is missing): run scripts/setup.sh, which installs Debian's pgbouncer package")
        }
        let server = try TestEnvironment.databaseURL()
        guard let parts = URLComponents(string: server), let host = parts.host, let user = parts.user else {
            throw Failure("DATABASE_URL is not a postgresql://user:password@host:port/db URL PgBouncer can be pointed at")
        }
        let database = parts.path.isEmpty || parts.path == "/" ? "postgres" : String(parts.path.dropFirst())
        let password = parts.password.flatMap { $0.removingPercentEncoding } ?? ""

        directory = NSTemporaryDirectory() + "/" + TestEnvironment.uniqueName("pgbouncer")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let quoted = { (text: String) in "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        try Data("\(quoted(user)) \(quoted(password))\n".utf8).write(to: URL(fileURLWithPath: directory + "/users.txt"))

        // A port that was free a moment ago can be taken by the time PgBouncer binds it: try a few.
        var lastFailure = ""
        for _ in 0..<5 {
            let port = try LoopbackPort.free()
            try Data("""
                [databases]
                * = host=\(host) port=\(parts.port ?? 5432)

                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = \(port)
                unix_socket_dir =
                auth_type = scram-sha-256
                auth_file = \(directory)/users.txt
                pool_mode = transaction
                default_pool_size = \(poolSize)
                max_client_conn = 200
                logfile = \(directory)/pgbouncer.log
                pidfile = \(directory)/pgbouncer.pid

                """.utf8).write(to: URL(fileURLWithPath: directory + "/pgbouncer.ini"))
            try Self.handOverToPostgresUser(directory)

            let process = Process()
            if getuid() == 0 {
                process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
                process.arguments = ["-u", "postgres", "--", Self.binary, "-q", directory + "/pgbouncer.ini"]
            } else {
                process.executableURL = URL(fileURLWithPath: Self.binary)
                process.arguments = ["-q", directory + "/pgbouncer.ini"]
            }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if Self.waitUntilListening(port: port, while: process) {
                self.process = process
                self.port = port
                var client = URLComponents()
                client.scheme = "postgresql"
                client.user = parts.user
                client.password = parts.password
                client.host = "127.0.0.1"
                client.port = port
                client.path = "/" + database
                url = client.string ?? ""
                return
            }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            lastFailure = (try? String(contentsOfFile: directory + "/pgbouncer.log", encoding: .utf8))?
                .split(separator: "\n").suffix(3).joined(separator: " | ") ?? "no log written"
        }
        try? FileManager.default.removeItem(atPath: directory)
        throw Failure("PgBouncer did not start listening on 127.0.0.1: \(lastFailure)")
    }

    deinit { stop() }

    /// Ends PgBouncer (SIGTERM: immediate shutdown, which closes its server connections) and
    /// removes its folder. Safe to call twice.
    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// PgBouncer's log so far, for a failing test's message.
    public var log: String { (try? String(contentsOfFile: directory + "/pgbouncer.log", encoding: .utf8)) ?? "" }

    /// True once something accepts on `port`; false when `process` exits first or 15 s pass.
    private static func waitUntilListening(port: Int, while process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && process.isRunning {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(fd)
            if connected { return true }
            usleep(50_000)
        }
        return false
    }

    /// As root, PgBouncer runs as `postgres`, which must own its folder (the auth file holds a password).
    private static func handOverToPostgresUser(_ directory: String) throws {
        guard getuid() == 0 else { return }
        guard let entry = getpwnam("postgres") else {
            throw Failure("running as root, PgBouncer needs the postgres user to run as: start the servers with scripts/servers.sh, which creates it")
        }
        for path in [directory] + ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).map({ directory + "/" + $0 }) {
            guard chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
                throw Failure("could not hand \(path) to the postgres user: errno \(errno)")
            }
        }
    }
}
