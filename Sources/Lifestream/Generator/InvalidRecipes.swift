extension EventGenerator {
    /// One way to break exactly one rule of the contract, and the reason the contract then
    /// gives. Every recipe leaves the rest of the record valid, so the reason is unambiguous
    /// whatever order an implementation checks rules in.
    ///
    /// Cases where the contract is unclear are deliberately absent: `200.5` or `200.0` for
    /// an integer, non-string array elements, a bare date for `due_at`, lower-case `t`/`z`
    /// or leap seconds, numbers beyond `Double`, invalid UTF-8, trailing commas, duplicate
    /// keys, a top-level `null`, a key that differs from `subject_id`, two broken fields.
    struct InvalidRecipe: Sendable {
        /// The reason the tool must give.
        let reason: String
        /// The subject kind the record must belong to (nil: any subject will do).
        let kind: Kind?
        /// The event type to break (nil: the subject's creating type).
        let type: EventType?
        let shape: @Sendable (inout Random, Kind) -> Shape

        enum Shape {
            case mutation(Mutation)
            /// A proper prefix of a valid value: never valid JSON.
            case truncated
            /// The valid object inside a JSON array.
            case wrappedInArray
            /// The valid object's text as a JSON string (a double-encoding producer bug).
            case doubleEncoded
        }

        init(_ reason: String, kind: Kind? = nil, type: EventType? = nil,
             _ shape: @escaping @Sendable (inout Random, Kind) -> Shape) {
            self.reason = reason
            self.kind = kind
            self.type = type
            self.shape = shape
        }

        private static func envelope(_ field: EnvelopeField, _ edit: Edit, keyless: Bool = false) -> Shape {
            var mutation = Mutation()
            mutation.envelope[field] = edit
            mutation.keyless = keyless
            return .mutation(mutation)
        }

        private static func payload(_ field: String, _ edit: Edit) -> Shape {
            var mutation = Mutation()
            mutation.payload[field] = edit
            return .mutation(mutation)
        }

        private static func nullOrDrop(_ rng: inout Random) -> Edit { rng.chance(0.5) ? .null : .drop }

        static let oversizedReason = "oversized"

        /// All recipes, in the order the generator cycles through them: envelope rules and
        /// payload rules interleaved, so even a short stream sees a spread of reasons.
        static let all: [InvalidRecipe] = [
            InvalidRecipe("invalid_json") { _, _ in .truncated },
            InvalidRecipe("missing_field:url", kind: .link, type: .linkAdded) { r, _ in payload("url", nullOrDrop(&r)) },
            InvalidRecipe("bad_value:celsius", kind: .sensor) { r, _ in payload("celsius", .json(r.pick(["-91.5", "70.01", "120", "-273.15"]))) },
            InvalidRecipe("missing_field:event_id") { r, _ in envelope(.eventID, nullOrDrop(&r)) },
            InvalidRecipe("not_an_object") { _, _ in .wrappedInArray },
            InvalidRecipe("bad_timestamp:occurred_at") { r, _ in
                envelope(.occurredAt, .string(r.pick([
                    "yesterday", "2026-02-30T10:00:00Z", "2026-01-05T25:00:00Z", "2026-01-05T10:00:00",
                    "2026-01-05 10:00:00", "05/01/2026 10:00", "1767225600000", "2026-01-05T10:00:00.1234567890Z",
                    "2026-01-05T10:00:00+0200", "2026-01-05T10:00:00+02", "2026-1-5T10:00:00Z",
                ])))
            },
            InvalidRecipe("bad_value:visibility", kind: .link, type: .linkVisibilityChanged) { r, _ in
                payload("visibility", .string(r.pick(["friends-only", "Public", "PRIVATE", "shared"])))
            },
            InvalidRecipe("unknown_event_type") { r, _ in
                var mutation = Mutation()
                mutation.envelope[.eventType] = .string(r.pick(["link.deleted", "Link.Added", "todo.reopened", "temp.reading", "annotation_added"]))
                mutation.envelope[.subject] = .drop
                return .mutation(mutation)
            },
            InvalidRecipe("missing_field:title", kind: .todo, type: .todoCreated) { r, _ in payload("title", nullOrDrop(&r)) },
            InvalidRecipe("bad_type:event_id") { r, _ in envelope(.eventID, .json(r.pick(["12345", "{\"id\":\"e1\"}", "true"]))) },
            InvalidRecipe("subject_mismatch") { r, kind in
                let others = Kind.allCases.filter { $0 != kind }.map { String(describing: $0.name) }
                return envelope(.subject, .string(r.pick(others + ["bookmark"])))
            },
            InvalidRecipe("bad_type:http_status", kind: .link, type: .contentFetched) { r, _ in payload("http_status", .json(r.pick(["\"200\"", "true", "[200]"]))) },
            InvalidRecipe("missing_field:link_id", kind: .annotation) { r, _ in payload("link_id", nullOrDrop(&r)) },
            InvalidRecipe("missing_field:event_type") { r, _ in envelope(.eventType, nullOrDrop(&r)) },
            InvalidRecipe("bad_value:http_status", kind: .link, type: .contentFetched) { r, _ in payload("http_status", .json(r.pick(["999", "42", "0", "600", "-200"]))) },
            InvalidRecipe("bad_type:celsius", kind: .sensor) { r, _ in payload("celsius", .json(r.pick(["\"21.5\"", "true", "{\"value\":21.5}"]))) },
            InvalidRecipe("missing_field:occurred_at") { r, _ in envelope(.occurredAt, nullOrDrop(&r)) },
            InvalidRecipe("bad_type:payload") { r, _ in envelope(.payload, .json(r.pick(["\"{}\"", "[]", "42"]))) },
            InvalidRecipe("bad_value:url", kind: .link, type: .linkAdded) { _, _ in payload("url", .string("")) },
            InvalidRecipe("missing_field:subject_id") { r, _ in envelope(.subjectID, nullOrDrop(&r), keyless: true) },
            InvalidRecipe("bad_timestamp:due_at", kind: .todo, type: .todoCreated) { r, _ in
                payload("due_at", .string(r.pick(["next friday", "2026-02-30T09:00:00Z", "tomorrow 9am", "2026-03-01T09:00:00+2:00"])))
            },
            InvalidRecipe("bad_type:occurred_at") { r, _ in envelope(.occurredAt, .json(r.pick(["1767225600000", "1767225600.5", "[\"2026-01-01T00:00:00Z\"]"]))) },
            InvalidRecipe("bad_value:word_count", kind: .link, type: .contentFetched) { r, _ in payload("word_count", .json(r.pick(["-1", "-250"]))) },
            InvalidRecipe("bad_value:humidity", kind: .sensor) { r, _ in payload("humidity", .json(r.pick(["-3", "100.5", "140", "-0.1"]))) },
            InvalidRecipe("missing_field:payload") { r, _ in envelope(.payload, nullOrDrop(&r)) },
            InvalidRecipe("bad_type:tags", kind: .link, type: .enrichmentCompleted) { r, _ in payload("tags", .json(r.pick(["\"swift, databases\"", "{\"0\":\"swift\"}", "7"]))) },
            InvalidRecipe("bad_type:subject_id") { r, _ in envelope(.subjectID, .json(r.pick(["42", "[\"lnk_1\"]"])), keyless: true) },
            InvalidRecipe("bad_type:link_id", kind: .annotation) { r, _ in payload("link_id", .json(r.pick(["123", "{\"id\":\"lnk_1\"}"]))) },
            InvalidRecipe("missing_field:visibility", kind: .link, type: .linkVisibilityChanged) { r, _ in payload("visibility", nullOrDrop(&r)) },
            InvalidRecipe("bad_value:event_id") { r, _ in
                envelope(.eventID, .string(r.chance(0.5) ? "" : "evt_" + String(repeating: "x", count: r.int(125...196))))
            },
            InvalidRecipe("bad_type:title", kind: .link, type: .linkAdded) { r, _ in payload("title", .json(r.pick(["404", "[\"a\",\"b\"]", "false"]))) },
            InvalidRecipe("missing_field:celsius", kind: .sensor) { r, _ in payload("celsius", nullOrDrop(&r)) },
            InvalidRecipe("bad_type:subject") { r, _ in envelope(.subject, .json(r.pick(["true", "1", "[\"link\"]"]))) },
            InvalidRecipe("bad_value:title", kind: .todo, type: .todoCreated) { _, _ in payload("title", .string("")) },
            InvalidRecipe("bad_type:visibility", kind: .link, type: .linkVisibilityChanged) { r, _ in payload("visibility", .json(r.pick(["true", "1"]))) },
            InvalidRecipe("not_an_object") { _, _ in .doubleEncoded },
            InvalidRecipe("bad_type:source") { r, _ in envelope(.source, .json(r.pick(["{\"app\":\"ios\"}", "17", "false"]))) },
            InvalidRecipe("bad_type:word_count", kind: .link, type: .contentFetched) { r, _ in payload("word_count", .json(r.pick(["\"1200\"", "true"]))) },
            InvalidRecipe("bad_type:humidity", kind: .sensor) { r, _ in payload("humidity", .json(r.pick(["\"45%\"", "true"]))) },
            InvalidRecipe("bad_value:subject_id") { r, _ in
                envelope(.subjectID, .string(r.chance(0.5) ? "" : "lnk_" + String(repeating: "y", count: r.int(253...296))), keyless: true)
            },
            InvalidRecipe("bad_type:due_at", kind: .todo, type: .todoCreated) { r, _ in payload("due_at", .json(r.pick(["1767225600000", "{\"date\":\"2026-03-01\"}"]))) },
            InvalidRecipe("bad_type:event_type") { r, _ in envelope(.eventType, .json(r.pick(["7", "[\"link.added\"]"]))) },
            InvalidRecipe("bad_type:content_type", kind: .link, type: .contentFetched) { _, _ in payload("content_type", .json("7")) },
            InvalidRecipe("bad_type:quote", kind: .annotation) { _, _ in payload("quote", .json("{\"text\":\"hello\"}")) },
            InvalidRecipe("bad_type:url", kind: .link, type: .linkAdded) { _, _ in payload("url", .json("{\"href\":\"https://example.com\"}")) },
            InvalidRecipe("bad_type:summary", kind: .link, type: .enrichmentCompleted) { _, _ in payload("summary", .json("[\"one\",\"two\"]")) },
            InvalidRecipe("bad_type:notes", kind: .todo, type: .todoCreated) { _, _ in payload("notes", .json("3")) },
            InvalidRecipe("bad_type:target", kind: .link, type: .publishCompleted) { _, _ in payload("target", .json("false")) },
            InvalidRecipe(oversizedReason) { _, _ in
                var mutation = Mutation()
                mutation.padding = 1_100_000
                return .mutation(mutation)
            },
        ]

        /// Every reason string the generator can produce.
        static var reasons: Set<String> { Set(all.map(\.reason)) }
    }
}
