@testable import Snapshot
import Store
import Testing

@Suite("Manifest column types")
struct TypeNameTests {
    @Test("every spelling format_type() writes for the contract's columns and common types is a type name")
    func formatTypeSpellings() {
        for type in ["integer", "bigint", "text", "boolean", "jsonb", "double precision", "numeric", "numeric(10,2)",
                     "timestamp with time zone", "timestamp(3) with time zone", "timestamp without time zone",
                     "time(6) without time zone", "character varying(20)", "character varying(20)[]", "text[]", "bit varying(5)",
                     "interval", "interval year to month", "interval day to second(3)", "\"char\"", "vector(384)",
                     "public.my_enum", "public.\"My Type\"", "\"we\"\"ird\"", "geometry(Point,4326)"] {
            #expect(TypeName.isValid(type), "\(type)")
        }
    }

    @Test("a comment, a statement end, a string, a stray word or a control character is not a type name")
    func hostileTypes() {
        for type in ["", "integer --", "integer/* */", "integer /* x */", "integer); drop table x; --", "integer;", "integer not null",
                     "integer default 1", "integer '", "integer\n", "integer\t", " integer", "integer ", "integer  with", "(3)",
                     "numeric(10,2)(3)", "numeric(", "numeric(10,)", "text[", "text[1]", "\"\"", "\"unterminated", "\"a\nb\"",
                     "a.b.c", "integer collate c", "1integer", "integer -- comment"] {
            #expect(!TypeName.isValid(type), "\(type.debugDescription)")
        }
    }
}
