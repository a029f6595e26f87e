import Testing
@testable import Lifestream

@Suite("Live materializer emulator")
struct LiveMaterializerEmulatorTests {
    private func record(_ id: String, _ type: String, _ at: String, _ payload: String) -> [UInt8] {
        Array(#"{"event_id":"\#(id)","event_type":"\#(type)","occurred_at":"\#(at)","subject_id":"s1","payload":\#(payload)}"#.utf8)
    }

    @Test("a partial event before its creating event is skipped as a NOT NULL violation")
    func partialBeforeCreate() {
        var live = LiveMaterializerEmulator()
        live.apply(recordValue: record("e2", "content.fetched", "2026-01-01T00:00:05Z", #"{"http_status":200}"#))
        live.apply(recordValue: record("e1", "link.added", "2026-01-01T00:00:01Z", #"{"url":"u"}"#))
        #expect(live.skippedByTable == ["links": 1])
        #expect(live.tables["links"]?["s1"]?["status"] == "added")  // the canonical state says "fetched"
        #expect(live.tables["link_content"]?["s1"] != nil)         // no guard: the partial row went in
    }

    @Test("an out-of-order event overwrites a newer value, as the live job does")
    func outOfOrder() {
        var live = LiveMaterializerEmulator()
        live.apply(recordValue: record("e1", "todo.created", "2026-01-01T00:00:01Z", #"{"title":"t"}"#))
        live.apply(recordValue: record("e3", "todo.completed", "2026-01-01T00:00:09Z", "{}"))
        live.apply(recordValue: record("e2", "todo.created", "2026-01-01T00:00:05Z", #"{"title":"later title"}"#))
        #expect(live.tables["todos"]?["s1"]?["status"] == "open")
        #expect(live.tables["todos"]?["s1"]?["updated_at"] == Timestamp(rfc3339: "2026-01-01T00:00:05Z")!.postgresText)
        #expect(live.skippedStatements == 0)
    }

    @Test("invalid records are counted and change nothing")
    func invalid() {
        var live = LiveMaterializerEmulator()
        live.apply(recordValue: Array("{".utf8))
        #expect(live.invalidRecords == 1 && live.tables.isEmpty)
    }
}
