import Foundation
import Spec
import State

extension Pass {
    /// A backing service's container: `{project}-{environment}-{service}` (a service is never
    /// named like a slot, so it cannot take a slot's name).
    func serviceContainerName(_ service: String) -> String { "\(key.stem)-\(service)" }

    /// Every service of the wanted revision has its container, running, made from its spec;
    /// a service no longer in the spec loses its container (never its volume).
    mutating func ensureServices(_ desired: Revision) {
        let wanted = Dictionary(uniqueKeysWithValues: desired.spec.services.map { ($0.name.value, $0) })
        for (name, container) in serviceContainers.sorted(by: { $0.key < $1.key }) where wanted[name] == nil {
            removals.append(.removeContainer(id: container.id, name: container.name, timeout: stopTimeout(desired), reason: "the service \(name) is no longer in codeb.yaml (its volume is kept)"))
            serviceContainers[name] = nil
        }
        for service in desired.spec.services {
            let name = service.name.value
            let spec = serviceSpec(service, revision: desired)
            if let restore = state.restore, restore.failure == nil, restore.service == name, let target = service.volume {
                creates.append(.restoreService(service: name, backup: restore.backup, spec: spec, target: target, stopTimeout: stopTimeout(desired)))
                serviceContainers[name] = nil
                continue
            }
            guard let container = serviceContainers[name] else {
                creates.append(.createService(service: name, spec: spec))
                continue
            }
            if container.labels[ManagedLabels.specHash] != service.hash {
                if state.serviceFailures?[name]?.hash == service.hash {
                    // This very change was undone: the old one keeps running until a new apply.
                    if ![.running, .restarting, .paused].contains(container.state) {
                        starts.append(.startContainer(id: container.id, name: container.name))
                    }
                    continue
                }
                // Replaced on the same volume: the old one stops (its stop timeout) first, so
                // two servers never open one data directory; it is kept until the new one answers.
                creates.append(.replaceService(
                    service: name, oldID: container.id, spec: spec, port: service.port.value, stopTimeout: stopTimeout(desired),
                    deadline: desired.spec.template.healthcheck.deadline.duration
                ))
            } else if ![.running, .restarting, .paused].contains(container.state) {
                // Paused: a backup is copying it; it is thawed by the backup.
                starts.append(.startContainer(id: container.id, name: container.name))
            } else {
                scheduleBackup(service, container)
            }
        }
    }

    /// A backup of a running, answering service whose last one is `every` old — or which has
    /// none: a slot missed while the controller was down is taken once, at the next pass.
    mutating func scheduleBackup(_ service: ServiceSpec, _ container: ContainerInfo) {
        let name = service.name.value
        guard let policy = service.backup, service.volume != nil, container.state == .running,
              input.serviceProbes[name]?.healthy == true, state.restore == nil
        else { return }
        let due = input.lastBackups[name].map { $0.addingTimeInterval(Double(policy.every.milliseconds) / 1000) } ?? now
        if due <= now {
            backups.append(.backupService(service: name))
            requeueWithin(policy.every)
        } else {
            requeueWithin(due.timeIntervalSince(now))
        }
    }

    /// Nil when every service of `desired` runs from its spec and accepted a connection in
    /// this observation; else the first one that did not, in a sentence.
    func servicesNotReady(_ desired: Revision) -> String? {
        for service in desired.spec.services {
            let name = service.name.value
            guard let container = serviceContainers[name], container.labels[ManagedLabels.specHash] == service.hash else {
                return "the service \(name) is being created"
            }
            guard container.state == .running else { return "the service \(name) is \(container.state.rawValue)" }
            guard let probe = input.serviceProbes[name] else { return "the service \(name) is starting" }
            if !probe.healthy { return "the service \(name) does not accept connections yet (\(probe.detail))" }
        }
        return nil
    }

    /// Why a change of a service was undone, for the status.
    func failedServiceChange(_ desired: Revision) -> String? {
        for service in desired.spec.services {
            if let failure = state.serviceFailures?[service.name.value], failure.hash == service.hash {
                return "the change of the service \(service.name) was undone: \(failure.reason)"
            }
        }
        return nil
    }

    /// Why a running environment's service is not serving (stopped, or refusing connections);
    /// nil when all are.
    func unhealthyService(_ desired: Revision) -> String? {
        for service in desired.spec.services {
            let name = service.name.value
            guard let container = serviceContainers[name] else { return "the service \(name) has no container; creating it" }
            if container.state == .paused { continue }
            if container.state != .running { return "the service \(name) is \(container.state.rawValue)" }
            if let probe = input.serviceProbes[name], !probe.healthy { return "the service \(name) does not accept connections: \(probe.detail)" }
        }
        return nil
    }

    func serviceSpec(_ service: ServiceSpec, revision: Revision) -> ContainerSpec {
        var labels = [
            ManagedLabels.team: state.team.value,
            ManagedLabels.project: key.project.value,
            ManagedLabels.environment: key.environment.value,
            ManagedLabels.service: service.name.value,
            ManagedLabels.specHash: service.hash,
        ]
        if let node = input.node { labels[ManagedLabels.node] = node.value }
        if let store = input.storeID { labels[ManagedLabels.store] = store }
        // Its generated values are the app's `{NAME}_{VARIABLE}` secrets, as the revision pinned them.
        let generated = Dictionary(uniqueKeysWithValues: service.appSecrets.map { ($0.app, $0.service.value) })
        let pins = (revision.spec.template.secretsBinding?.pins ?? [:]).filter { generated[$0.key.value] != nil }
        return ContainerSpec(
            name: serviceContainerName(service.name.value),
            image: service.image.description,
            env: Dictionary(uniqueKeysWithValues: service.env.map { ($0.key.value, $0.value) }),
            secrets: pins.isEmpty ? nil : SecretsBinding(pins: pins),
            labels: labels,
            containerPort: service.port.value,
            hostPort: nil,
            memoryBytes: service.memory.bytes,
            nanoCPUs: service.cpus.nanoCPUs,
            stopTimeoutSeconds: Int(revision.spec.stopTimeout.milliseconds / 1000),
            privateNetwork: PrivateNetwork(name: ManagedLabels.network(of: state.team.value, key), aliases: [service.name.value]),
            volumes: service.volume.map { [VolumeMount(volume: ManagedLabels.volume(of: state.team.value, key, service: service.name.value), target: $0)] } ?? [],
            secretsAs: generated
        )
    }

    func stopTimeout(_ revision: Revision) -> Duration { .milliseconds(revision.spec.stopTimeout.milliseconds) }
}
