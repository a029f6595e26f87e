import ArgumentParser
import Foundation
import Operations

/// `--lock-wait SECONDS`, for every command that writes a schema (see `WriterLocks`): how long
/// it waits for another command's lock before giving up with exit 3. Else BACKFILL_LOCK_WAIT
/// from the config file, `.env` or environment, else 30.
struct LockOptions: ParsableArguments {
    @Option(name: .customLong("lock-wait"),
            help: ArgumentHelp("Seconds to wait while another command writes the same schema (or table) before giving up with exit 3; 0 gives up at once. Default: $BACKFILL_LOCK_WAIT, else 30.", valueName: "seconds"))
    var lockWait: Double?

    func validate() throws {
        if let lockWait, !(lockWait >= 0 && lockWait.isFinite) { throw ValidationError("--lock-wait must be a number of seconds, 0 or more") }
    }

    func seconds() throws -> Double {
        if let lockWait { return lockWait }
        let text = try Environment.value(.lockWait) ?? "30"
        guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds >= 0, seconds.isFinite else {
            throw OperationsError(.configuration, "BACKFILL_LOCK_WAIT must be a number of seconds, 0 or more, not '\(text)'")
        }
        return seconds
    }
}
