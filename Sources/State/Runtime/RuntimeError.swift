/// A container-engine call that failed, keeping the engine's own message.
public struct RuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The engine cannot be reached (socket missing, daemon down) or speaks too old an API.
        case unavailable
        /// No such container or image (HTTP 404).
        case notFound
        /// The name is taken, or the operation conflicts with the container's state (HTTP 409).
        case conflict
        /// The container does not carry `codeb.managed-by=codeb`; codeb does not touch it.
        case notManaged
        /// Pulling the image failed (reported in the pull stream even though the status was 200).
        case imagePullFailed
        /// The registry refused the pull for want of a (valid) login.
        case registryDenied
        /// The engine answered with an error (HTTP 4xx/5xx not covered above).
        case engine
        /// The engine's answer could not be understood.
        case badResponse
    }

    public var kind: Kind
    /// What codeb was doing, e.g. `create container shop-production-blue`.
    public var operation: String
    /// The engine's message, or why the call failed.
    public var message: String
    public var status: Int?

    public init(_ kind: Kind, operation: String, message: String, status: Int? = nil) {
        self.kind = kind
        self.operation = operation
        self.message = message
        self.status = status
    }

    public var description: String {
        let code = status.map { " (HTTP \($0))" } ?? ""
        return "\(operation): \(message)\(code)"
    }
}
