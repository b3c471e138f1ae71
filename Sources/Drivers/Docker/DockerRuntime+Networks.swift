import Foundation
import State

extension DockerRuntime {
    /// The ID of the team network `name` (a labelled user-defined bridge), created unless it
    /// exists. The engine does not refuse a second network of the same name (`CheckDuplicate`
    /// is advisory), so controllers creating one at once can make two: every caller then picks
    /// the same one (the oldest), removes the others it can, and containers name it by ID.
    ///
    /// An environment's private network is internal (`isInternal`: no gateway: its services reach nothing
    /// outside it) and labelled with its `owner` (team, project, environment), which a network
    /// found under that name must carry too.
    func ensureNetwork(_ name: String, team: String?, isInternal: Bool = false, owner: [String: String]? = nil) async throws -> String {
        if let id = memo.network(name) { return id }
        if let id = try await canonicalNetwork(name, team: team, owner: owner) {
            memo.network(name, id: id)
            return id
        }
        var labels = [ManagedLabels.managedBy: ManagedLabels.managedByValue]
        if let team { labels[ManagedLabels.team] = team }
        labels.merge(owner ?? [:]) { $1 }
        let wire = DockerNetworkCreateWire(Name: name, Driver: "bridge", CheckDuplicate: true, Internal: isInternal, Labels: labels)
        _ = try await call("create network \(name)", .POST, "/networks/create", body: try JSONEncoder().encode(wire), accept: [409])
        logger.info("created network", metadata: ["network": "\(name)"])
        guard let id = try await canonicalNetwork(name, team: team, owner: owner) else {
            throw RuntimeError(.engine, operation: "create network \(name)", message: "the network was created but is not listed; is another program removing it?")
        }
        memo.network(name, id: id)
        return id
    }

    /// The oldest network named exactly `name`, after removing younger duplicates that no
    /// container uses; nil when there is none. A network of that name that is not this team's
    /// codeb network is refused.
    private func canonicalNetwork(_ name: String, team: String?, owner: [String: String]?) async throws -> String? {
        let operation = "find network \(name)"
        let named = try await networks(named: name)
        guard !named.isEmpty else { return nil }
        for network in named where !ManagedLabels.isManaged(network.Labels ?? [:]) || network.Labels?[ManagedLabels.team] != team
            || (owner ?? [:]).contains(where: { network.Labels?[$0.key] != $0.value }) {
            throw RuntimeError(.notManaged, operation: operation, message: "a network named \(name) (\(network.Id.prefix(12))) exists and is not this team's codeb network; remove or rename it")
        }
        let ordered = named.sorted { ($0.createdAt, $0.Id) < ($1.createdAt, $1.Id) }
        for duplicate in ordered.dropFirst() {
            // In use (403) or already gone (404): leave it; a later sweep tries again.
            _ = try? await call("remove duplicate network \(name)", .DELETE, "/networks/\(Self.pathComponent(duplicate.Id))", accept: [403, 404, 409])
        }
        return ordered[0].Id
    }

    /// codeb's networks (`codeb.managed-by=codeb`), by name.
    public func managedNetworks() async throws -> [String] {
        let filters = #"{"label":["\#(ManagedLabels.managedBy)=\#(ManagedLabels.managedByValue)"]}"#
        let (_, body) = try await call("list networks", .GET, "/networks", query: [("filters", filters)])
        return Array(Set(try decode([DockerNetworkWire].self, body, "list networks")
            .filter { ManagedLabels.isManaged($0.Labels ?? [:]) }.map(\.Name))).sorted()
    }

    /// Removes codeb's networks named `name`; one still in use (or already gone) is left as it is.
    public func removeNetwork(_ name: String) async throws {
        memo.network(name, id: nil)
        for network in try await networks(named: name) where ManagedLabels.isManaged(network.Labels ?? [:]) {
            _ = try await call("remove network \(name)", .DELETE, "/networks/\(Self.pathComponent(network.Id))", accept: [403, 404, 409])
        }
    }
}

extension DockerRuntime {
    /// Attaches a created container to a second network under `aliases`.
    func connect(_ id: String, to network: String, name: String, aliases: [String]) async throws {
        struct Connect: Encodable {
            struct Endpoint: Encodable { var Aliases: [String]? }
            var Container: String
            var EndpointConfig: Endpoint
        }
        let body = try JSONEncoder().encode(Connect(Container: id, EndpointConfig: .init(Aliases: aliases.isEmpty ? nil : aliases)))
        do {
            _ = try await call("connect \(id.prefix(12)) to network \(name)", .POST, "/networks/\(Self.pathComponent(network))/connect", body: body)
        } catch {
            memo.network(name, id: nil)
            throw error
        }
    }

    /// Every network named exactly `name` (the engine's name filter also matches parts of names).
    func networks(named name: String) async throws -> [DockerNetworkWire] {
        let operation = "find network \(name)"
        let filters = #"{"name":["\#(name)"]}"#
        let (_, body) = try await call(operation, .GET, "/networks", query: [("filters", filters)])
        return try decode([DockerNetworkWire].self, body, operation).filter { $0.Name == name }
    }
}

extension DockerNetworkWire {
    /// When the engine made it; the RFC 3339 text parsed, so fractions of any length compare right.
    var createdAt: Date {
        guard let text = Created else { return .distantFuture }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        // Nanoseconds: keep milliseconds, which ISO8601DateFormatter reads.
        if let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) {
            let trimmed = String(text[..<dot]) + String(text[dot...].prefix(4)) + String(text[end...])
            if let date = formatter.date(from: trimmed) { return date }
        }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text) ?? .distantFuture
    }
}
