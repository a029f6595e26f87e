import Foundation
import Postgres

/// What else in the database uses the legacy tables.
public struct Dependents: Sendable, Equatable {
    /// Objects that would break or be dropped with the tables: the cleanup refuses while any exist.
    public var blocking: [String] = []
    /// Functions in other schemas whose body names a table without its schema: they may mean
    /// another schema's table of that name, so they are shown but do not refuse.
    public var unqualifiedMentions: [String] = []
}

/// Check 4: nothing depends on the tables — views and materialized views (pg_depend through
/// pg_rewrite), foreign keys from other tables (pg_constraint), rules and triggers on them,
/// functions whose SQL body is bound to them (pg_depend) or whose source names them (prosrc),
/// and anything else recorded in pg_depend against the tables or their row types.
enum DependencyCheck {
    static let number = 4
    static let name = "dependents"

    static func find(schema: String, tables: [String], on connection: PostgresConnection) throws -> Dependents {
        guard !tables.isEmpty else { return Dependents() }
        // Every description is schema-qualified and quoted, so it can be pasted into a DROP.
        let blocking = try connection.query("""
            WITH legacy AS (
                SELECT c.oid, c.reltype, c.relname FROM pg_catalog.pg_class c
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relname = ANY ($2::text[]) AND c.relkind IN ('r', 'p')
            ), found AS (
                SELECT CASE v.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END
                       || pg_catalog.quote_ident(vn.nspname) || '.' || pg_catalog.quote_ident(v.relname) AS what
                FROM pg_catalog.pg_depend d
                JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND r.oid = d.objid
                JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
                JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
                WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid IN (SELECT oid FROM legacy)
                  AND r.ev_class NOT IN (SELECT oid FROM legacy)
                UNION
                SELECT 'rule ' || pg_catalog.quote_ident(r.rulename) || ' on ' || pg_catalog.quote_ident(l.relname)
                FROM pg_catalog.pg_rewrite r JOIN legacy l ON l.oid = r.ev_class
                WHERE r.rulename <> '_RETURN'
                UNION
                SELECT 'foreign key ' || pg_catalog.quote_ident(con.conname) || ' on '
                       || pg_catalog.quote_ident(fn.nspname) || '.' || pg_catalog.quote_ident(f.relname)
                FROM pg_catalog.pg_constraint con
                JOIN pg_catalog.pg_class f ON f.oid = con.conrelid
                JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
                WHERE con.contype = 'f' AND con.confrelid IN (SELECT oid FROM legacy) AND con.conrelid NOT IN (SELECT oid FROM legacy)
                UNION
                SELECT 'trigger ' || pg_catalog.quote_ident(t.tgname) || ' on ' || pg_catalog.quote_ident(l.relname)
                       || ' (calls ' || t.tgfoid::regprocedure::text || ')'
                FROM pg_catalog.pg_trigger t JOIN legacy l ON l.oid = t.tgrelid
                WHERE NOT t.tgisinternal
                UNION
                SELECT CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END || p.oid::regprocedure::text
                FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON d.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objid
                WHERE (d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid IN (SELECT oid FROM legacy))
                   OR (d.refclassid = 'pg_catalog.pg_type'::regclass AND d.refobjid IN (SELECT reltype FROM legacy))
                UNION
                SELECT CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END || p.oid::regprocedure::text
                FROM pg_catalog.pg_proc p
                JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
                JOIN pg_catalog.pg_language lang ON lang.oid = p.prolang
                JOIN legacy l ON p.prosrc ~ ('\\m' || l.relname || '\\M')
                WHERE lang.lanname NOT IN ('c', 'internal') AND pn.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND (pn.nspname = $1
                       OR pg_catalog.strpos(pg_catalog.lower(p.prosrc), pg_catalog.lower($1)) > 0
                       OR pg_catalog.strpos(pg_catalog.lower(pg_catalog.array_to_string(p.proconfig, ',')), pg_catalog.lower($1)) > 0)
                UNION
                SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
                FROM pg_catalog.pg_depend d
                WHERE d.deptype = 'n'
                  AND ((d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid IN (SELECT oid FROM legacy))
                       OR (d.refclassid = 'pg_catalog.pg_type'::regclass AND d.refobjid IN (SELECT reltype FROM legacy)))
                  AND d.classid NOT IN ('pg_catalog.pg_rewrite'::regclass, 'pg_catalog.pg_constraint'::regclass,
                                        'pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_trigger'::regclass)
                  AND NOT (d.classid = 'pg_catalog.pg_class'::regclass AND d.objid IN (SELECT oid FROM legacy))
            )
            SELECT what FROM found ORDER BY what COLLATE "C"
            """, [.text(schema), .array(tables)]).compactMap { $0[0] }
        let mentions = try connection.query("""
            SELECT what FROM (
            SELECT DISTINCT CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END || p.oid::regprocedure::text AS what
            FROM pg_catalog.pg_proc p
            JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
            JOIN pg_catalog.pg_language lang ON lang.oid = p.prolang
            JOIN pg_catalog.unnest($2::text[]) AS l(relname) ON p.prosrc ~ ('\\m' || l.relname || '\\M')
            WHERE lang.lanname NOT IN ('c', 'internal') AND pn.nspname NOT IN ('pg_catalog', 'information_schema')
              AND pn.nspname <> $1
              AND pg_catalog.strpos(pg_catalog.lower(p.prosrc), pg_catalog.lower($1)) = 0
              AND pg_catalog.strpos(pg_catalog.lower(coalesce(pg_catalog.array_to_string(p.proconfig, ','), '')), pg_catalog.lower($1)) = 0
            ) m ORDER BY what COLLATE "C"
            """, [.text(schema), .array(tables)]).compactMap { $0[0] }
        return Dependents(blocking: blocking, unqualifiedMentions: mentions)
    }

    /// Pure: refuses while anything depends on the tables.
    static func evaluate(_ dependents: Dependents, tables: [String]) -> CleanupCheck {
        let evidence: [String: Fact] = [
            "dependents": .int(Int64(dependents.blocking.count)),
            "dependent_objects": .list(dependents.blocking),
            "unqualified_mentions": .list(dependents.unqualifiedMentions),
        ]
        var details = dependents.blocking.map { "depends on the tables: \($0)" }
        details += dependents.unqualifiedMentions.map { "names a legacy table without this schema (not counted; check it by hand): \($0)" }
        if tables.isEmpty {
            return CleanupCheck(number: number, name: name, status: .pass, summary: "the tables are already gone", evidence: evidence)
        }
        if dependents.blocking.isEmpty {
            return CleanupCheck(number: number, name: name, status: .pass,
                                summary: "nothing else depends on \(tables.joined(separator: " or "))", evidence: evidence, details: details)
        }
        return CleanupCheck(number: number, name: name, status: .fail,
                            summary: "\(dependents.blocking.count) \(dependents.blocking.count == 1 ? "object depends" : "objects depend") on the tables; drop or change \(dependents.blocking.count == 1 ? "it" : "them") first",
                            evidence: evidence, details: details)
    }
}
