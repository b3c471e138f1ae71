/// What an apply changes, field by field, for people to read — derived from the model: every
/// stored field of `EnvironmentSpec` (and of the groups it holds: the slot template, its
/// resources) is compared, so a field added to the model is shown the day it exists, under its
/// own name, without anyone remembering to list it. `diff`, `apply --dry-run`, `apply` and
/// history print these lines. Values that may be secret are never shown: `env` by name only,
/// secrets by name (and `changed` when the value they run with was set again).
extension EnvironmentSpec {
    public func changes(from old: EnvironmentSpec?) -> [String] {
        guard let old else {
            return ["new environment: image \(template.image), port \(template.port), domains \(domains.map(\.value).joined(separator: ", "))"]
        }
        var lines: [String] = []
        Self.compare(old, self, into: &lines)
        return lines
    }

    /// Fields not shown by value: the environment's identity, and what `lines(for:)` words itself.
    static let byName: Set<String> = ["name", "env", "secrets", "secretsBinding"]

    /// Every stored field of two values of one type, in declaration order: a group is walked
    /// into, a field by name is worded by `wordedLines`, any other field that differs is a line.
    static func compare(_ old: Any, _ new: Any, into lines: inout [String]) {
        let before = Mirror(reflecting: old).children, after = Mirror(reflecting: new).children
        for (a, b) in zip(before, after) {
            guard let label = b.label else { continue }
            if b.value is any SpecChangeGroup {
                compare(a.value, b.value, into: &lines)
            } else if byName.contains(label) {
                lines += wordedLines(label, a.value, b.value, in: (old, new))
            } else if (a.value as? AnyHashable) != (b.value as? AnyHashable) {
                lines.append("\(label): \(shown(label, a.value)) → \(shown(label, b.value))")
            }
        }
    }

    /// A field's value as a person reads it.
    static func shown(_ label: String, _ value: Any) -> String {
        if let shown = value as? any SpecChangeShown { return shown.changeText }
        if label == "command" { return (value as? [String]).map { $0.joined(separator: " ") } ?? "(image default)" }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional: return mirror.children.first.map { shown(label, $0.value) } ?? "(none)"
        case .collection, .set: return mirror.children.isEmpty ? "(none)" : mirror.children.map { shown(label, $0.value) }.joined(separator: ", ")
        default: return String(describing: value)
        }
    }

    /// The fields shown by name, never by value (`parents`: the values holding them).
    static func wordedLines(_ label: String, _ old: Any, _ new: Any, in parents: (Any, Any)) -> [String] {
        switch label {
        case "secrets":
            guard let old = parents.0 as? SlotTemplate, let new = parents.1 as? SlotTemplate else { return [] }
            return secretChanges(from: old, to: new)
        case "env":
            guard let old = old as? [EnvVarName: String], let new = new as? [EnvVarName: String] else { return [] }
            return Set(old.keys).union(new.keys).sorted().compactMap { name in
                guard old[name] != new[name] else { return nil }
                return old[name] == nil ? "env \(name): added" : new[name] == nil ? "env \(name): removed" : "env \(name): changed"
            }
        default:
            // `name` is the environment itself; `secretsBinding` is worded with `secrets`.
            return []
        }
    }

    /// Secrets by name only: added, removed, or `changed` when the value it runs with was set
    /// again. A value (or anything derived from one) is never shown.
    static func secretChanges(from old: SlotTemplate, to new: SlotTemplate) -> [String] {
        let before = Set(old.secrets), after = Set(new.secrets)
        var changes: [String] = []
        for name in before.union(after).sorted() {
            if !before.contains(name) {
                changes.append("secret \(name): added")
            } else if !after.contains(name) {
                changes.append("secret \(name): removed")
            } else if old.secretsBinding?.pins[name] != new.secretsBinding?.pins[name] {
                changes.append("secret \(name): changed")
            }
        }
        return changes
    }
}

/// A part of the spec whose fields are compared one by one (the slot template, its resources).
protocol SpecChangeGroup {}

extension SlotTemplate: SpecChangeGroup {}
extension Resources: SpecChangeGroup {}

/// A value with its own wording in a change line.
protocol SpecChangeShown {
    var changeText: String { get }
}

extension Healthcheck: SpecChangeShown {
    var changeText: String { "\(path) every \(interval) (timeout \(timeout)), \(healthyThreshold) in a row within \(deadline)" }
}
