import Foundation

extension APIContract {
    /// One parameter of an operation as the contract declares it: where it goes and what its
    /// schema allows. The server checks a request's query against it before anything reads the
    /// query, so the contract's bounds, enums and patterns are the API's.
    public struct Parameter: Sendable, Hashable {
        public enum Place: String, Sendable, Hashable { case path, query, header }

        public var name: String
        public var place: Place
        public var description: String?
        /// `string`, `integer`, `array`…
        public var type: String?
        public var format: String?
        public var minimum: Int?
        public var maximum: Int?
        public var allowed: [String]?
        public var pattern: String?

        init?(_ value: Any?, in document: [String: Any]) {
            guard let object = value as? [String: Any], let name = object["name"] as? String,
                  let place = (object["in"] as? String).flatMap(Place.init(rawValue:)) else { return nil }
            let schema = APIContract.resolved(object["schema"], in: document) as? [String: Any] ?? [:]
            self.name = name
            self.place = place
            description = object["description"] as? String
            type = schema["type"] as? String
            format = schema["format"] as? String
            minimum = schema["minimum"] as? Int
            maximum = schema["maximum"] as? Int
            allowed = (schema["enum"] as? [Any])?.map { "\($0)" }
            pattern = schema["pattern"] as? String
        }

        /// What is wrong with `text` as this parameter's value, in a sentence that says what it
        /// takes; nil when the schema allows it.
        public func problem(with text: String) -> String? {
            let quoted = String(text.prefix(60)).debugDescription
            if type == "integer" {
                guard let value = Int(text), value >= (minimum ?? .min), value <= (maximum ?? .max) else {
                    let range = switch (minimum, maximum) {
                    case let (low?, high?): " from \(low) to \(high)"
                    case let (low?, nil): " of at least \(low)"
                    case let (nil, high?): " of at most \(high)"
                    case (nil, nil): ""
                    }
                    return "\(name) is a whole number\(range), not \(quoted)"
                }
                return nil
            }
            if let allowed, !allowed.contains(text) {
                return "\(name) is \(allowed.count == 2 ? allowed.joined(separator: " or ") : "one of " + allowed.joined(separator: ", ")), not \(quoted)"
            }
            if format == "date-time", Self.time(text) == nil {
                return "\(name)=\(quoted) is not an RFC 3339 time\(description.map { " (\($0))" } ?? "")"
            }
            if let pattern, text.range(of: pattern, options: .regularExpression) == nil {
                return "\(name)=\(quoted) is not \(description ?? "valid (\(pattern))")"
            }
            return nil
        }

        /// An RFC 3339 time as the API writes them (whole seconds), which is what it reads.
        static func time(_ text: String) -> Date? {
            ISO8601DateFormatter().date(from: text)
        }
    }
}
