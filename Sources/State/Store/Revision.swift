import Foundation
import Spec

/// One desired state of an environment, kept forever as history. A rollback is a revision too:
/// a copy of an earlier one, so the next apply rolls forward.
public struct Revision: Sendable, Hashable, Codable {
    public enum Source: String, Sendable, Hashable, Codable {
        case apply
        case rollback
        /// A secret the revision names was set again or unset (`codeb secrets set|unset`).
        case secrets
    }

    /// 1, 2, 3… per environment; the environment's generation once it is the latest.
    public var number: Int
    public var spec: EnvironmentSpec
    /// `spec.template.hash`, kept so history reads without recomputing.
    public var hash: String
    public var source: Source
    /// Who asked: the API key's name, or `cli` for local use.
    public var author: String
    public var createdAt: Date
    /// For a rollback: the revision it copies.
    public var rollbackOf: Int?
    /// The image digest (`sha256:…`) the controller pulled for this revision, once pulled.
    public var imageDigest: String?
    /// Why its bake sent traffic back to the previous revision (`reverted to revision 1: 5xx 33%
    /// of 60 requests, bar 2%`), kept with the history after its slot is reused.
    public var reverted: String?

    public init(number: Int, spec: EnvironmentSpec, source: Source, author: String, createdAt: Date, rollbackOf: Int? = nil) {
        self.number = number
        self.spec = spec
        self.hash = spec.template.hash
        self.source = source
        self.author = author
        self.createdAt = createdAt
        self.rollbackOf = rollbackOf
    }
}
