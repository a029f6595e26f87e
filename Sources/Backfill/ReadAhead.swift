import Foundation
import Kafka
import Pipeline

/// Reads ranges on a thread of its own, one batch ahead of the caller: the next batch is fetched
/// while the current one is decoded and written, so a slow fetch (a partition's first, or the
/// broker pausing) no longer leaves the worker idle. Memory: one batch more in flight.
enum ReadAhead {
    static func read(_ reader: RangeReader, topic: String, ranges: [OffsetRange], batchSize: Int, partitionsAtOnce: Int,
                     onBatch: ([KafkaRecord]) throws -> Void) throws {
        let queue = BlockingQueue<[KafkaRecord]>(capacity: 1)
        let ended = DispatchSemaphore(value: 0)
        let thread = Thread {
            do {
                // Time blocked here (the caller still busy) counts as time in `onBatch`: not a stall.
                try reader.read(topic: topic, ranges: ranges, batchSize: batchSize, partitionsAtOnce: partitionsAtOnce) { try queue.push($0) }
                queue.finish()
            } catch {
                queue.finish(throwing: error)
            }
            ended.signal()
        }
        thread.name = "backfill-read"
        thread.start()
        defer { ended.wait() }
        do {
            while let batch = try queue.pop() { try onBatch(batch) }
        } catch {
            queue.cancel()  // the reading thread stops at its next hand-over
            throw error
        }
    }
}
