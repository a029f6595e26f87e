extension EventGenerator {
    /// Word lists for realistic-looking titles, texts, URLs and names.
    ///
    /// Kept as UTF-8 byte arrays so text is appended without building Swift strings. A few
    /// entries carry what parsers get wrong: non-ASCII letters, emoji beyond the BMP,
    /// quotes, backslashes, tabs and newlines.
    enum Vocabulary {
        static let words: [[UInt8]] = split("""
        the a of and to in for on with from about how why what when data stream event kafka \
        postgres swift server build fast small large simple better modern open source code \
        design system network cache index query table schema migration backup restore \
        release version update guide notes review deep dive practical lessons learned \
        performance memory latency throughput scale cluster node replica partition offset \
        consumer producer topic batch window order time clock sensor reading garden coffee \
        bicycle travel recipe bread photo camera music vinyl running weekend morning \
        evening city river mountain forest winter summer spring autumn library history \
        science climate energy solar battery planet ocean rust linux kernel compiler \
        parser testing debugging refactoring architecture pattern pipeline workflow \
        journal reading list archive bookmark article essay paper talk video podcast
        """)

        /// Words with characters that must survive JSON escaping and UTF-8 handling.
        static let tricky: [[UInt8]] = [
            "naïve", "Zürich", "café", "日本語", "Ελληνικά", "🚀", "👩‍💻", "“smart quotes”",
            "\"quoted\"", "back\\slash", "tab\there", "line\nbreak", "C:\\Temp\\new", "100% <b>bold</b> & more",
            "emoji 🎉 party", "crème brûlée", "Ωmega", "façade", "😀", "naïve “café”",
        ].map { Array($0.utf8) }

        static let domains: [[UInt8]] = split("""
        example.com blog.example.org news.example.net docs.swift.org www.postgresql.org \
        kafka.apache.org github.com en.wikipedia.org arxiv.org martinfowler.com \
        jvns.ca danluu.com lwn.net brandur.org use-the-index-luke.com
        """)

        static let sources: [[UInt8]] = split("""
        ios-share-extension chrome-extension/2.3.1 firefox-extension/1.9.0 ifttt \
        home-assistant cli api zapier raspberry-pi/sensord android-app/4.2 email-ingest
        """)

        static let languages: [[UInt8]] = split("en en en de fr es ja pt")

        static let models: [[UInt8]] = split("""
        gpt-4o-mini-2024-07-18 llama-3.1-8b-instruct claude-3-haiku-20240307 mistral-small-2409
        """)

        static let contentTypes: [[UInt8]] = [
            "text/html; charset=utf-8", "text/html", "application/pdf", "text/plain; charset=utf-8", "application/xhtml+xml",
        ].map { Array($0.utf8) }

        static let targets: [[UInt8]] = split("mastodon bluesky blog newsletter rss")

        static let rooms: [[UInt8]] = [
            "kitchen", "living-room", "bedroom", "office", "garage", "greenhouse", "attic", "cellar", "balcony",
            "küche", "büro", "salle-à-manger", "bathroom", "nursery",
        ].map { Array($0.utf8) }

        static let tags: [[UInt8]] = [
            "swift", "databases", "kafka", "postgres", "distributed-systems", "performance", "cooking", "travel",
            "photography", "music", "climate", "science", "history", "programming", "linux", "café", "日本", "to-read",
        ].map { Array($0.utf8) }

        static let people: [[UInt8]] = split("alice bob carol dave erin frank grace heidi")

        /// A long run of words (lower-case ASCII, spaces, an occasional ", "), made once from
        /// a fixed seed. Texts are excerpts of it: one copy per text instead of one per word,
        /// which keeps a million records well under two seconds. Nothing in it needs escaping.
        static let corpus: (bytes: [UInt8], wordStarts: [Int]) = {
            var rng = Random(seed: 0xC0_4B05)
            var bytes: [UInt8] = []
            var starts: [Int] = []
            for index in 0..<12_000 {
                starts.append(bytes.count)
                bytes.append(contentsOf: rng.pick(words))
                bytes.append(contentsOf: index % 13 == 12 ? [UInt8(ascii: ","), UInt8(ascii: " ")] : [UInt8(ascii: " ")])
            }
            starts.append(bytes.count)
            return (bytes, starts)
        }()

        private static func split(_ text: String) -> [[UInt8]] {
            text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Array($0.utf8) }
        }
    }
}
