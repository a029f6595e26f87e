/// A connection on its way to the one thread that will use it from now on.
///
/// `PostgresConnection` is not `Sendable` (a `PGconn` must not be used by two threads at once),
/// but a connection may move: the sender hands it over and does not touch it again until that
/// thread has ended (it is joined). This wrapper is where that promise is made, once, instead of
/// in every type that runs a connection on a thread of its own.
public struct ConnectionHandoff: @unchecked Sendable {
    public let connection: PostgresConnection
    public init(_ connection: PostgresConnection) { self.connection = connection }
}
