@testable import Backfill
import Kafka
import Testing

@Suite("Ingest workers")
struct IngestWorkersTests {
    @Test("partitions are dealt out whole, none twice, empty ones left out, the load balanced")
    func split() {
        let ranges = [(0, 100), (1, 10), (2, 0), (3, 60), (4, 50), (5, 5)].map {
            OffsetRange(partition: Int32($0.0), start: 0, end: Int64($0.1))
        }
        let groups = IngestWorkers.split(ranges, into: 2)
        #expect(groups.count == 2)
        #expect(groups.flatMap { $0 }.map(\.partition).sorted() == [0, 1, 3, 4, 5])
        let loads = groups.map { $0.reduce(0) { $0 + $1.count } }
        #expect(loads.sorted() == [110, 115])  // 100+10+5 and 60+50
        #expect(groups.allSatisfy { group in group.map(\.partition) == group.map(\.partition).sorted() })
    }

    @Test("more workers than partitions gives one group per partition; one worker gets everything")
    func bounds() {
        let ranges = [OffsetRange(partition: 0, start: 0, end: 3), OffsetRange(partition: 1, start: 5, end: 9)]
        #expect(IngestWorkers.split(ranges, into: 8).count == 2)
        #expect(IngestWorkers.split(ranges, into: 1) == [ranges])
        #expect(IngestWorkers.split([], into: 2).isEmpty)
    }
}
