import Yams

/// Checks that run before and right after YAML parsing, so hostile input gets one clear
/// sentence instead of a crash, a hang or an exhausted stack.
enum InputGuards {
    /// The largest codeb.yaml accepted.
    static let maxBytes = 256 * 1024
    /// How deeply `[`/`{` may nest; the YAML composer recurses once per level.
    static let maxFlowDepth = 32
    /// How far a line may be indented; block nesting costs at least one column a level.
    static let maxIndentation = 128
    /// How many `- ` or `? ` may open nested collections at the start of one line.
    static let maxCompactIndicators = 16
    /// How many nodes the document may have once aliases are expanded (an alias bomb has billions).
    static let maxNodes = 100_000

    struct Failure: Error {
        var position: Position
        var message: String
    }

    /// Decodes UTF-8 text (dropping a byte-order mark), refusing oversized and binary input.
    static func text(from bytes: [UInt8]) throws(Failure) -> String {
        if bytes.count > maxBytes {
            throw Failure(position: .start, message: "the file is \(bytes.count) bytes; a spec may be at most \(maxBytes) bytes (256 KiB)")
        }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        var position = Position.start
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\n" {
                    position.line += 1
                    position.column = 1
                } else {
                    if isControl(scalar) {
                        throw Failure(position: position, message: "the file is not text: it holds a control character (U+\(String(scalar.value, radix: 16, uppercase: true))); is it a binary file?")
                    }
                    position.column += 1
                }
                scalars.append(scalar)
            case .emptyInput:
                break decoding
            case .error:
                throw Failure(position: position, message: "the file is not valid UTF-8 text; is it a binary file?")
            }
        }
        var text = String(scalars)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0x7F
    }

    /// Bounds nesting before the recursive composer sees the text.
    static func checkNesting(_ text: String) throws(Failure) {
        let scalars = Array(text.unicodeScalars)
        var position = Position.start
        var indentation = 0
        var atLineStart = true
        var flowDepth = 0
        var quote: Unicode.Scalar?
        var inComment = false
        var index = 0
        func advance() {
            position = scalars[index] == "\n"
                ? Position(line: position.line + 1, column: 1)
                : Position(line: position.line, column: position.column + 1)
            index += 1
        }
        while index < scalars.count {
            let scalar = scalars[index]
            let previous: Unicode.Scalar = index > 0 ? scalars[index - 1] : "\n"
            if scalar == "\n" {
                atLineStart = true
                indentation = 0
                inComment = false
                advance()
                continue
            }
            if inComment {
                advance()
                continue
            }
            if let open = quote {
                if open == "\"", scalar == "\\", index + 1 < scalars.count, scalars[index + 1] != "\n" {
                    advance()  // the escaped character cannot end the string
                } else if scalar == open {
                    quote = nil
                }
                advance()
                continue
            }
            if atLineStart {
                if scalar == " " {
                    indentation += 1
                    if indentation > maxIndentation {
                        throw Failure(position: position, message: "the file is indented more than \(maxIndentation) columns deep; a spec is never nested this deeply")
                    }
                    advance()
                    continue
                }
                atLineStart = false
                // `- - - x` nests lists without indenting; count those indicators.
                var compact = 0
                var look = index
                while look + 1 < scalars.count, scalars[look] == "-" || scalars[look] == "?", scalars[look + 1] == " " {
                    compact += 1
                    look += 1
                    while look < scalars.count, scalars[look] == " " { look += 1 }
                }
                if compact > maxCompactIndicators {
                    throw Failure(position: position, message: "more than \(maxCompactIndicators) nested lists start on one line; a spec is never nested this deeply")
                }
            }
            switch scalar {
            case "#" where previous == " " || previous == "\t" || previous == "\n":
                inComment = true
            case "\"", "'":
                if isScalarStart(previous) { quote = scalar }
            case "[", "{":
                flowDepth += 1
                if flowDepth > maxFlowDepth {
                    throw Failure(position: position, message: "`[`/`{` nest more than \(maxFlowDepth) levels deep; a spec is never nested this deeply")
                }
            case "]", "}":
                flowDepth = max(0, flowDepth - 1)
            default:
                break
            }
            advance()
        }
    }

    private static func isScalarStart(_ previous: Unicode.Scalar) -> Bool {
        " \t\n[{,:-?".unicodeScalars.contains(previous)
    }

    /// Whether the composed document stays within `maxNodes` once every alias is expanded.
    /// Stops counting as soon as the budget runs out, so a bomb costs no more than the budget.
    static func isWithinNodeBudget(_ node: Node) -> Bool {
        var budget = maxNodes
        return count(node, budget: &budget)
    }

    private static func count(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias:
            return true
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard count(key, budget: &budget), count(value, budget: &budget) else { return false }
            }
            return true
        case .sequence(let sequence):
            for item in sequence {
                guard count(item, budget: &budget) else { return false }
            }
            return true
        }
    }
}

/// A 1-based line and column (in Unicode scalars) in the source text.
struct Position: Sendable, Hashable, Comparable {
    static let start = Position(line: 1, column: 1)

    var line: Int
    var column: Int

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    init(_ mark: Mark?) {
        self = mark.map { Position(line: $0.line, column: $0.column) } ?? .start
    }

    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}
