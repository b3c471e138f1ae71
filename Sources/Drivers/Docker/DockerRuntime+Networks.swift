import Foundation

extension DockerRuntime {
    /// Creates the user-defined bridge `name` (labelled codeb's and the team's) unless it exists.
    /// Two creates racing is fine: the engine refuses the duplicate and the winner's is used.
    func ensureNetwork(_ name: String, team: String?) async throws {
        let operation = "create network \(name)"
        if let existing = try await network(name) {
            guard ManagedLabels.isManaged(existing.Labels ?? [:]), existing.Labels?[ManagedLabels.team] == team else {
                throw RuntimeError(.notManaged, operation: operation, message: "a network named \(name) exists and is not this team's codeb network; remove or rename it")
            }
            return
        }
        var labels = [ManagedLabels.managedBy: ManagedLabels.managedByValue]
        if let team { labels[ManagedLabels.team] = team }
        let wire = DockerNetworkCreateWire(Name: name, Driver: "bridge", CheckDuplicate: true, Internal: false, Labels: labels)
        let (status, _) = try await call(operation, .POST, "/networks/create", body: try JSONEncoder().encode(wire), accept: [409])
        if status == 409 { return }
        logger.info("created network", metadata: ["network": "\(name)"])
    }

    /// codeb's networks (`codeb.managed-by=codeb`), by name.
    public func managedNetworks() async throws -> [String] {
        let filters = #"{"label":["\#(ManagedLabels.managedBy)=\#(ManagedLabels.managedByValue)"]}"#
        let (_, body) = try await call("list networks", .GET, "/networks", query: [("filters", filters)])
        return try decode([DockerNetworkWire].self, body, "list networks")
            .filter { ManagedLabels.isManaged($0.Labels ?? [:]) }.map(\.Name).sorted()
    }

    /// Removes codeb's network `name`; one still in use (or already gone) is left as it is.
    public func removeNetwork(_ name: String) async throws {
        guard let existing = try await network(name), ManagedLabels.isManaged(existing.Labels ?? [:]) else { return }
        _ = try await call("remove network \(name)", .DELETE, "/networks/\(Self.pathComponent(existing.Id))", accept: [403, 404, 409])
    }

    private func network(_ name: String) async throws -> DockerNetworkWire? {
        let (status, body) = try await call("inspect network \(name)", .GET, "/networks/\(Self.pathComponent(name))", accept: [404])
        guard status != 404 else { return nil }
        let network = try decode(DockerNetworkWire.self, body, "inspect network \(name)")
        // The engine also matches an ID prefix; only the exact name counts.
        return network.Name == name ? network : nil
    }
}
