import Postgres
import Store
import TestSupport
import Testing
@testable import Reconcile

/// Known differences planted in real tables, found exactly, in both modes.
@Suite("Diff correctness on the real server", .tags(.integration))
struct DiffCorrectnessTests {
    static let amounts = TableSpec(name: "amounts", primaryKey: ["id"])

    /// Plants one of every kind of difference (and as many look-alikes that are equal).
    static func plant(_ fixture: DiffFixture) throws {
        // links: one missing, one extra, one changed status, NULL vs '', NULL vs NULL,
        // 1 µs later updated_at, hostile text equal, hostile text differing by a newline.
        try fixture.link("l-del", in: [fixture.left])
        try fixture.link("l-extra", in: [fixture.right])
        try fixture.link("l-status", in: [fixture.left], status: "added")
        try fixture.link("l-status", in: [fixture.right], status: "fetched")
        try fixture.link("l-null-empty", in: [fixture.left], title: nil)
        try fixture.link("l-null-empty", in: [fixture.right], title: "")
        try fixture.link("l-null-null", title: nil)
        try fixture.link("l-micro", in: [fixture.left], updatedAt: "2024-01-01 00:00:00+00")
        try fixture.link("l-micro", in: [fixture.right], updatedAt: "2024-01-01 00:00:00.000001+00")
        let hostile = "it's \"quoted\"\ttab\nnew line, ñ 漢字 🦀 \\N back\\slash"
        try fixture.link("l-text", title: hostile)
        try fixture.link("l-text-diff", in: [fixture.left], title: hostile)
        try fixture.link("l-text-diff", in: [fixture.right], title: hostile + "\n")
        try fixture.link("l-same")

        // link_metadata: jsonb with keys reordered and other whitespace is equal; another array order is not.
        let metadata = "INSERT INTO {s}.link_metadata (subject_id, summary, tags, language, enriched_at) VALUES ($1, 'ñ', $2::jsonb, 'en', '2024-01-01Z')"
        try fixture.onLeft(metadata, ["l-json", "{\"a\": 1, \"b\": [1, 2], \"c\": {\"y\": null, \"x\": \"é\"}}"])
        try fixture.onRight(metadata, ["l-json", "{ \"c\":{\"x\":\"é\",\"y\":null},\"b\" :[1,2],   \"a\":1.0 }"])
        try fixture.onLeft(metadata, ["l-json-diff", "[1, 2]"])
        try fixture.onRight(metadata, ["l-json-diff", "[2, 1]"])

        // temperature_readings (composite key): 1.0 vs 1 and -0 vs 0 equal, NULL = NULL,
        // a changed humidity, a key 1 µs apart, and 0.1 + 0.2 vs 0.3 (distinct doubles).
        let reading = "INSERT INTO {s}.temperature_readings (subject_id, occurred_at, celsius, humidity, event_id) VALUES ($1, $2, $3, $4, 'e')"
        try fixture.onLeft(reading, ["t-1", "2024-01-01 00:00:00+00", "1.0", nil])
        try fixture.onRight(reading, ["t-1", "2024-01-01 00:00:00+00", "1", nil])
        try fixture.onLeft(reading, ["t-1", "2024-01-01 00:01:00+00", "-0", "5"])
        try fixture.onRight(reading, ["t-1", "2024-01-01 00:01:00+00", "0", "5.0"])
        try fixture.both(reading, ["t-1", "2024-01-01 00:02:00.123456+00", "20.5", nil])
        try fixture.onLeft(reading, ["t-1", "2024-01-01 00:03:00+00", "20.5", "50"])
        try fixture.onRight(reading, ["t-1", "2024-01-01 00:03:00+00", "20.5", "51"])
        try fixture.onLeft(reading, ["t-2", "2024-01-01 00:00:00+00", "1", nil])
        try fixture.onRight(reading, ["t-2", "2024-01-01 00:00:00.000001+00", "1", nil])
        try fixture.onLeft(reading, ["t-2", "2024-01-01 00:05:00+00", "0.30000000000000004", nil])
        try fixture.onRight(reading, ["t-2", "2024-01-01 00:05:00+00", "0.3", nil])

        // annotations: precomposed é and e + combining accent are different keys; hostile text is equal.
        let annotation = "INSERT INTO {s}.annotations (subject_id, link_id, quote, note, created_at) VALUES ($1, 'l', $2, $3, '2024-01-01Z')"
        try fixture.onLeft(annotation, ["a-\u{E9}", "q", nil])
        try fixture.onRight(annotation, ["a-e\u{301}", "q", nil])
        try fixture.both(annotation, ["a-q", .text(hostile), ""])

        // numeric: scale does not matter (1.0 = 1, 1.50 = 1.5), value does; real formatting too.
        try fixture.both("CREATE TABLE {s}.amounts (id integer PRIMARY KEY, amount numeric, ratio real, note text)")
        let amount = "INSERT INTO {s}.amounts VALUES ($1, $2, $3, $4)"
        try fixture.onLeft(amount, ["1", "1.0", "0.5", "a"])
        try fixture.onRight(amount, ["1", "1", "0.50", "a"])
        try fixture.onLeft(amount, ["2", "1.50", nil, nil])
        try fixture.onRight(amount, ["2", "1.5", nil, nil])
        try fixture.onLeft(amount, ["3", "2", "1", "b"])
        try fixture.onRight(amount, ["3", "3", "1", "b"])
        try fixture.both(amount, ["10", nil, "1e-30", "\t"])
    }

