import Backfill

extension ProgressReporter {
    /// Shows a backfill run's phases: a bar for ingest (records of the plan), a count for materialize.
    func backfillHandler() -> @Sendable (RunProgress) -> Void {
        { [self] event in
            switch event {
            case .planned: break
            case .phase(let name): begin(name)
            case .ingested(let done, let total): update("ingest", done: done, total: total, unit: "records")
            case .materialized(let subjects): update("materialize", done: subjects, total: nil, unit: "subjects")
            }
        }
    }
}
