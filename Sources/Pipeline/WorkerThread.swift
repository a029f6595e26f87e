import Foundation

/// Runs blocking work (libpq, librdkafka, zstd calls) on a thread of its own, never on Swift's
/// cooperative pool, and lets the starter wait for it to end. Every thread the pipeline starts
/// goes through here, so there is one way to start and join one.
public final class WorkerThread: Sendable {
    private let ended = ConditionLocked(false)

    /// Starts `body` at once on a new thread named `name` (shown by debuggers and `top -H`).
    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [ended] in
            Self.nameCurrentThread(name)
            body()
            ended.withLock { $0 = true }
        }
        thread.start()
    }

    /// Waits until the body has returned.
    public func join() {
        ended.withLock(waitingUntil: { $0 }) { _ in }
    }

    /// Waits at most `timeout`; true when the body has returned.
    public func join(timeout: Duration) -> Bool {
        ended.withLock(waitingUntil: { $0 }, timeout: timeout) { _ in } != nil
    }

    /// Whether the body has returned (without waiting).
    public var hasEnded: Bool { ended.withLock { $0 } }

    /// Gives the calling thread the name `top -H`, debuggers and crash reports show. On Linux
    /// Foundation's `Thread.name` does not reliably reach the kernel (a name set before `start()`
    /// never does, one set inside races with `start()`), and the new thread would keep its
    /// creator's name; the kernel takes a thread's own name through procfs.
    private static func nameCurrentThread(_ name: String) {
        #if os(Linux)
        if let comm = FileHandle(forWritingAtPath: "/proc/thread-self/comm") {
            try? comm.write(contentsOf: Data(kernelName(name).utf8))
            try? comm.close()
        }
        #else
        Thread.current.name = name
        #endif
    }

    /// `name` in the kernel's 15 bytes, keeping a trailing `-N` (the part number tells the
    /// threads of one job apart): "backfill-ingest-1" becomes "backfill-inge-1".
    static func kernelName(_ name: String) -> String {
        let bytes = Array(name.utf8)
        guard bytes.count > 15 else { return name }
        let suffix = bytes.lastIndex(of: UInt8(ascii: "-")).map { Array(bytes[$0...]) } ?? []
        let isNumber = suffix.count > 1 && suffix.count < 8 && suffix.dropFirst().allSatisfy { (0x30...0x39).contains($0) }
        let kept = isNumber ? Array(bytes.prefix(15 - suffix.count)) + suffix : Array(bytes.prefix(15))
        return String(decoding: kept, as: UTF8.self)
    }
}
