extension EventGenerator {
    /// Turns an `EventSpec` into record value bytes, the way varied real producers would.
    ///
    /// Envelope decorations (field order, the optional correct `subject`, `source` or a JSON
    /// null for it, unknown extra fields, `\u`-escaping or `\/`-escaping producers, keyless
    /// sends) come from the spec's decoration seed; payload contents from its payload seed.
    /// A `Mutation` edits single fields for invalid records; the valid path never looks it up.
    ///
    /// A renderer renders exactly one record: `render` creates it, writes, and consumes it
    /// (it owns a `JSONWriter`, so it cannot be copied either), so no raw memory outlives the call.
    struct EventRenderer: ~Copyable {
        private let plan: SubjectPlan
        private var w: JSONWriter
        private var mutation: Mutation
        private var rng: Random
        private let subjectID: [UInt8]

        /// The value bytes and whether the record is sent without a key. The caller passes
        /// the subject_id it already has for the record.
        static func render(_ spec: EventSpec, plan: SubjectPlan, subjectID: [UInt8],
                           mutation: Mutation = .none) -> (value: [UInt8], keyless: Bool) {
            EventRenderer(plan: plan, spec: spec, subjectID: subjectID, mutation: mutation).render(spec)
        }

        private init(plan: SubjectPlan, spec: EventSpec, subjectID: [UInt8], mutation: Mutation) {
            self.plan = plan
            self.mutation = mutation
            self.subjectID = subjectID
            rng = Random(seed: spec.decorationSeed)
            w = JSONWriter(capacity: 1024 + mutation.padding)
        }

        private consuming func render(_ spec: EventSpec) -> (value: [UInt8], keyless: Bool) {
            w.asciiOnly = rng.chance(0.05)
            w.escapeSlashes = rng.chance(0.05)
            let keyless = mutation.keyless || rng.chance(0.005)
            let layout = rng.below(100)
            let includeSubject = rng.chance(0.3)
            let sourceRoll = rng.below(100)
            let extra = rng.chance(0.08) ? 1 + rng.below(3) : 0
            let source = rng.pick(Vocabulary.sources)

            w.beginObject()
            if layout < 70 {
                writeEventID(spec); eventType(spec); occurredAt(spec); writeSubjectID(spec)
                subject(spec, includeSubject); self.source(source, sourceRoll); extras(extra); payload(spec)
            } else if layout < 85 {
                writeSubjectID(spec); eventType(spec); writeEventID(spec); occurredAt(spec); payload(spec)
                self.source(source, sourceRoll); subject(spec, includeSubject); extras(extra)
            } else {
                payload(spec); eventType(spec); writeSubjectID(spec); occurredAt(spec); writeEventID(spec)
                extras(extra); self.source(source, sourceRoll); subject(spec, includeSubject)
            }
            w.endObject()
            return (w.finish(), keyless)
        }

        // MARK: Envelope

        /// Writes one envelope member unless the mutation says otherwise.
        private mutating func member(_ field: EnvelopeField, _ name: StaticString, present: Bool,
                                     _ body: (inout EventRenderer) -> Void) {
            if !mutation.isNone, let edit = mutation.envelope[field] {
                switch edit {
                case .drop: return
                case .null: w.key(name); w.null()
                case .replace(let raw): w.key(name); w.raw(raw)
                }
                return
            }
            guard present else { return }
            w.key(name)
            body(&self)
        }

        private mutating func writeEventID(_ spec: EventSpec) {
            member(.eventID, "event_id", present: true) { r in
                r.w.byte(UInt8(ascii: "\""))
                r.w.write(maximum: 36) { spec.writeEventID(to: $0) }
                r.w.byte(UInt8(ascii: "\""))
            }
        }

        private mutating func eventType(_ spec: EventSpec) {
            member(.eventType, "event_type", present: true) { r in
                r.w.byte(UInt8(ascii: "\""))
                r.w.stringContent(spec.type.name)
                r.w.byte(UInt8(ascii: "\""))
            }
        }

        private mutating func occurredAt(_ spec: EventSpec) {
            member(.occurredAt, "occurred_at", present: true) { r in
                r.w.byte(UInt8(ascii: "\""))
                spec.format.write(nanos: spec.nanos, into: &r.w)
                r.w.byte(UInt8(ascii: "\""))
            }
        }

        private mutating func writeSubjectID(_ spec: EventSpec) {
            member(.subjectID, "subject_id", present: true) { $0.w.string($0.subjectID) }
        }

        private mutating func subject(_ spec: EventSpec, _ include: Bool) {
            member(.subject, "subject", present: include) { r in
                r.w.byte(UInt8(ascii: "\""))
                r.w.stringContent(spec.type.kind.name)
                r.w.byte(UInt8(ascii: "\""))
            }
        }

