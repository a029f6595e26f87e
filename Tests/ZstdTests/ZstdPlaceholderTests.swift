import Testing
@testable import Zstd
