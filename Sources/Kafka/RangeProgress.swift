/// Where each partition's range stands during one `RangeReader.read`: the next offset expected,
/// when it last moved, and what went wrong meanwhile. Decides which records belong to a range
/// and when a range is complete.
///
/// Kept in arrays indexed by partition id because it is consulted for every record read.
final class RangeProgress {
    struct State {
        var start: Int64
        var end: Int64
        var next: Int64
        var lastProgress: ContinuousClock.Instant
        /// Where librdkafka last reported the end of the partition's log.
        var endOfPartition: Int64?
        var lastError: KafkaError?
        var done = false
        /// Whether the partition is being fetched yet (a partition waiting its turn cannot stall).
        var started = false
    }

    let stallTimeout: Duration
    /// The time of the current poll, read once per poll rather than per record.
    var now = ContinuousClock.now
    private var states: [State] = []
    private var slots: [Int]  // partition id → index in `states`, -1 when not being read
    private var pending: Int
    private var finished: [Int32] = []
    private(set) var lastGeneralError: KafkaError?

    /// - Parameter ranges: non-empty, at most one per partition, partitions >= 0.
    init(ranges: [OffsetRange], stallTimeout: Duration) {
        self.stallTimeout = stallTimeout
        slots = Array(repeating: -1, count: Int(ranges.map(\.partition).max() ?? 0) + 1)
        for range in ranges {
            slots[Int(range.partition)] = states.count
            states.append(State(start: range.start, end: range.end, next: range.start, lastProgress: now))
        }
        pending = ranges.count
    }

    var isComplete: Bool { pending == 0 }

    @inline(__always)
    private func slot(_ partition: Int32) -> Int? {
        guard partition >= 0, Int(partition) < slots.count else { return nil }
        let slot = slots[Int(partition)]
        return slot >= 0 ? slot : nil
    }

    func state(_ partition: Int32) -> State? { slot(partition).map { states[$0] } }

    /// The next offset a still-running partition expects.
    func nextOffset(_ partition: Int32) -> Int64? {
        guard let slot = slot(partition), !states[slot].done else { return nil }
        return states[slot].next
    }

    func restartClocks() {
        now = .now
        for index in states.indices { states[index].lastProgress = now }
    }

    /// The partition's fetch has begun: from now on it must make progress.
    func markStarted(_ partition: Int32) {
        guard let slot = slot(partition) else { return }
        states[slot].started = true
        states[slot].lastProgress = .now
    }

    /// A record at `offset` arrived; returns whether it belongs to the range (not before it, not
    /// a duplicate, not past its end). Completes the range when its last offset is reached.
    @inline(__always)
    func accept(_ partition: Int32, offset: Int64) -> Bool {
        guard let slot = slot(partition), !states[slot].done, offset >= states[slot].next else { return false }
        let inside = offset < states[slot].end
        states[slot].next = offset + 1
        states[slot].lastProgress = now
        if states[slot].lastError != nil { states[slot].lastError = nil }
        if offset + 1 >= states[slot].end { finish(slot) }
        return inside
    }

    /// librdkafka reached the partition's current end at `offset`: every record before it has been
    /// delivered, so the range is complete if it ends there or earlier. Offsets below it that never
    /// came are gaps (compaction, transaction markers).
    func reachedEnd(_ partition: Int32, at offset: Int64) {
        guard let slot = slot(partition), !states[slot].done else { return }
        states[slot].endOfPartition = offset
        if offset >= states[slot].end {
            finish(slot)
        } else if offset > states[slot].next {
            states[slot].next = offset
            states[slot].lastProgress = now
        }
    }

    func noteTransientError(_ partition: Int32, _ error: KafkaError) {
        if let slot = slot(partition) {
            states[slot].lastError = error
        } else {
            lastGeneralError = error
        }
    }

    private func finish(_ slot: Int) {
        states[slot].done = true
        pending -= 1
        finished.append(partition(of: slot))
    }

    private func partition(of slot: Int) -> Int32 { Int32(slots.firstIndex(of: slot)!) }

    /// Partitions completed since the last call, so the reader can stop fetching them.
    func takeFinished() -> [Int32] {
        defer { finished.removeAll() }
        return finished
    }

    /// Time the caller spent in its batch callback is not the partitions' fault.
    func excuse(_ duration: Duration) {
        for index in states.indices where !states[index].done { states[index].lastProgress += duration }
    }

    /// The lowest partition that has waited `stallTimeout` without progress, if any.
    func stalledPartition() -> Int32? {
        let now = ContinuousClock.now
        return states.indices
            .filter { states[$0].started && !states[$0].done && now - states[$0].lastProgress >= stallTimeout }
            .map(partition(of:)).min()
    }
}
