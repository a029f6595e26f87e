import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection, used synchronously.
///
/// Every call blocks in libpq until the server answers, so a connection belongs to one thread:
/// callers give it a `Thread` of its own rather than blocking Swift's cooperative pool. That is
/// also why the type is deliberately not `Sendable` (the `PGconn` pointer must not be shared).
///
/// Statements use the extended protocol with *unnamed* statements (`PQexecParams`), so nothing
/// outlives a statement on the server and the connection works through a transaction-mode
/// PgBouncer.
public final class PostgresConnection {
    /// The libpq handle; nil once closed.
    var handle: OpaquePointer?
    public let configuration: PostgresConfiguration
    private let notices = NoticeSink()
    /// When set, `transaction` commits without waiting for the WAL to reach disk
    /// (`SET LOCAL synchronous_commit = off`), and `flushCommits` is the caller's barrier.
    ///
    /// A follower commits several small transactions per batch; waiting for the disk at each
    /// cost it 25–95 ms a batch. PostgreSQL writes the WAL in order, so one durable commit after
    /// them makes all of them durable; a server crash before it loses only a suffix of them,
    /// which is what a crash of the tool before them would have left — work it redoes. SET LOCAL,
    /// not SET: a transaction-mode pooler hands the server session on between transactions.
    public var defersCommitFlush = false

    /// Receives the server's notices and warnings (RAISE NOTICE, "there is no transaction in
    /// progress", …). Without it they are dropped rather than printed: libpq's default writes
    /// to stderr, which would interleave with the tool's own output.
    public var onNotice: ((String) -> Void)? {
        get { notices.handler }
        set { notices.handler = newValue }
    }

