import Testing
@testable import Lifestream
