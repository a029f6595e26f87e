import Pipeline

/// `body` on a thread of its own (it blocks: libpq, librdkafka, sleeps), its value handed back
/// to whoever joins. Tests block on it rather than await: under the whole suite the cooperative
/// pool is busy for minutes with synchronous tests, and an await would wait for the pool, not
/// for the code under test.
public final class OnThread<Value: Sendable>: Sendable {
    private let result = ConditionLocked<Value?>(nil)

    public init(name: String = "test-thread", _ body: @escaping @Sendable () -> Value) {
        _ = WorkerThread(name: name) { [result] in
            let value = body()
            result.withLock { $0 = value }
        }
    }

    /// Waits for the body's value.
    public func join() -> Value {
        result.withLock(waitingUntil: { $0 != nil }) { $0! }
    }

    /// Waits at most `timeout`; nil when the body is still running then.
    public func join(timeout: Duration) -> Value? {
        result.withLock(waitingUntil: { $0 != nil }, timeout: timeout) { $0! }
    }
}
