/// A failure of configuration, retention or the nightly job, printed as one sentence.
public struct OperationsError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case configuration, retention, summary
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
