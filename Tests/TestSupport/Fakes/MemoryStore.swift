import Foundation
import Spec
import State

/// An in-memory `Store` with the file store's claims, for simulations that run thousands of
/// passes (the conformance suite keeps the real stores honest).
public actor MemoryStore: Store {
    private var states: [EnvironmentKey: EnvironmentState] = [:]
    private let feed = ChangeFeed<EnvironmentKey>()
    private var failNext = false
    var secretSets: [SecretOwner: SecretSet] = [:]
    var registrySets: [ResourceName: RegistrySet] = [:]
    var keyringDocument = Keyring()

    public init() {}

    /// The next update that would change a state throws and changes nothing, as a full disk or
    /// a lost database connection would.
    public func failNextWrite() { failNext = true }

    public func keys() -> [EnvironmentKey] { states.keys.sorted() }
    public func load(_ key: EnvironmentKey) -> EnvironmentState? { states[key] }
    public nonisolated func changes() -> AsyncStream<EnvironmentKey> { feed.subscribe() }
    public nonisolated func identity() -> String { "memory" }

    public func update<T: Sendable>(_ key: EnvironmentKey, _ body: @escaping @Sendable (inout EnvironmentState?, Claims) throws -> T) throws -> T {
        var state = states[key]
        var claims = Claims()
        for (other, otherState) in states where other != key {
            for port in otherState.ports.all { claims.claim(port, by: other, on: otherState.nodes) }
            for domain in otherState.claimedHostnames { claims.domains[domain] = other }
            claims.stems[other.stem] = other
            if other.project == key.project { claims.projectTeam = otherState.team }
        }
        let result = try body(&state, claims)
        if state != states[key] {
            if failNext {
                failNext = false
                throw StoreError(.io, "injected failure")
            }
            states[key] = state
            feed.publish(key)
        }
        return result
    }
}
