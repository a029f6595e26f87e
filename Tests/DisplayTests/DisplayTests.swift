import Display
import Testing

@Suite("Names and lines in human output")
struct DisplayTests {
    @Test("a plain name prints as it is")
    func plainNames() {
        #expect(Display.name("lifestream_shadow") == "lifestream_shadow")
        #expect(Display.name("snapshots/nightly-20261122T000000Z") == "snapshots/nightly-20261122T000000Z")
        #expect(Display.name("events.raw") == "events.raw")
    }

    @Test("a name with a newline, a quote, a space or an escape character is quoted and escaped, so it cannot start a line")
    func hostileNames() {
        #expect(Display.name("x\nnightly OK (exit 0)") == "\"x\\nnightly OK (exit 0)\"")
        #expect(Display.name("a\"b") == "\"a\\\"b\"")
        #expect(Display.name("my schema") == "\"my schema\"")
        #expect(Display.name("back\\slash") == "\"back\\\\slash\"")
        #expect(Display.name("\u{1B}[2Kx") == "\"\\u{1B}[2Kx\"")
        #expect(Display.name("abc\u{202E}fed") == "\"abc\\u{202E}fed\"")
        #expect(Display.name("") == "\"\"")
        #expect(Display.name("café") == "\"café\"")
        for name in ["x\nnightly OK", "a\r\nb", "\u{2028}", "\u{85}"] {
            #expect(!Display.name(name).unicodeScalars.contains { $0 == "\n" || $0 == "\r" || $0 == "\u{2028}" || $0 == "\u{85}" })
        }
    }

    @Test("a line keeps its text but escapes what would break or hide it")
    func lines() {
        #expect(Display.line("schema lifestream is ready") == "schema lifestream is ready")
        #expect(Display.line("one\ntwo\tthree\r") == "one\\ntwo\\tthree\\r")
        #expect(Display.line("über \"quoted\"") == "über \"quoted\"")
    }
}
