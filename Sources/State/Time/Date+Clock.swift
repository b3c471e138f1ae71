import Foundation

extension Date {
    /// `14:05:09Z`: a moment within the day, in UTC — when a bake ends, as the status, the
    /// events and `apply --wait` say it.
    public var clockText: String {
        formatted(.iso8601.time(includingFractionalSeconds: false)) + "Z"
    }
}