    /// Opens a connection, waiting at most `connect_timeout` (10 s unless the URL says otherwise).
    ///
    /// The URL's own `application_name` wins over `applicationName`, so an operator can tag a
    /// run without a code change, unless `applicationNameOverridesURL`: connections whose name
    /// others look for in `pg_stat_activity` (see `AdvisoryLease.waitForOthers`) must carry it
    /// whatever the URL says. The client encoding is always UTF-8, which is what Swift's
    /// Strings are.
    public static func connect(
        _ configuration: PostgresConfiguration, applicationName: String = "backfill", applicationNameOverridesURL: Bool = false
    ) throws -> PostgresConnection {
        // Entries before "dbname" are defaults the expanded URL can override; entries after it
        // override the URL (libpq processes the arrays in order, last value wins).
        let name = ("application_name", applicationName)
        let settings: [(String, String)] = [("connect_timeout", "10")]
            + (applicationNameOverridesURL ? [] : [name])
            + [("dbname", configuration.url), ("client_encoding", "UTF8")]
            + (applicationNameOverridesURL ? [name] : [])
        let handle = withCStringArray(settings.map(\.0)) { keywords in
            withCStringArray(settings.map(\.1)) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let handle else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection",
                                context: "trying \(configuration.redactedURL)")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = configuration.scrub(libpqMessage(PQerrorMessage(handle)))
            PQfinish(handle)
            throw PostgresError(code: .connectionFailed, message: message,
                                context: "trying \(configuration.redactedURL)")
        }
        return PostgresConnection(handle: handle, configuration: configuration)
    }

    private init(handle: OpaquePointer, configuration: PostgresConfiguration) {
        self.handle = handle
        self.configuration = configuration
        PQsetNoticeReceiver(handle, { context, result in
            guard let context, let result else { return }
            let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
            guard let handler = sink.handler else { return }
            handler(libpqMessage(PQresultErrorMessage(result)))
        }, Unmanaged.passUnretained(notices).toOpaque())
    }

    deinit { close() }

    /// Ends the session and frees libpq's memory. Safe to call twice; later calls on the
    /// connection throw `.connectionClosed`. libpq does not wait for the server to finish the
    /// session: its advisory locks are released a moment after this returns, so release them
    /// with `advisoryUnlock` first when another connection must get them at once.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        PQfinish(handle)
    }

    public var isOpen: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// The server's version as an integer, e.g. 180006 for 18.6; 0 when closed.
    public var serverVersion: Int { handle.map { Int(PQserverVersion($0)) } ?? 0 }

    /// True between BEGIN and COMMIT/ROLLBACK (also when the transaction has failed).
    public var isInTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// Runs one statement with `parameters` bound to `$1`, `$2`, … and returns its rows.
    ///
    /// Values never become part of the SQL text. Text parameters are sent with type "unknown"
    /// (the server infers it, as for a quoted literal); `.bytes` as binary bytea.
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) throws -> PostgresResult {
        let handle = try requireOpen()
        let context = Self.describe(sql)
        let encoded = try EncodedParameters(parameters, context: context)
        let result = encoded.withLibPQArrays { count, types, values, lengths, formats in
            PQexecParams(handle, sql, count, types, values, lengths, formats, 0)
        }
        return try consumeResult(result, context: context)
    }

    /// Runs `sql`, which may hold several statements separated by semicolons (a DDL script).
    /// Takes no parameters: use `query` for anything that carries values.
    public func execute(_ sql: String) throws {
        let handle = try requireOpen()
        _ = try consumeResult(PQexec(handle, sql), context: Self.describe(sql))
    }

    // MARK: - Shared plumbing

    func requireOpen() throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(code: .connectionClosed, message: "close() was called on it")
        }
        return handle
    }

    /// Turns a finished statement's result into rows or an error, and clears it.
    func consumeResult(_ result: OpaquePointer?, context: String) throws -> PostgresResult {
        guard let result else { throw failure(from: nil, code: .server, context: context) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY {
            return PostgresResult(copying: result)
        }
        if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
            abandonCopy(status)
            throw PostgresError(code: .protocolViolation,
                                message: "the statement started a COPY; use copyIn or copyOut for COPY",
                                context: context)
        }
        throw failure(from: result, code: .server, context: context)
    }

    /// Gets the connection out of a COPY state nobody asked for, so it stays usable.
    func abandonCopy(_ status: ExecStatusType) {
        guard let handle else { return }
        if status == PGRES_COPY_IN {
            _ = PQputCopyEnd(handle, "COPY FROM STDIN must go through copyIn")
        } else {
            var buffer: UnsafeMutablePointer<CChar>?
            while PQgetCopyData(handle, &buffer, 0) > 0 {
                PQfreemem(buffer)
                buffer = nil
            }
        }
        drainResults()
    }

    /// Reads and discards results until libpq is ready for the next command.
    func drainResults() {
        guard let handle else { return }
        while let result = PQgetResult(handle) { PQclear(result) }
    }

    /// Builds the error for a failed statement from the server's fields. When the socket is
    /// gone the failure is `.connectionLost` whatever was being done, since that is what decides
    /// whether to reconnect.
    func failure(from result: OpaquePointer?, code: PostgresError.Code, context: String) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let result, let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let connectionMessage = handle.map { libpqMessage(PQerrorMessage($0)) } ?? ""
        let lost = handle.map { PQstatus($0) == CONNECTION_BAD } ?? true
        var message = field("M") ?? (result.map { libpqMessage(PQresultErrorMessage($0)) } ?? "")
        if message.isEmpty { message = connectionMessage.isEmpty ? "no error message was given" : connectionMessage }
        return PostgresError(
            code: lost ? .connectionLost : code,
            sqlState: field("C"),
            message: configuration.scrub(message),
            detail: field("D"),
            hint: field("H"),
            context: context,
            serverContext: field("W").map { String($0.prefix { $0 != "\n" }) }
        )
    }

    /// "running INSERT": the statement's first keyword only, because the rest of a script's
    /// text may hold literal values that do not belong in logs.
    static func describe(_ sql: String) -> String {
        let keyword = sql.unicodeScalars
            .drop { !$0.properties.isAlphabetic }
            .prefix { $0.properties.isAlphabetic }
        return keyword.isEmpty ? "running an empty statement" : "running \(String(keyword).uppercased())"
    }
}

/// Holds the notice handler where libpq's C callback can reach it without retaining the
/// connection (it lives exactly as long as the connection, which outlives every libpq call).
private final class NoticeSink {
    var handler: ((String) -> Void)?
}

/// libpq's messages end in a newline and may span lines; errors here are one sentence.
func libpqMessage(_ pointer: UnsafePointer<CChar>?) -> String {
    guard let pointer else { return "" }
    return String(cString: pointer)
        .split(whereSeparator: \.isNewline)
        .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
        .filter { !$0.isEmpty }
        .joined(separator: "; ")
}

/// Calls `body` with a NULL-terminated array of C strings that lives for the call.
func withCStringArray<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) } + [nil])
}
