import LegacyCleanup
import Testing

@Suite("unknown-id threshold")
struct ThresholdTests {
    @Test("counts, percentages and fractions parse; nonsense is refused with the accepted forms")
    func parsing() throws {
        #expect(try UnknownThreshold(parsing: "0") == .count(0))
        #expect(try UnknownThreshold(parsing: "100") == .count(100))
        #expect(try UnknownThreshold(parsing: "0.5%") == .fraction(0.005))
        #expect(try UnknownThreshold(parsing: "0.01") == .fraction(0.01))
        for bad in ["", "-1", "abc", "150%", "1.5", "nan%"] {
            let error = #expect(throws: CleanupError.self) { try UnknownThreshold(parsing: bad) }
            #expect(error?.description.contains("a percentage (0.5%)") == true)
        }
    }

    @Test("a threshold allows up to its count or fraction and no more")
    func allows() {
        #expect(UnknownThreshold.count(0).allows(unknown: 0, of: 10))
        #expect(!UnknownThreshold.count(0).allows(unknown: 1, of: 10))
        #expect(UnknownThreshold.count(3).allows(unknown: 3, of: 10))
        #expect(UnknownThreshold.fraction(0.1).allows(unknown: 1, of: 10))
        #expect(!UnknownThreshold.fraction(0.1).allows(unknown: 2, of: 10))
        #expect(UnknownThreshold.fraction(0).allows(unknown: 0, of: 0))
    }

    @Test("the restore command is quoted for a shell when the path needs it")
    func restoreCommand() {
        #expect(LegacyCleanup.restoreCommand(snapshot: "snapshots/legacy-20261123T120000Z", schema: "lifestream")
                == "backfill snapshot import snapshots/legacy-20261123T120000Z --schema lifestream --into-existing")
        #expect(LegacyCleanup.restoreCommand(snapshot: "my snaps/it's", schema: "life stream")
                == "backfill snapshot import 'my snaps/it'\\''s' --schema 'life stream' --into-existing")
    }
}
