import Foundation

/// CPU time the calling thread has used so far: what a scaling comparison measures, since
/// other threads and processes busy at the same moment do not inflate it (wall time they do).
public func threadCPUTime() -> Duration {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
}
