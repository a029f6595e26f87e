/// A failure of the daemon machinery itself, printed as one sentence.
public struct DaemonError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A setting the operator gave is unusable (`--listen` without a port, a retry delay of 0).
        case configuration
        /// The status server could not bind its address (in use, not on this host, not resolvable).
        case listen
        /// A retried operation kept failing for longer than its retry allowed.
        case gaveUp
        /// The work loop did not return within the stop timeout after a stop was asked for.
        case stopTimeout
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
