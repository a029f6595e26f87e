import Foundation

/// Polls `condition` every 50 ms for up to `seconds`; true once it holds. For waiting until a
/// process has reached the point a test holds it at, never for timing a result.
public func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
