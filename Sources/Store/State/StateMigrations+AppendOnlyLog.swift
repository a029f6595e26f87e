import Postgres

extension StateMigrations {
    /// The log's new rows go to the end of its table (issue 18: a batch's cost follows the batch).
    /// PostgreSQL puts a new row wherever the free-space map knows room for it, and every page of
    /// a loaded log keeps a few hundred bytes free: a follower's 1,000 events landed on ~650
    /// pages scattered over the whole log (14,238 distinct pages, block 13 to 133,608, for 22,483
    /// events over 4M), each a cache miss and, first after a checkpoint, a full-page image in the
    /// WAL — a cost that grows with the history. With a fill factor of 90 a row only goes where
    /// 10 % of a page would stay free after it, which no loaded page has: 50,000 new rows over a
    /// copy of the 4M log took 213–229 ms instead of 401–431, the same as over 1M (224–225 ms).
    /// A bulk load fills its pages to the brim (`bulkLoadFillFactor`) and restores this after.
    static let appendOnlyLog = StateMigration(version: 5, summary: "the log's new rows go to the end of its table (fill factor 90)") { s in
        s.appendOnlyFillFactor
    }
}

extension StateSchema {
    /// New rows only where 10 % of a page stays free after them (`StateMigrations.appendOnlyLog`).
    public var appendOnlyFillFactor: String { "alter table \(table("events")) set (fillfactor = 90)" }

    /// Pages filled to the brim while a bulk load appends to an empty log (nothing to reuse yet).
    public var bulkLoadFillFactor: String { "alter table \(table("events")) reset (fillfactor)" }
}
