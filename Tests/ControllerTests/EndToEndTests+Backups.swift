import APIModel
@testable import Controller
import Drivers
import Foundation
import Spec
import State
import TestSupport
import Testing

/// Backups of backing services on the real dockerd: taken while the service is paused, streamed
/// encrypted to the backup directory, restored by the reconciler into a fresh volume — for Redis
/// and PostgreSQL alike; a backup that does not open changes nothing.
extension EndToEndTests {
    static func backups(_ world: World) throws -> ServiceBackups {
        ServiceBackups(files: try #require(world.reconciler.backups), runtime: world.docker, vault: try #require(world.vault))
    }

    /// Asks for a restore and runs passes until the reconciler cleared it (or it failed).
    static func restore(_ key: EnvironmentKey, _ service: String, from backup: String, in world: World) async throws -> ServiceRestore? {
        try await world.operations.requestRestore(key, ServiceRestore(service: service, backup: backup, requestedAt: Date(), by: "e2e"))
        var outcome: ServiceRestore?
        _ = try await eventually("the restore of \(service) carried out", within: .seconds(60), every: .milliseconds(50)) { () -> Bool? in
            let requeue = try await world.reconciler.reconcile(key)
            let restore = await world.store.load(key)?.restore
            if restore == nil || restore?.failure != nil {
                outcome = restore
                return true
            }
            try await Task.sleep(for: min(requeue ?? .milliseconds(200), .milliseconds(200)))
            return nil
        }
        return outcome
    }

    @Test func aRedisBackupIsEncryptedAndRestoringItBringsTheOldDataBack() async throws {
        try await Self.runWithServices(secrets: true) { world, _ in
            let key = try await Self.deploy(Self.serviceSpec(world.project, services: Self.redis), in: world)
            let slot = try await Self.activeSlot(key, in: world)
            #expect(try await Self.redis(["SET marker before-the-backup-7f3a"], from: slot.name).output.hasPrefix("+OK"))
            let state = try #require(await world.state())
            let backups = try Self.backups(world)
            let record = try await backups.create(state, service: "cache", trigger: "manual")
            #expect(record.bytes > 0 && record.storedBytes > 0)
            #expect(try await Self.service("cache", of: key, in: world)?.state == .running, "thawed after the copy")
            let file = try Data(contentsOf: URL(fileURLWithPath: backups.files.path(record)))
            #expect(file.range(of: Data("before-the-backup-7f3a".utf8)) == nil, "the archive is not in clear on disk")
            #expect(try backups.list(state, service: "cache").map(\.id) == [record.id])
            let view = try #require(await EnvironmentView.with(state, previewDomain: nil, reconciler: world.reconciler, now: Date()).services?.first)
            #expect(view.name == "cache" && view.state == "running" && view.problem == nil)
            #expect(view.volume == ManagedLabels.volume(of: "acme", key, service: "cache"))
            #expect(view.backups == 1 && view.lastBackupID == record.id)
            #expect((view.volumeBytes ?? -1) >= 0, "the volume's size as the engine measured it")

            #expect(try await Self.redis(["SET marker after-the-backup"], from: slot.name).output.hasPrefix("+OK"))
            let outcome = try await Self.restore(key, "cache", from: record.id, in: world)
            #expect(outcome == nil, "restored: \(outcome?.failure ?? "")")
            _ = try await eventually("the old value read back", within: .seconds(30)) { () -> Bool? in
                try await Self.redis(["GET marker"], from: slot.name).output.contains("before-the-backup-7f3a") ? true : nil
            }

            // A backup altered on disk opens nowhere: nothing changes, the failure says why.
            #expect(try await Self.redis(["SET marker kept"], from: slot.name).output.hasPrefix("+OK"))
            var damaged = file
            damaged[damaged.count - 20] ^= 0xFF
            try damaged.write(to: URL(fileURLWithPath: backups.files.path(record)))
            let before = try #require(try await Self.service("cache", of: key, in: world))
            let refused = try await Self.restore(key, "cache", from: record.id, in: world)
            #expect(refused?.failure?.contains("does not open") == true, "\(refused?.failure ?? "no failure")")
            #expect(try await Self.service("cache", of: key, in: world)?.id == before.id, "the service was not touched")
            #expect(try await Self.redis(["GET marker"], from: slot.name).output.contains("kept"))
        }
    }

    @Test func aPostgresBackupRestoresItsRowsIntoAFreshVolume() async throws {
        try await Self.runWithServices(secrets: true) { world, _ in
            let key = try await Self.deploy(Self.serviceSpec(world.project, services: Self.postgres), in: world)
            let slot = try await Self.activeSlot(key, in: world)
            let password = try await DockerExec.shell(slot.name, "printf %s \"$DB_POSTGRES_PASSWORD\"").output
            let db = try #require(try await Self.service("db", of: key, in: world)).name
            #expect(try await Self.psql(db, password: password, "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2)").status == 0)
            let record = try await Self.backups(world).create(try #require(await world.state()), service: "db", trigger: "manual")
            #expect(try await Self.psql(db, password: password, "DELETE FROM orders; INSERT INTO orders VALUES (99)").status == 0)

            let outcome = try await Self.restore(key, "db", from: record.id, in: world)
            #expect(outcome == nil, "restored: \(outcome?.failure ?? "")")
            _ = try await eventually("the rows of the backup read back", within: .seconds(60)) { () -> Bool? in
                try await Self.psql(db, password: password, "SELECT string_agg(id::text, ',' ORDER BY id) FROM orders").output == "1,2\n" ? true : nil
            }
        }
    }
}

extension EndToEndTests {
    @Test func aScheduledBackupIsTakenOnceTheServiceAnswersAndOnlyKeepAreKept() async throws {
        try await Self.runWithServices(secrets: true) { world, _ in
            let services = "  cache: { image: codeb-test/redis:7, port: 6379, volume: /data, backup: { every: 24h, keep: 2 } }"
            let key = try await Self.deploy(Self.serviceSpec(world.project, services: services), in: world)
            let backups = try Self.backups(world)
            let state = try #require(await world.state())
            let first = try await eventually("the first scheduled backup", within: .seconds(30), every: .milliseconds(100)) { () -> BackupRecord? in
                _ = try await world.reconciler.reconcile(key)
                return try backups.list(state, service: "cache").first
            }
            #expect(first.trigger == "schedule")
            _ = try await world.reconciler.reconcile(key)
            #expect(try backups.list(state, service: "cache").count == 1, "not due again for 24h")
            _ = try await backups.create(state, service: "cache", trigger: "manual")
            let newest = try await backups.create(state, service: "cache", trigger: "manual")
            let kept = try backups.list(state, service: "cache")
            #expect(kept.count == 2 && kept.first?.id == newest.id && !kept.contains { $0.id == first.id }, "keep: 2 drops the oldest")
        }
    }
}