        private mutating func source(_ source: [UInt8], _ roll: Int) {
            member(.source, "source", present: roll < 73) { r in
                if roll < 70 { r.w.string(source) } else { r.w.null() }
            }
        }

        /// Unknown envelope fields, which the contract says to ignore.
        private mutating func extras(_ which: Int) {
            switch which {
            case 1: w.key("schema_version"); w.int(2)
            case 2:
                w.key("trace")
                w.object { o in
                    o.key("trace_id"); o.string("4bf92f3577b34da6a3ce929d0e0e4736")
                    o.key("sampled"); o.bool(true)
                    o.key("parent"); o.null()
                }
            case 3:
                w.key("producer")
                w.object { o in
                    o.key("host"); o.string("ingest-2.internal")
                    o.key("pid"); o.int(4711)
                    o.key("tags"); o.array(2) { a, i in a.string(i == 0 ? "blue" : "canary") }
                }
            default: break
            }
        }

        // MARK: Payload

        private mutating func payload(_ spec: EventSpec) {
            member(.payload, "payload", present: true) { r in
                r.rng = Random(spec.payloadSeed, UInt64(spec.payloadRevision))
                r.w.beginObject()
                r.payloadFields(spec)
                if r.rng.chance(0.05) {
                    r.w.key("x_client")
                    r.w.object { o in
                        o.key("name"); o.string("lifestream-ios")
                        o.key("version"); o.string("3.14.1")
                    }
                }
                if spec.payloadRevision > 0 { r.w.key("revision"); r.w.int(Int(spec.payloadRevision) + 1) }
                if r.mutation.padding > 0 {
                    r.w.key("attachment_base64")
                    r.w.byte(UInt8(ascii: "\""))
                    r.w.repeated(UInt8(ascii: "A"), count: r.mutation.padding)
                    r.w.byte(UInt8(ascii: "\""))
                }
                r.w.endObject()
            }
        }

        /// How an optional field appears: mostly present, sometimes a JSON null, else absent.
        private enum Presence { case present, null, absent }

        private mutating func presence(_ present: Double, null: Double = 0.03) -> Presence {
            let roll = rng.unit()
            return roll < present ? .present : roll < present + null ? .null : .absent
        }

        /// Writes one payload field according to its presence unless the mutation edits it.
        private mutating func field(_ name: StaticString, _ presence: Presence, _ body: (inout EventRenderer) -> Void) {
            if !mutation.isNone, let edit = mutation.payload[name.description] {
                switch edit {
                case .drop: return
                case .null: w.key(name); w.null()
                case .replace(let raw): w.key(name); w.raw(raw)
                }
                return
            }
            switch presence {
            case .present: w.key(name); body(&self)
            case .null: w.key(name); w.null()
            case .absent: break
            }
        }

        private mutating func payloadFields(_ spec: EventSpec) {
            switch spec.type {
            case .linkAdded:
                field("url", .present) { $0.url() }
                field("title", presence(0.75, null: 0.05)) { $0.sentence(words: 3...9, tricky: 0.1, capitalize: true) }
            case .contentFetched:
                let status = [200, 200, 200, 200, 200, 200, 200, 200, 200, 301, 404, 410, 500, 503][rng.below(14)]
                field("http_status", presence(0.97, null: 0.01)) { $0.w.int(status) }
                field("content_type", presence(0.9)) { $0.w.string($0.rng.pick(Vocabulary.contentTypes)) }
                let words = rng.int(40...115)
                field("text", presence(0.88)) { $0.sentence(words: words...words, tricky: 0.15, capitalize: true) }
                field("word_count", presence(0.85)) { $0.w.int(words) }
            case .enrichmentCompleted:
                field("summary", presence(0.9)) { $0.sentence(words: 12...30, tricky: 0.1, capitalize: true) }
                let tags = (0..<rng.below(6)).map { _ in rng.pick(Vocabulary.tags) }
                field("tags", presence(0.85, null: 0.04)) { r in
                    r.w.array(tags.count) { a, index in a.string(tags[index]) }
                }
                field("language", presence(0.8)) { $0.w.string($0.rng.pick(Vocabulary.languages)) }
                field("model", presence(0.9)) { $0.w.string($0.rng.pick(Vocabulary.models)) }
            case .publishCompleted:
                let target = rng.pick(Vocabulary.targets)
                field("target", presence(0.9)) { $0.w.string(target) }
                field("url", presence(0.85)) { r in
                    r.w.byte(UInt8(ascii: "\""))
                    r.w.stringContent("https://social.example/@me/")
                    r.w.appendDigits(r.rng.next() >> 12)
                    r.w.byte(UInt8(ascii: "\""))
                }
            case .linkVisibilityChanged:
                let value: StaticString = ["public", "private", "unlisted"][rng.below(3)]
                field("visibility", .present) { r in
                    r.w.byte(UInt8(ascii: "\""))
                    r.w.stringContent(value)
                    r.w.byte(UInt8(ascii: "\""))
                }
            case .tempReadingRecorded:
                field("celsius", .present) { $0.celsius() }
                field("humidity", presence(0.8, null: 0.05)) { r in
                    let units = r.rng.chance(0.02) ? (r.rng.chance(0.5) ? 0 : 1000) : Int64(r.rng.int(150...950))
                    r.w.decimal(units: units, scale: 1)
                }
            case .todoCreated:
                field("title", .present) { $0.sentence(words: 2...8, tricky: 0.1, capitalize: true) }
                field("notes", presence(0.5, null: 0.05)) { $0.sentence(words: 5...25, tricky: 0.1, capitalize: true) }
                let due = spec.nanos + Int64(rng.int(3_600...30 * 86_400)) * 1_000_000_000
                field("due_at", presence(0.4, null: 0.05)) { r in
                    let format = TimestampFormat.random(&r.rng)
                    let aligned = format.align(millis: TimestampFormat.floorDiv(due, 1_000_000), &r.rng)
                    r.w.byte(UInt8(ascii: "\""))
                    format.write(nanos: aligned, into: &r.w)
                    r.w.byte(UInt8(ascii: "\""))
                }
            case .todoCompleted:
                if rng.chance(0.2) { w.key("completed_by"); w.string(rng.pick(Vocabulary.people)) }
            case .annotationAdded:
                let links = plan.byKind[Int(Kind.link.rawValue)]
                let linkID = links.isEmpty ? Array("lnk_unknown".utf8) : plan.subjectID(Int(rng.pick(links)))
                field("link_id", .present) { $0.w.string(linkID) }
                field("quote", presence(0.6)) { $0.sentence(words: 10...40, tricky: 0.1, capitalize: true) }
                field("note", presence(0.6)) { $0.sentence(words: 5...20, tricky: 0.1, capitalize: true) }
            }
        }

