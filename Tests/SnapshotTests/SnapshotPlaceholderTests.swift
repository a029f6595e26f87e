import Testing
@testable import Snapshot
