import Foundation

/// What one slot's users met, as status views show it: the last minute, the time since its
/// switch while it bakes, and requests and errors per minute for the last hour.
public struct SlotTraffic: Sendable, Hashable {
    public var lastMinute: TrafficWindow.Summary
    public var sinceSwitch: TrafficWindow.Summary?
    public var minutes: [TrafficWindow.Minute]

    public init(lastMinute: TrafficWindow.Summary, sinceSwitch: TrafficWindow.Summary? = nil, minutes: [TrafficWindow.Minute] = []) {
        self.lastMinute = lastMinute
        self.sinceSwitch = sinceSwitch
        self.minutes = minutes
    }
}