        // MARK: Values

        private mutating func url() {
            w.byte(UInt8(ascii: "\""))
            w.stringContent("https://")
            w.stringContent(rng.pick(Vocabulary.domains))
            for index in 0..<rng.int(1...4) {
                w.stringContent(index == 0 ? "/" : rng.chance(0.5) ? "/" : "-")
                w.stringContent(rng.pick(Vocabulary.words))
            }
            if rng.chance(0.2) {
                w.stringContent("?utm_source=")
                w.stringContent(rng.pick(Vocabulary.targets))
                w.stringContent("&id=")
                w.appendDigits(UInt64(rng.below(100_000)))
            }
            w.byte(UInt8(ascii: "\""))
        }

        /// A quoted string of vocabulary words (an excerpt of `Vocabulary.corpus`); `tricky`
        /// is the chance per string of one inserted word that needs escaping or is non-ASCII.
        private mutating func sentence(words: ClosedRange<Int>, tricky: Double, capitalize: Bool) {
            let count = rng.int(words)
            let corpus = Vocabulary.corpus
            let first = rng.below(corpus.wordStarts.count - count - 1)
            let trickyAt = rng.chance(tricky) ? first + rng.below(count) : -1
            w.byte(UInt8(ascii: "\""))
            let opening = w.count
            corpus.bytes.withUnsafeBufferPointer { text in
                let start = corpus.wordStarts[first]
                var end = corpus.wordStarts[first + count]
                while end > start, text[end - 1] == UInt8(ascii: " ") || text[end - 1] == UInt8(ascii: ",") { end -= 1 }
                if trickyAt >= 0 {
                    let split = corpus.wordStarts[trickyAt]
                    w.raw(UnsafeBufferPointer(rebasing: text[start..<split]))
                    w.stringContent(rng.pick(Vocabulary.tricky))
                    w.byte(UInt8(ascii: " "))
                    w.raw(UnsafeBufferPointer(rebasing: text[split..<end]))
                } else {
                    w.raw(UnsafeBufferPointer(rebasing: text[start..<end]))
                }
            }
            if capitalize, w.count > opening, w[opening] >= UInt8(ascii: "a"), w[opening] <= UInt8(ascii: "z") {
                w[opening] -= 32
            }
            w.byte(UInt8(ascii: "\""))
        }

        /// Mostly indoor temperatures with two decimals; sometimes whole numbers, exponent
        /// notation, or the inclusive limits -90 and 70 of the contract.
        private mutating func celsius() {
            let style = rng.below(100)
            let units: Int64 = rng.chance(0.02)
                ? [-9000, 7000, -8999, 6999][rng.below(4)]
                : Int64(rng.int(-1500...3500))
            if style < 85 {
                w.decimal(units: units, scale: 2)
            } else if style < 95 {
                w.int(units / 100)
            } else {
                w.int(units)
                w.raw("e-2")
            }
        }
    }
}
