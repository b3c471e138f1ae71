/// A position in the document tree, printed as `environments.staging.domains[1]`.
struct KeyPath: Sendable, Hashable, CustomStringConvertible {
    enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    static let root = KeyPath(components: [])

    var components: [Component]

    func appending(_ key: String) -> KeyPath {
        KeyPath(components: components + [.key(key)])
    }

    func appending(index: Int) -> KeyPath {
        KeyPath(components: components + [.index(index)])
    }

    var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                // Keys that are not plain words (hostile input) are quoted so the path stays readable.
                let plain = !key.isEmpty && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }
                let shown = plain ? key : key.debugDescription
                text += text.isEmpty ? shown : ".\(shown)"
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }
}
