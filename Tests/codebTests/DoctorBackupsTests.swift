@testable import Controller
import Foundation
import Testing

/// `codeb doctor`'s backups line: failing backups as the controller reports them, and a backup
/// directory on the disk that holds Docker's volumes.
struct DoctorBackupsTests {
    @Test func failingBackupsAreAWarningNamingThem() async throws {
        var configuration = ControllerDaemon.Configuration()
        configuration.backupDirectory = "/nonexistent-\(UUID().uuidString)"
        let line = "1 failing: acme/shop/production/db: the service db of shop/production is not running"
        let check = await Doctor(configuration).backupsCheck(readyz: ["backups": line])
        #expect(check.status == .warn && check.message == line && check.fix.contains("codeb backup create"))
    }

    @Test func aBackupDirectoryOnTheVolumesDiskIsAWarning() async throws {
        let directory = NSTemporaryDirectory() + "codeb-doctor-backups-" + UUID().uuidString.prefix(8)
        var configuration = ControllerDaemon.Configuration()
        configuration.backupDirectory = directory
        // Whatever this host's layout, the check agrees with the devices it reads.
        let same = Doctor.sameDisk(directory, "/var/lib/docker/volumes")
        let check = await Doctor(configuration).backupsCheck(readyz: ["backups": "ok"])
        if same == true {
            #expect(check.status == .warn && check.message.contains("same disk as Docker's volumes") && check.fix.contains("backup-dir"), "\(check.line)")
        } else {
            #expect(check.status == .ok, "\(check.line)")
        }
        #expect(Doctor.sameDisk(directory + "/a/b", directory) == true, "a path not made yet is read by its nearest parent")
    }

    @Test func backupHealthSaysWhichFailAndForgetsThemOnceTheyWork() {
        let health = BackupHealth()
        #expect(health.summary == "ok")
        health.failed("acme/shop/production/db", "no secret key")
        #expect(health.summary == "1 failing: acme/shop/production/db: no secret key")
        health.succeeded("acme/shop/production/db")
        #expect(health.summary == "ok")
    }
}