    static func changed(_ table: TableDiff) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: table.changedColumns.filter { $0.rows > 0 }.map { ($0.column, $0.rows) })
    }

    @Test("finds exactly the planted differences", arguments: [false, true])
    func planted(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            try Self.plant(fixture)
            let report = try DiffRunner.run(fixture.request(streaming: streaming, tables: TableSpec.lifestream + [Self.amounts], samples: 10))
            #expect(report.mode == (streaming ? .crossDatabase : .sameDatabase))

            let links = try #require(report.table("links"))
            #expect((links.leftRows, links.rightRows) == (8, 8))
            #expect((links.onlyLeft, links.onlyRight, links.changed) == (1, 1, 4))
            #expect(Self.changed(links) == ["status": 1, "title": 2, "updated_at": 1])
            #expect(links.samples.map { $0.key[0].value } == ["l-del", "l-extra", "l-micro", "l-null-empty", "l-status", "l-text-diff"])
            #expect(links.samples.map(\.kind) == [.onlyLeft, .onlyRight, .changed, .changed, .changed, .changed])
            let micro = links.samples[2].differingValues
            #expect(micro == [.init(column: "updated_at", left: "2024-01-01 00:00:00+00", right: "2024-01-01 00:00:00.000001+00", differs: true)])
            #expect(links.samples[3].differingValues == [.init(column: "title", left: nil, right: "", differs: true)])
            #expect(links.samples[0].values.first { $0.column == "url" }?.left == "https://example.com/l-del")
            #expect(links.samples[1].values.first { $0.column == "status" }?.right == "added")

            let metadata = try #require(report.table("link_metadata"))
            #expect((metadata.onlyLeft, metadata.onlyRight, metadata.changed) == (0, 0, 1))
            #expect(Self.changed(metadata) == ["tags": 1])
            #expect(metadata.samples.map { $0.key[0].value } == ["l-json-diff"])

            let readings = try #require(report.table("temperature_readings"))
            #expect((readings.leftRows, readings.rightRows) == (6, 6))
            #expect((readings.onlyLeft, readings.onlyRight, readings.changed) == (1, 1, 2))
            #expect(Self.changed(readings) == ["humidity": 1, "celsius": 1])
            #expect(readings.samples.map { $0.key.map(\.value) } == [
                ["t-1", "2024-01-01 00:03:00+00"], ["t-2", "2024-01-01 00:00:00+00"],
                ["t-2", "2024-01-01 00:00:00.000001+00"], ["t-2", "2024-01-01 00:05:00+00"],
            ])
            #expect(readings.samples[3].differingValues == [.init(column: "celsius", left: "0.30000000000000004", right: "0.3", differs: true)])

            let annotations = try #require(report.table("annotations"))
            #expect((annotations.onlyLeft, annotations.onlyRight, annotations.changed) == (1, 1, 0))
            #expect(annotations.samples.map { Array($0.key[0].value.utf8) } == [Array("a-e\u{301}".utf8), Array("a-\u{E9}".utf8)])

            let amounts = try #require(report.table("amounts"))
            #expect((amounts.leftRows, amounts.onlyLeft, amounts.onlyRight, amounts.changed) == (4, 0, 0, 1))
            #expect(Self.changed(amounts) == ["amount": 1])
            #expect(amounts.samples.first?.differingValues == [.init(column: "amount", left: "2", right: "3", differs: true)])

            for name in ["subjects", "link_content", "publish_state", "temperature_latest", "todos"] {
                #expect(report.table(name)?.matches == true, "\(name) should match")
            }
            #expect(report.totals.differences == 6 + 1 + 4 + 2 + 1)
            #expect(report.verdict == .diverged)
            #expect(try DiffRunner.run(fixture.request(streaming: streaming, maxDiffRows: 13)).verdict == .withinThreshold)
            #expect(report.causes.status == .unavailable)
        }
    }

    @Test("both modes give the same report, samples and values included")
    func modesAgree() throws {
        try DiffFixture.with { fixture in
            try Self.plant(fixture)
            let tables = TableSpec.lifestream + [Self.amounts]
            let same = try DiffRunner.run(fixture.request(streaming: false, tables: tables, samples: 3))
            let streamed = try DiffRunner.run(fixture.request(streaming: true, tables: tables, samples: 3))
            #expect(same.untimedTables == streamed.untimedTables)
        }
    }

    /// Hostile text, NULLs, jsonb and floats in every table, enough rows for many COPY chunks;
    /// deterministic, so two databases filled with it are equal.
    static func fill(_ fixture: DiffFixture, schema: String) throws {
        let statements = [
            """
            INSERT INTO {s}.subjects
            SELECT i || ':' || t, 'link', CASE WHEN i % 2 = 0 THEN 'public' ELSE 'private' END,
                   timestamptz '2024-01-01Z' + i * interval '1.000001 second', timestamptz '2024-02-01Z' + i * interval '1 microsecond'
            FROM jsonb_array_elements_text($1::jsonb) AS h(t), generate_series(1, 40) AS i
            """,
            """
            INSERT INTO {s}.links
            SELECT subject_id, 'https://x/' || subject_id, CASE WHEN length(subject_id) % 3 = 0 THEN NULL
                   WHEN length(subject_id) % 3 = 1 THEN '' ELSE subject_id END,
                   NULL, created_at, 'added', visibility, NULL, created_at, NULL, updated_at
            FROM {s}.subjects
            """,
            "INSERT INTO {s}.link_content SELECT subject_id, 200, 'text/html', repeat(subject_id || E'\\t\\n', 40), NULL, created_at FROM {s}.subjects",
            """
            INSERT INTO {s}.link_metadata
            SELECT subject_id, subject_id, jsonb_build_array(subject_id, jsonb_build_object('k', subject_id, 'n', 1.50)), 'en', NULL, created_at
            FROM {s}.subjects
            """,
            "INSERT INTO {s}.publish_state SELECT subject_id, 'pending', NULL, NULL, NULL, updated_at FROM {s}.subjects",
            "INSERT INTO {s}.todos SELECT subject_id, subject_id, '', NULL, created_at, 'open', NULL, updated_at FROM {s}.subjects",
            "INSERT INTO {s}.annotations SELECT subject_id, 'l', subject_id, NULL, created_at FROM {s}.subjects",
            """
            INSERT INTO {s}.temperature_readings
            SELECT 'sensor-' || (i % 37), timestamptz '2024-01-01Z' + i * interval '1.000007 second',
                   (i % 1000) / 7.0 - 50, CASE WHEN i % 5 = 0 THEN NULL WHEN i % 5 = 1 THEN -0.0 ELSE i * 0.1 END, 'e' || i
            FROM generate_series(1, 30000) AS i
            """,
            """
            INSERT INTO {s}.temperature_latest
            SELECT DISTINCT ON (subject_id) subject_id, celsius, humidity, occurred_at, event_id
            FROM {s}.temperature_readings ORDER BY subject_id, occurred_at DESC
            """,
        ]
        for statement in statements {
            try fixture.run(statement, statement.contains("$1") ? [HostileText.jsonArray] : [], in: [schema])
        }
    }

    static func fillIdentical(_ fixture: DiffFixture) throws {
        try fill(fixture, schema: fixture.left)
        try fixture.copyLeftToRight()
    }

    @Test("reports no difference between identical tables full of hostile values", arguments: [false, true])
    func identical(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            try Self.fillIdentical(fixture)
            let report = try DiffRunner.run(fixture.request(streaming: streaming))
            #expect(report.verdict == .match)
            #expect(report.totals.differences == 0)
            #expect(report.table("temperature_readings")?.leftRows == 30_000)
            #expect(report.table("subjects")?.rightRows == 40 * HostileText.samples.count)
            #expect(report.tables.allSatisfy { $0.samples.isEmpty && $0.changedColumns.allSatisfy { $0.rows == 0 } })
        }
    }

    @Test("finds a change deep in a multi-chunk stream and restricts itself to the chosen tables", arguments: [false, true])
    func deepChange(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            try Self.fillIdentical(fixture)
            try fixture.onRight("UPDATE {s}.temperature_readings SET humidity = 1 WHERE event_id IN ('e29999', 'e15001')")
            try fixture.onRight("DELETE FROM {s}.link_content WHERE subject_id = '40:é'")
            let tables = try TableSpec.select(["temperature_readings", "link_content"])
            let report = try DiffRunner.run(fixture.request(streaming: streaming, tables: tables))
            #expect(report.tables.map(\.name) == ["link_content", "temperature_readings"])
            #expect(report.table("temperature_readings")?.changed == 2)
            #expect(report.table("temperature_readings")?.samples.map { $0.key[0].value } == ["sensor-16", "sensor-29"])
            #expect(report.table("link_content")?.onlyLeft == 1)
            #expect(report.table("link_content")?.samples.first?.values.first { $0.column == "content_text" }?.left?
                .hasPrefix("40:é\t\n40:é") == true)
            #expect(report.totals.differences == 3)
        }
    }
}

