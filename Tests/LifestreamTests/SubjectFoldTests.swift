import Testing
@testable import Lifestream

@Suite("Subject fold")
struct SubjectFoldTests {
    private func at(_ second: Int) -> Timestamp { Timestamp(microseconds: 1_767_225_600_000_000 + Int64(second) * 1_000_000) }
    private func event(_ id: String, _ second: Int, _ payload: Payload, subject: String = "s1", source: String? = nil) -> Event {
        let type: EventType = switch payload {
        case .linkAdded: .linkAdded
        case .contentFetched: .contentFetched
        case .enrichmentCompleted: .enrichmentCompleted
        case .publishCompleted: .publishCompleted
        case .linkVisibilityChanged: .linkVisibilityChanged
        case .tempReadingRecorded: .tempReadingRecorded
        case .todoCreated: .todoCreated
        case .todoCompleted: .todoCompleted
        case .annotationAdded: .annotationAdded
        }
        return Event(eventID: id, type: type, occurredAt: at(second), subjectID: subject, source: source, payload: payload)
    }

    @Test("a sensor folded one reading at a time gives SubjectFold's rows, equal instants and all")
    func sensorFoldMatchesSubjectFold() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let readings = (0..<Int.random(in: 1...40, using: &generator)).map { index in
                event("r\(Int.random(in: 0...999, using: &generator))-\(index)", Int.random(in: 0...15, using: &generator),
                      .tempReadingRecorded(celsius: Double(index) / 3, humidity: index % 4 == 0 ? nil : Double(index)))
            }.sorted(by: Event.eventOrder)
            var sensor = SensorFold(subjectID: "s1")
            var streamed: [TemperatureReadingRow] = []
            for reading in readings {
                guard case let .tempReadingRecorded(celsius, humidity) = reading.payload else { continue }
                if let row = sensor.add(eventID: reading.eventID, occurredAt: reading.occurredAt, celsius: celsius, humidity: humidity) {
                    streamed.append(row)
                }
            }
            var rows = sensor.finish()
            rows.temperatureReadings = streamed + rows.temperatureReadings
            #expect(rows == SubjectFold.fold(sorted: readings))
        }
        #expect(SensorFold(subjectID: "s1").finish() == SubjectRows())
    }

    @Test("a partial event before its creator takes effect once the creator is there")
    func partialBeforeCreate() throws {
        let fetched = event("b", 5, .contentFetched(httpStatus: 200, contentType: "text/html", text: "hi", wordCount: 1))
        let pending = SubjectFold.fold([fetched])
        #expect(pending.link == nil && pending.linkContent == nil && pending.subject == nil)
        #expect(pending.pendingEvents == 1)

        let rows = SubjectFold.fold([fetched, event("a", 1, .linkAdded(url: "u", title: "t"), source: "web")])
        let link = try #require(rows.link)
        #expect(link.status == "fetched" && link.fetchedAt == at(5) && link.addedAt == at(1) && link.source == "web")
        #expect(rows.linkContent?.httpStatus == 200)
        #expect(rows.subject == SubjectRow(subjectID: "s1", subject: .link, visibility: "private", createdAt: at(1), updatedAt: at(1)))
        #expect(rows.pendingEvents == 0)
    }

    @Test("out-of-order arrival gives the same rows as event order")
    func orderIndependent() {
        let events = [
            event("a", 1, .linkAdded(url: "u1", title: nil)),
            event("b", 2, .enrichmentCompleted(summary: "s", tags: #"["x"]"#, language: "en", model: "m")),
            event("c", 3, .publishCompleted(target: "blog", url: "p")),
            event("d", 4, .linkVisibilityChanged(visibility: "public")),
            event("e", 0, .linkVisibilityChanged(visibility: "unlisted")),
        ]
        let expected = SubjectFold.fold(events)
        #expect(SubjectFold.fold(events.reversed()) == expected)
        #expect(expected.link?.status == "published")
        #expect(expected.link?.visibility == "public")
        #expect(expected.subject?.createdAt == at(0))
        #expect(expected.subject?.updatedAt == at(4))
        #expect(expected.publishState?.status == "published")
        #expect(expected.publishState?.publishedURL == "p")
        #expect(expected.link?.updatedAt == at(4))
    }

    @Test("equal instants are ordered by event id bytes")
    func equalInstants() {
        let rows = SubjectFold.fold([
            event("b", 1, .todoCreated(title: "second", notes: nil, dueAt: nil)),
            event("a", 1, .todoCreated(title: "first", notes: nil, dueAt: nil)),
        ])
        #expect(rows.todo?.title == "second")
    }

    @Test("a reading at the same instant keeps the larger event id; latest follows event order")
    func readings() {
        let rows = SubjectFold.fold([
            event("r2", 1, .tempReadingRecorded(celsius: 2, humidity: nil)),
            event("r1", 1, .tempReadingRecorded(celsius: 1, humidity: nil)),
            event("r0", 0, .tempReadingRecorded(celsius: 0, humidity: 50)),
        ])
        #expect(rows.temperatureReadings.map(\.eventID).sorted() == ["r0", "r2"])
        #expect(rows.temperatureLatest?.eventID == "r2")
        #expect(rows.subject?.subject == .sensor)
    }

    @Test("todo completion before creation still ends done")
    func todoDone() {
        let rows = SubjectFold.fold([event("b", 9, .todoCompleted), event("a", 1, .todoCreated(title: "t", notes: "n", dueAt: at(100)))])
        #expect(rows.todo?.status == "done" && rows.todo?.completedAt == at(9) && rows.todo?.updatedAt == at(9))
        #expect(rows.subject?.updatedAt == at(1))
    }
}
