/// Everything that can go wrong talking to PostgreSQL, as one typed error.
///
/// Callers branch on `code` (and `sqlState` for server errors) rather than on message text;
/// `description` is the one sentence an operator reads in a log. Nothing in it may contain a
/// password or the values of a statement: `context` says what we were doing in words, and
/// server messages about connections have the password scrubbed before they get here.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; an open set of constants so new kinds don't break switches.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// No connection could be established (unreachable host, authentication, bad conninfo).
        public static let connectionFailed = Code("connectionFailed")
        /// The server rejected a statement; `sqlState` says why.
        public static let server = Code("server")
        /// A COPY was rejected or aborted (bad row, server error mid-stream).
        public static let copyFailed = Code("copyFailed")
        /// The server answered with something this API did not ask for (e.g. COPY through `query`).
        public static let protocolViolation = Code("protocolViolation")
        /// The connection broke while in use; whatever was in flight is lost.
        public static let connectionLost = Code("connectionLost")
        /// The connection was closed by this process and cannot be used any more.
        public static let connectionClosed = Code("connectionClosed")
        /// DATABASE_URL (or the given URL) is missing or unusable.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A parameter cannot be sent as given (text with a NUL byte).
        public static let invalidParameter = Code("invalidParameter")
        /// COMMIT answered ROLLBACK: a statement in the transaction failed and its error was swallowed.
        public static let transactionRolledBack = Code("transactionRolledBack")
        /// A result row holds NULL, or a value of another type, where the caller needs one (see
        /// `PostgresRow.decode`): the schema is not what this version expects.
        public static let unexpectedValue = Code("unexpectedValue")
        /// `transaction` was called while a transaction was already open on this connection.
        public static let transactionAlreadyOpen = Code("transactionAlreadyOpen")

        public var description: String { name }
    }

    public var code: Code
    /// Five-character SQLSTATE reported by the server, e.g. "23505"; nil for client-side failures.
    public var sqlState: String?
    /// The primary message (server's, or ours for client-side failures).
    public var message: String
    public var detail: String?
    public var hint: String?
    /// What we were doing, in words ("running INSERT", "copying data in", "trying postgresql://u:***@h/db");
    /// never SQL with values, never a password.
    public var context: String?
    /// The server's own location report (first line of its CONTEXT field), e.g. "COPY t, line 3".
    public var serverContext: String?

    public init(
        code: Code, sqlState: String? = nil, message: String, detail: String? = nil,
        hint: String? = nil, context: String? = nil, serverContext: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.context = context
        self.serverContext = serverContext
    }

    /// The condition name of `sqlState` ("unique_violation"), when PostgreSQL defines one.
    public var conditionName: String? { sqlState.flatMap(SQLStateNames.name(for:)) }

    /// True when a new connection (and retrying the work) may succeed: the socket broke, the
    /// server is shutting down or starting up (class 08, 57P01–57P03, 57P05), or it could not be
    /// reached at all. A refused password or a missing database is not worth retrying.
    public var isConnectionError: Bool {
        if let sqlState {
            if sqlState.hasPrefix("08") { return true }
            if ["57P01", "57P02", "57P03", "57P05"].contains(sqlState) { return true }
        }
        switch code {
        case .connectionLost:
            return true
        case .connectionFailed:
            return !PostgresError.isPermanentConnectFailure(message)
        default:
            return false
        }
    }

    public var description: String {
        var sentence = lead
        if let sqlState {
            sentence += " (SQLSTATE \(sqlState)\(conditionName.map { " \($0)" } ?? ""))"
        }
        if let context { sentence += " while \(context)" }
        sentence += ": \(message)"
        if let detail, !detail.isEmpty { sentence += "; \(detail.trimmingTrailingPeriod)" }
        if let hint, !hint.isEmpty { sentence += "; hint: \(hint.trimmingTrailingPeriod)" }
        if let serverContext, !serverContext.isEmpty { sentence += " (at \(serverContext))" }
        return sentence
    }

    private var lead: String {
        switch code {
        case .connectionFailed: return "Connecting to PostgreSQL failed"
        case .server: return "PostgreSQL rejected the statement"
        case .copyFailed: return "The COPY failed"
        case .protocolViolation: return "PostgreSQL answered in a way this client did not expect"
        case .connectionLost: return "The connection to PostgreSQL was lost"
        case .connectionClosed: return "The PostgreSQL connection is already closed"
        case .invalidConfiguration: return "The PostgreSQL configuration is unusable"
        case .invalidParameter: return "A statement parameter cannot be sent"
        case .transactionRolledBack: return "The transaction was rolled back instead of committed"
        case .transactionAlreadyOpen: return "A transaction is already open on this connection"
        default: return "PostgreSQL failed (\(code.name))"
        }
    }

    /// libpq reports connection failures as text only, so recognise the permanent ones by the
    /// server's (English, stable since 9.x) wording.
    private static func isPermanentConnectFailure(_ message: String) -> Bool {
        let permanent = [
            "password authentication failed", "authentication failed for user", "pg_hba.conf",
            "does not exist", "no password supplied", "invalid URI", "invalid connection option",
            "missing \"=\" after", "unterminated quoted string", "invalid percent-encoded token",
        ]
        return permanent.contains { message.contains($0) }
    }
}

extension String {
    fileprivate var trimmingTrailingPeriod: String {
        hasSuffix(".") ? String(dropLast()) : self
    }
}
