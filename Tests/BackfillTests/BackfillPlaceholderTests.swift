import Testing
@testable import Backfill
