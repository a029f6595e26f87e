/// A sensor's rows from its readings one at a time — in event order and free of duplicates —
/// without holding them: what `SubjectFold` gives for a subject of readings only.
///
/// Readings of one instant arrive together, the largest event id last, so an instant's row is
/// final as soon as a later instant starts; the first reading gives `created_at`, the last one
/// `updated_at` and the latest row.
public struct SensorFold: Sendable {
    public let subjectID: String
    private var instant: TemperatureReadingRow?
    private var first: Timestamp?

    public init(subjectID: String) { self.subjectID = subjectID }

    /// Adds the next reading; returns the previous instant's row when this one starts a new instant.
    public mutating func add(eventID: String, occurredAt: Timestamp, celsius: Double, humidity: Double?) -> TemperatureReadingRow? {
        let reading = TemperatureReadingRow(subjectID: subjectID, occurredAt: occurredAt, celsius: celsius, humidity: humidity, eventID: eventID)
        defer {
            instant = reading
            first = first ?? occurredAt
        }
        guard let previous = instant, previous.occurredAt != occurredAt else { return nil }
        return previous
    }

    /// The last instant's row, the subject row and the latest row (nothing without readings).
    public func finish() -> SubjectRows {
        var rows = SubjectRows()
        guard let last = instant, let first else { return rows }
        rows.temperatureReadings = [last]
        rows.subject = SubjectRow(subjectID: subjectID, subject: .sensor, visibility: "private", createdAt: first, updatedAt: last.occurredAt)
        rows.temperatureLatest = TemperatureLatestRow(subjectID: subjectID, celsius: last.celsius, humidity: last.humidity,
                                                      occurredAt: last.occurredAt, eventID: last.eventID)
        return rows
    }
}
