import CLibPQ
import Foundation
import Redaction

/// Where to connect: a `postgres://`/`postgresql://` URL or a libpq key=value conninfo string,
/// passed to libpq unchanged so every libpq option (sslmode, target_session_attrs, …) works.
///
/// The value usually holds a password, so every textual form of this type (`description`,
/// string interpolation, `dump`) shows it masked.
public struct PostgresConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var url: String

    public init(url: String) {
        self.url = url
    }

    /// Reads `DATABASE_URL` and checks that libpq can parse it, so a typo is reported at start-up
    /// rather than at the first connection.
    public static func fromEnvironment(
        _ env: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> PostgresConfiguration {
        guard let url = env["DATABASE_URL"]?.trimmingCharacters(in: .whitespacesAndNewlines), !url.isEmpty else {
            throw PostgresError(
                code: .invalidConfiguration,
                message: "DATABASE_URL is not set; expected postgresql://user:password@host:port/database"
            )
        }
        let configuration = PostgresConfiguration(url: url)
        try configuration.validate()
        return configuration
    }

    /// Parses the string with libpq itself (no connection), throwing its complaint with any
    /// password scrubbed.
    public func validate() throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "libpq could not parse it"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(
                code: .invalidConfiguration,
                message: "\(scrub(reason).trimmingCharacters(in: .whitespacesAndNewlines)) in \(redactedURL)"
            )
        }
        PQconninfoFree(options)
    }

    /// The URL or conninfo with every password replaced by `***` (`Redactor.connectionString`).
    public var redactedURL: String { Redactor.connectionString(url) }

    public var description: String { redactedURL }
    public var debugDescription: String { "PostgresConfiguration(\(redactedURL))" }
    public var customMirror: Mirror { Mirror(self, children: ["url": redactedURL]) }

    /// `message` with every spelling of this configuration's password hidden, and anything
    /// else that looks like a secret (`Redactor.text`); for texts that come from libpq, which
    /// may echo the connection string it failed on, or a part of it.
    func scrub(_ message: String) -> String {
        Redactor.text(message, secrets: secrets)
    }

    /// Every spelling of a secret this configuration carries, as we and as libpq read it.
    public var secrets: [String] { Redactor.secrets(in: url) + libpqPasswords }

    /// The password as libpq itself understands the string (catches spellings our parser misses).
    private var libpqPasswords: [String] {
        guard let options = PQconninfoParse(url, nil) else { return [] }
        defer { PQconninfoFree(options) }
        var found: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if Redactor.isSecretKey(String(cString: keyword)), let value = option.pointee.val {
                found.append(String(cString: value))
            }
            option += 1
        }
        return found
    }
}
