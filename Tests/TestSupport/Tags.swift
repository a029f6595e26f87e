import Testing

extension Tag {
    /// Needs something outside the test process: the local PostgreSQL, Kafka broker or
    /// embedding service, librdkafka's mock cluster, PgBouncer, or the `backfill` executable (or
    /// another program) run as a subprocess. Every suite without it is pure and runs in
    /// milliseconds: `scripts/test.sh --unit` runs exactly those, without starting any server.
    @Tag public static var integration: Self
}
