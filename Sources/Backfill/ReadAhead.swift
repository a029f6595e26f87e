import Kafka
import Pipeline

/// Reads ranges on a thread of its own, one batch ahead of the caller: the next batch is fetched
/// while the current one is decoded and written, so a slow fetch (a partition's first, or the
/// broker pausing) no longer leaves the worker idle. Memory: one batch more in flight.
enum ReadAhead {
    static func read(_ reader: RangeReader, topic: String, ranges: [OffsetRange], batchSize: Int, partitionsAtOnce: Int,
                     onBatch: ([KafkaRecord]) throws -> Void) throws {
        let queue = BlockingQueue<[KafkaRecord]>(capacity: 1)
        let thread = WorkerThread(name: "backfill-read") {
            do {
                // Time blocked here (the caller still busy) counts as time in `onBatch`: not a stall.
                try reader.read(topic: topic, ranges: ranges, batchSize: batchSize, partitionsAtOnce: partitionsAtOnce) { try queue.push($0) }
                queue.finish()
            } catch {
                queue.finish(throwing: error)
            }
        }
        defer { thread.join() }
        do {
            while let batch = try queue.pop() { try onBatch(batch) }
        } catch {
            queue.cancel()  // the reading thread stops at its next hand-over
            throw error
        }
    }
}
