import Postgres
import TestSupport
import Testing

@Suite("Transactions", .tags(.integration))
struct TransactionTests {
    @Test("a failing statement inside transaction rolls back everything before it and keeps its SQLSTATE")
    func failureRollsBack() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (id int PRIMARY KEY)")
            let error = #expect(throws: PostgresError.self) {
                try connection.transaction { tx in
                    try tx.query("INSERT INTO t VALUES ($1)", [1])
                    try tx.query("INSERT INTO t VALUES ($1)", [2])
                    try tx.query("INSERT INTO t VALUES ($1)", [1])
                }
            }
            #expect(error?.sqlState == "23505")
            #expect(connection.isInTransaction == false)
            #expect(try connection.query("SELECT count(*) FROM t").rows == [["0"]])
        }
    }

    @Test("a Swift error thrown by the body rolls back and is rethrown unchanged")
    func bodyErrorRollsBack() throws {
        struct Stop: Error, Equatable {}
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (id int)")
            #expect(throws: Stop()) {
                try connection.transaction { tx in
                    try tx.query("INSERT INTO t VALUES (1)")
                    throw Stop()
                }
            }
            #expect(try connection.query("SELECT count(*) FROM t").rows == [["0"]])
        }
    }

    @Test("a committed transaction keeps its rows and returns the body's value")
    func commitKeepsRows() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (id int)")
            let value = try connection.transaction { tx in
                try tx.query("INSERT INTO t VALUES (1), (2)").affectedRows
            }
            #expect(value == 2)
            #expect(try connection.query("SELECT count(*) FROM t").rows == [["2"]])
        }
    }

    @Test("a swallowed statement error makes COMMIT report transactionRolledBack")
    func swallowedErrorIsNotSilent() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (id int PRIMARY KEY)")
            let error = #expect(throws: PostgresError.self) {
                try connection.transaction { tx in
                    try tx.query("INSERT INTO t VALUES (1)")
                    _ = try? tx.query("INSERT INTO t VALUES (1)")
                }
            }
            #expect(error?.code == .transactionRolledBack)
            #expect(try connection.query("SELECT count(*) FROM t").rows == [["0"]])
        }
    }

    @Test("nesting transaction is refused without disturbing the outer one")
    func nestingIsRefused() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (id int)")
            try connection.transaction { outer in
                try outer.query("INSERT INTO t VALUES (1)")
                let error = #expect(throws: PostgresError.self) {
                    try outer.transaction { _ in }
                }
                #expect(error?.code == .transactionAlreadyOpen)
            }
            #expect(try connection.query("SELECT count(*) FROM t").rows == [["1"]])
        }
    }
}
