import Drivers
import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Against real unix datagram sockets, as systemd would listen.
@Suite struct SystemdNotifierTests {
    @Test(arguments: ["path", "abstract"])
    func messagesArriveAsDatagrams(_ kind: String) throws {
        let name = kind == "path" ? NSTemporaryDirectory() + "codeb-notify-\(UUID().uuidString.prefix(8)).sock" : "@codeb-notify-\(UUID().uuidString.prefix(8))"
        let listener = try NotifyListener(name)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": name, "WATCHDOG_USEC": "30000000"])
        #expect(notifier.isEnabled)
        #expect(notifier.watchdogInterval == .seconds(30))
        try notifier.ready(status: "serving")
        #expect(listener.receive() == "READY=1\nSTATUS=serving")
        try notifier.watchdog()
        #expect(listener.receive() == "WATCHDOG=1")
        try notifier.stopping()
        #expect(listener.receive() == "STOPPING=1")
    }

    @Test func withoutNotifySocketNothingIsSent() throws {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        try notifier.ready()
    }

    @Test func aWatchdogMeantForAnotherProcessIsIgnored() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"])
        #expect(notifier.watchdogInterval == nil)
    }

    @Test func aMissingSocketIsAnError() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": NSTemporaryDirectory() + "codeb-absent.sock"])
        #expect(throws: NotifyError.self) { try notifier.ready() }
    }
}