/// Key orders the streamed merge must follow whatever the column's collation or values.
@Suite("Streamed key order", .tags(.integration))
struct StreamedKeyOrderTests {
    /// This server has no natural-language collation (no ICU, no locales), so libc `C.utf8`,
    /// which the catalog check does not count as byte-ordered, stands in for one.
    @Test("a text key of another collation is streamed with COLLATE \"C\"", arguments: [false, true])
    func otherCollation(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            try fixture.both("CREATE TABLE {s}.keyed (k text COLLATE \"C.utf8\" PRIMARY KEY, v integer, w text COLLATE \"C\")")
            #expect(try TableCatalog.byteOrderedColumns(of: "keyed", in: fixture.left, on: fixture.connection) == ["w"])
            #expect(try TableCatalog.byteOrderedColumns(of: "links", in: fixture.left, on: fixture.connection).contains("subject_id"))
            for key in ["a", "B", "b", "A", "é", "e\u{301}", "z", "_x", "Z", "ä", "10", "9"] {
                try fixture.both("INSERT INTO {s}.keyed VALUES ($1, 1, $1)", [.text(key)])
            }
            try fixture.onRight("UPDATE {s}.keyed SET v = 2 WHERE k IN ('B', 'é')")
            try fixture.onRight("DELETE FROM {s}.keyed WHERE k = 'ä'")
            let report = try DiffRunner.run(fixture.request(streaming: streaming, tables: [TableSpec(name: "keyed", primaryKey: ["k"])]))
            let table = try #require(report.table("keyed"))
            #expect([table.leftRows, table.rightRows, table.onlyLeft, table.onlyRight, table.changed] == [12, 11, 1, 0, 2])
            #expect(table.samples.map { $0.key[0].value } == ["B", "ä", "é"])
        }
    }

    @Test("timestamp keys stream in order, infinities and microseconds included", arguments: [false, true])
    func timestampKeys(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            let reading = "INSERT INTO {s}.temperature_readings VALUES ('s', $1, 1, NULL, 'e')"
            for at in ["infinity", "-infinity", "2024-01-01 00:00:00+00", "2024-01-01 00:00:00.000001+00", "2024-01-01 00:00:00.5+00",
                       "2024-01-01 00:00:00.25+00", "2024-01-01 00:00:00.123456+00", "1999-12-31 23:59:59.999999+00",
                       "2024-06-01 12:00:00+05"] {
                try fixture.both(reading, [.text(at)])
            }
            try fixture.onRight("UPDATE {s}.temperature_readings SET celsius = 2 WHERE occurred_at IN ('infinity', '2024-01-01 00:00:00.5+00')")
            let report = try DiffRunner.run(fixture.request(streaming: streaming, tables: try TableSpec.select(["temperature_readings"])))
            let table = try #require(report.table("temperature_readings"))
            #expect([table.leftRows, table.onlyLeft, table.onlyRight, table.changed] == [9, 0, 0, 2])
            #expect(table.samples.map { $0.key[1].value } == ["2024-01-01 00:00:00.5+00", "infinity"])
        }
    }
}
