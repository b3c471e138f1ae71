import Spec

/// `{"error": {"code", "message", "details"}}`: every API failure's body.
public struct ErrorBody: Codable, Sendable, Hashable {
    public struct Inner: Codable, Sendable, Hashable {
        public var code: String
        public var message: String
        /// An invalid spec's located problems.
        public var details: [SpecProblem]?

        public init(code: String, message: String, details: [SpecProblem]? = nil) {
            self.code = code
            self.message = message
            self.details = details
        }
    }

    public var error: Inner

    public init(error: Inner) {
        self.error = error
    }
}
