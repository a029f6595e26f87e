import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Configuration and secrets")
struct ConfigurationTests {
    @Test("descriptions mask the password in postgres://, postgresql:// and conninfo forms")
    func masksPasswords() throws {
        let cases: [(String, String)] = [
            ("postgres://app:s3cret@db.internal:5432/events", "postgres://app:***@db.internal:5432/events"),
            ("postgresql://app:s3cret@db.internal/events?sslmode=require", "postgresql://app:***@db.internal/events?sslmode=require"),
            ("postgresql://app:s3%40cr%2Fet@db/x", "postgresql://app:***@db/x"),
            ("postgresql://app:s3cr@t/with@signs@db/x", "postgresql://app:***@db/x"),
            ("postgresql://db/x?user=app&password=s3cret&sslmode=disable", "postgresql://db/x?user=app&password=***&sslmode=disable"),
            ("postgresql://app@db/x", "postgresql://app@db/x"),
            ("host=db.internal port=5432 user=app password=s3cret dbname=events", "host=db.internal port=5432 user=app password=*** dbname=events"),
            ("host=db password = 's3 cr\\'et' dbname=events", "host=db password = *** dbname=events"),
            ("password=s3cret", "password=***"),
            ("host=db dbname=postgresql://u:s3cret@h/db", "host=db dbname=postgresql://u:***@h/db"),
            ("dbname='postgresql://u:s3cret@h/db'", "dbname='postgresql://u:***@h/db'"),
            ("host=db password='s3cret", "host=db ***"),
        ]
        for (url, expected) in cases {
            let configuration = PostgresConfiguration(url: url)
            #expect(configuration.redactedURL == expected)
            #expect(configuration.description == expected)
            #expect("\(configuration)" == expected)
            #expect(!String(reflecting: configuration).contains("s3"))
            var dumped = ""
            dump(configuration, to: &dumped)
            #expect(!dumped.contains("s3"), "dump shows \(dumped)")
        }
    }

    @Test("DATABASE_URL is read from the environment and a missing one is a clear error")
    func fromEnvironment() throws {
        let configuration = try PostgresConfiguration.fromEnvironment(["DATABASE_URL": "postgresql://u:pw-123@h/db"])
        #expect(configuration.url == "postgresql://u:pw-123@h/db")
        let missing = #expect(throws: PostgresError.self) { try PostgresConfiguration.fromEnvironment([:]) }
        #expect(missing?.code == .invalidConfiguration)
        #expect(missing?.description.contains("DATABASE_URL") == true)
        let invalid = #expect(throws: PostgresError.self) {
            try PostgresConfiguration.fromEnvironment(["DATABASE_URL": "postgresql://u:pw-123@h/db?bogus_option=1"])
        }
        #expect(invalid?.code == .invalidConfiguration)
        #expect(invalid?.description.contains("pw-123") == false)
    }

    @Test("connecting with a wrong password fails without revealing either password", .tags(.integration))
    func wrongPassword() throws {
        let real = try TestEnvironment.databaseURL()
        let realPassword = String(real.split(separator: "@")[0].split(separator: ":").last!)
        let wrongPassword = "wrong-Pa55word-\(TestEnvironment.uniqueName("x"))"
        let urls = [
            real.replacingOccurrences(of: ":\(realPassword)@", with: ":\(wrongPassword)@"),
            "host=127.0.0.1 port=\(real.split(separator: ":").last!.split(separator: "/")[0]) user=postgres password='\(wrongPassword)' dbname=postgres",
        ]
        for url in urls {
            let error = #expect(throws: PostgresError.self) {
                try PostgresConnection.connect(PostgresConfiguration(url: url))
            }
            let text = error.map { "\($0) \($0.message) \($0.context ?? "") \(String(reflecting: $0))" } ?? ""
            #expect(error?.code == .connectionFailed)
            #expect(text.contains("password authentication failed"))
            #expect(!text.contains(wrongPassword))
            #expect(!text.contains(realPassword))
            #expect(error?.isConnectionError == false)
        }
    }

    @Test("an unreachable server is a retryable connection error", .tags(.integration))
    func unreachableServer() throws {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection.connect(PostgresConfiguration(url: "postgresql://u:pw-xyz@127.0.0.1:1/db?connect_timeout=2"))
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.isConnectionError == true)
        #expect(error?.description.contains("pw-xyz") == false)
    }
}
