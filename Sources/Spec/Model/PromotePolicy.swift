/// Whether a healthy new slot takes traffic by itself (`auto`) or waits for `codeb promote` (`manual`).
public enum PromotePolicy: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case auto
    case manual

    public var description: String { rawValue }
}
