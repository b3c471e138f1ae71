import State

extension DockerRuntime {
    static func info(from summary: DockerSummaryWire) -> ContainerInfo {
        let name = summary.Names?.first.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 } ?? summary.Id
        let ports = (summary.Ports ?? []).compactMap { port -> PublishedPort? in
            guard port.Type == "tcp", let hostPort = port.PublicPort else { return nil }
            return PublishedPort(hostIP: port.IP ?? "", hostPort: hostPort, containerPort: port.PrivatePort)
        }
        // The list call reports the engine's health check only inside its status text.
        let status = summary.Status ?? ""
        let health: ContainerInfo.Health? = status.contains("(healthy)") ? .healthy
            : status.contains("(unhealthy)") ? .unhealthy
            : status.contains("(health: starting)") ? .starting : nil
        return ContainerInfo(
            id: summary.Id, name: name, image: summary.Image, labels: summary.Labels ?? [:],
            state: ContainerInfo.State(rawValue: summary.State) ?? .unknown, health: health, exitCode: exitCode(status: status),
            ports: Array(Set(ports)).sorted { ($0.hostPort, $0.hostIP) < ($1.hostPort, $1.hostIP) },
            networks: summary.NetworkSettings?.Networks?.mapValues { $0.IPAddress ?? "" }
        )
    }

    /// The exit code in a list's status text: `Exited (3) 2 seconds ago`, `Restarting (137) …`.
    static func exitCode(status: String) -> Int? {
        guard status.hasPrefix("Exited (") || status.hasPrefix("Restarting (") else { return nil }
        guard let open = status.firstIndex(of: "("), let close = status[open...].firstIndex(of: ")") else { return nil }
        return Int(status[status.index(after: open)..<close])
    }

    static func info(from inspect: DockerInspectWire) -> ContainerInfo {
        var ports: [PublishedPort] = []
        for (key, bindings) in inspect.NetworkSettings?.Ports ?? [:] {
            let parts = key.split(separator: "/")
            guard parts.count == 2, parts[1] == "tcp", let containerPort = Int(parts[0]) else { continue }
            for binding in bindings ?? [] {
                guard let hostPort = binding.HostPort.flatMap(Int.init) else { continue }
                ports.append(PublishedPort(hostIP: binding.HostIp ?? "", hostPort: hostPort, containerPort: containerPort))
            }
        }
        var info = ContainerInfo(
            id: inspect.Id,
            name: inspect.Name.hasPrefix("/") ? String(inspect.Name.dropFirst()) : inspect.Name,
            image: inspect.Config.Image,
            labels: inspect.Config.Labels ?? [:],
            state: ContainerInfo.State(rawValue: inspect.State.Status) ?? .unknown,
            health: inspect.State.Health.flatMap { ContainerInfo.Health(rawValue: $0.Status) },
            exitCode: inspect.State.ExitCode,
            ports: Array(Set(ports)).sorted { ($0.hostPort, $0.hostIP) < ($1.hostPort, $1.hostIP) },
            memoryBytes: inspect.HostConfig?.Memory,
            nanoCPUs: inspect.HostConfig?.NanoCpus,
            restartPolicy: inspect.HostConfig?.RestartPolicy?.Name,
            oomKilled: inspect.State.OOMKilled,
            networks: inspect.NetworkSettings?.Networks?.mapValues { $0.IPAddress ?? "" }
        )
        info.pidsLimit = inspect.HostConfig?.PidsLimit
        info.securityOptions = inspect.HostConfig?.SecurityOpt
        info.droppedCapabilities = inspect.HostConfig?.CapDrop
        return info
    }
}

extension DockerRuntime {
    /// Where dockerd keeps its data (`DockerRootDir`; volumes under `volumes/`).
    public func rootDirectory() async throws -> String {
        struct Info: Decodable { var DockerRootDir: String? }
        let (_, body) = try await call("read dockerd's info", .GET, "/info")
        return try decode(Info.self, body, "read dockerd's info").DockerRootDir ?? "/var/lib/docker"
    }
}
