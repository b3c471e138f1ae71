import Foundation
import Planning
import Synchronization

/// Fault injection for the reliability suite, in the spirit of FoundationDB's simulation
/// and TiKV's fail points: with `CODEB_CRASH_AT=<step>:<n>` in its environment the
/// controller kills itself with SIGKILL the n-th time the executor reaches `step`. It is
/// read once at start; without the variable every check is one atomic load. Debug builds only.
///
/// A crash test picks its points from `CrashPoint.Step.allCases` — the executor's step list —
/// so a new kind of step is covered the day it is added.
public enum CrashPoint {
    /// Every point where the executor can be interrupted: before and after each kind of
    /// action, and inside `create` between creating and starting the container.
    public enum Step: String, CaseIterable, Sendable {
        case beforeRecordSlots = "before-record-slots", afterRecordSlots = "after-record-slots"
        case beforeCreate = "before-create", createdNotStarted = "created-not-started", afterCreate = "after-create"
        case beforeStart = "before-start", afterStart = "after-start"
        case beforeStop = "before-stop", afterStop = "after-stop"
        case beforeRemove = "before-remove", stoppedNotRemoved = "stopped-not-removed", afterRemove = "after-remove"
        case beforeRetire = "before-retire", afterRetire = "after-retire"
        case beforeDrain = "before-drain", afterDrain = "after-drain"
        case beforeWriteSite = "before-write-site", afterWriteSite = "after-write-site"
        case beforeRemoveSite = "before-remove-site", afterRemoveSite = "after-remove-site"
        case beforeConfirmTraffic = "before-confirm-traffic", afterConfirmTraffic = "after-confirm-traffic"
        case beforeRecordStatus = "before-record-status", afterRecordStatus = "after-record-status"
        case beforeForget = "before-forget", afterForget = "after-forget"
    }

    /// The armed point, parsed once from the environment — in debug builds (the ones tests
    /// run) only (`CodebVersion.faultInjection`): a release build has no way for its
    /// environment to make it kill itself, and does not hold the variable's name.
    #if DEBUG
    static let armed: (step: Step, occurrence: Int)? = parse(ProcessInfo.processInfo.environment["CODEB_CRASH_AT"])
    #else
    static let armed: (step: Step, occurrence: Int)? = nil
    #endif

    private static let reached = Atomic<Int>(0)

    /// `"before-create:2"` → (.beforeCreate, 2); anything else disarms.
    static func parse(_ value: String?) -> (step: Step, occurrence: Int)? {
        guard let value else { return nil }
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        guard let step = Step(rawValue: parts[0]) else { return nil }
        let occurrence = parts.count == 2 ? Int(parts[1]) ?? 1 : 1
        return (step, max(occurrence, 1))
    }

    /// Kills the process here when this is the armed step's n-th visit.
    static func check(_ step: Step) {
        guard let armed, armed.step == step else { return }
        if reached.add(1, ordering: .relaxed).newValue == armed.occurrence {
            FileHandle.standardError.write(Data("crash point \(step.rawValue):\(armed.occurrence) reached, SIGKILL\n".utf8))
            kill(getpid(), SIGKILL)
        }
    }
}

extension Action {
    /// The crash points around this action.
    var crashSteps: (before: CrashPoint.Step, after: CrashPoint.Step) {
        switch self {
        case .recordSlots: (.beforeRecordSlots, .afterRecordSlots)
        case .createContainer, .createService, .restoreService, .replaceService: (.beforeCreate, .afterCreate)
        case .removeVolume, .removeNetwork: (.beforeRemove, .afterRemove)
        case .backupService: (.beforeRecordStatus, .afterRecordStatus)
        case .startContainer: (.beforeStart, .afterStart)
        case .stopContainer: (.beforeStop, .afterStop)
        case .removeContainer: (.beforeRemove, .afterRemove)
        case .retireContainer: (.beforeRetire, .afterRetire)
        case .drain: (.beforeDrain, .afterDrain)
        case .writeSite: (.beforeWriteSite, .afterWriteSite)
        case .removeSite: (.beforeRemoveSite, .afterRemoveSite)
        case .confirmTraffic: (.beforeConfirmTraffic, .afterConfirmTraffic)
        case .recordStatus: (.beforeRecordStatus, .afterRecordStatus)
        case .forget: (.beforeForget, .afterForget)
        }
    }
}
