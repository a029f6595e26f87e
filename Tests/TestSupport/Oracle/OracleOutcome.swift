/// What the contract says a run over a list of records must produce.
public struct OracleOutcome: Sendable {
    /// The canonical table state.
    public var state: OracleState
    /// Every quarantined record, in the order the records were given, with its reason.
    public var quarantined: [(partition: Int32, offset: Int64, reason: String)]
    /// Valid records whose (subject_id, event_id) was already seen earlier in the list.
    public var duplicates: Int
    /// Records that passed validation, duplicates included: `valid + quarantined.count`
    /// equals the number of records.
    public var valid: Int
    /// Valid non-duplicate events whose subject has no creating event.
    public var pending: Int

    public init(state: OracleState, quarantined: [(partition: Int32, offset: Int64, reason: String)],
                duplicates: Int, valid: Int, pending: Int) {
        self.state = state
        self.quarantined = quarantined
        self.duplicates = duplicates
        self.valid = valid
        self.pending = pending
    }
}
