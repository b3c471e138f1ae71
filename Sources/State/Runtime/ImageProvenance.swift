/// Who brought each local image onto this host. An image pulled with one team's registry login
/// is started for another team only after that team pulled it too (with its own login, or
/// anonymously — which proves it public); an image built or loaded here, or pulled anonymously,
/// is free. Finer than Kubernetes' AlwaysPullImages: a public or local image is not pulled again.
public protocol ImageProvenance: Sendable {
    /// Whether `team` may start the local image `imageID` without pulling it first.
    func mayRun(imageID: String, team: String) async -> Bool
    /// `team` pulled `imageID`, with its registry login or anonymously.
    func record(imageID: String, pulledBy team: String, withLogin: Bool) async throws
    /// `team` was deleted: what it pulled with its login is nobody's now (a team created later
    /// under the same name pulls again).
    func forget(team: String) async throws
}

/// The record behind `ImageProvenance`: image ID → the teams that pulled it with a login, or open.
public struct ImagePullLedger: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        /// Teams that pulled it with their own login.
        public var teams: Set<String> = []
        /// Pulled anonymously at least once: anyone may run it.
        public var open = false

        public init(teams: Set<String> = [], open: Bool = false) {
            self.teams = teams
            self.open = open
        }
    }

    public var images: [String: Entry] = [:]

    public init(images: [String: Entry] = [:]) {
        self.images = images
    }

    /// An image nobody pulled with a login (built, loaded, or pulled anonymously) is free.
    public func mayRun(imageID: String, team: String) -> Bool {
        guard let entry = images[imageID] else { return true }
        return entry.open || entry.teams.contains(team)
    }

    /// Takes `team` out of every entry. An entry left with no team stays: its image still
    /// came with a login, so nobody starts it without pulling it.
    public mutating func forget(team: String) {
        for id in images.keys { images[id]?.teams.remove(team) }
    }

    public mutating func record(imageID: String, pulledBy team: String, withLogin: Bool) {
        if withLogin {
            images[imageID, default: Entry()].teams.insert(team)
        } else {
            images[imageID, default: Entry()].open = true
        }
    }
}
