import Testing
@testable import Lifestream

@Suite("Timestamps")
struct TimestampTests {
    @Test("parses UTC and offsets to the same instant")
    func offsets() throws {
        let utc = try #require(Timestamp(rfc3339: "2026-01-01T10:00:00Z"))
        let plusTwo = try #require(Timestamp(rfc3339: "2026-01-01T12:00:00+02:00"))
        let minus = try #require(Timestamp(rfc3339: "2026-01-01T04:30:00-05:30"))
        #expect(utc == plusTwo)
        #expect(utc == minus)
        #expect(utc.microseconds == 1_767_261_600_000_000)
    }

    @Test("truncates fractions beyond microseconds instead of rounding")
    func truncates() throws {
        let t = try #require(Timestamp(rfc3339: "2026-01-01T00:00:00.123456999Z"))
        #expect(t.microseconds % 1_000_000 == 123_456)
        let short = try #require(Timestamp(rfc3339: "2026-01-01T00:00:00.5Z"))
        #expect(short.microseconds % 1_000_000 == 500_000)
    }

    @Test("rejects what RFC 3339 does not allow", arguments: [
        "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-01-01T24:00:00Z",
        "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567891Z", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00+0200",
        "2026-01-01T00:00:00+02:00x", "yesterday",
    ])
    func rejects(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test("accepts leap days and lowercase separators")
    func leapDay() {
        #expect(Timestamp(rfc3339: "2024-02-29t23:59:59.999999z") != nil)
    }

    @Test("formats for PostgreSQL and for people")
    func formats() throws {
        let t = try #require(Timestamp(rfc3339: "1969-12-31T23:59:59.000001Z"))
        #expect(t.postgresText == "1969-12-31 23:59:59.000001+00")
        #expect(t.description == "1969-12-31T23:59:59.000001Z")
        #expect(Timestamp(microseconds: 0).postgresText == "1970-01-01 00:00:00+00")
        #expect(try #require(Timestamp(rfc3339: "0001-01-01T00:00:00.5Z")).postgresText == "0001-01-01 00:00:00.500000+00")
        #expect(try #require(Timestamp(rfc3339: "9999-12-31T23:59:59.999999Z")).postgresText == "9999-12-31 23:59:59.999999+00")
        #expect(Timestamp(microseconds: 253_402_300_800_000_000).postgresText == "10000-01-01 00:00:00+00")
    }
}
