import Drivers
import Foundation
import Testing

/// A file appended to and rolled as Caddy rolls its access log: every whole line once, in
/// order, across rolls and restarts, within a bounded read.
@Suite struct LogFollowerTests {
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "codeb-follow-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func append(_ text: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func linesComeOnceInOrderAndAHalfWrittenLineWaits() throws {
        let path = try Self.directory() + "/access.log"
        var follower = LogFollower(path: path)
        #expect(follower.read().isEmpty, "no file yet")
        try Self.append("a\nb\nhalf", to: path)
        #expect(follower.read() == ["a", "b"])
        #expect(follower.read().isEmpty)
        try Self.append("-done\nc\n", to: path)
        #expect(follower.read() == ["half-done", "c"])
    }

    @Test func aRolledFileIsFinishedBeforeTheNewOne() throws {
        let directory = try Self.directory()
        let path = directory + "/access.log"
        var follower = LogFollower(path: path)
        var seen: [String] = []
        var written = 0
        for roll in 0..<4 {
            for _ in 0..<500 {
                try Self.append("line \(written)\n", to: path)
                written += 1
                if written % 97 == 0 { seen += follower.read().map(String.init) }
            }
            // Caddy's roll: the file is renamed away and a new one is created at the path.
            try FileManager.default.moveItem(atPath: path, toPath: directory + "/access-\(roll).log")
            try Self.append("line \(written)\n", to: path)
            written += 1
        }
        seen += follower.read().map(String.init)
        #expect(seen == (0..<written).map { "line \($0)" }, "\(seen.count) of \(written) lines")
    }

    @Test func aFollowerMadeAgainResumesWhereTheLastStopped() throws {
        let path = try Self.directory() + "/access.log"
        try Self.append("1\n2\n", to: path)
        var first = LogFollower(path: path)
        #expect(first.read() == ["1", "2"])
        let kept = first.position
        let position = try #require(kept)
        try Self.append("3\n", to: path)
        var again = LogFollower(path: path, resumingAt: position)
        #expect(again.read() == ["3"])
    }

    @Test func aReadIsBoundedAndTheRestComesNext() throws {
        let path = try Self.directory() + "/access.log"
        try Self.append(String(repeating: "0123456789\n", count: 100), to: path)
        var follower = LogFollower(path: path, maximumRead: 256)
        var reads = 0, lines = 0
        while case let read = follower.read(), !read.isEmpty {
            #expect(read.count <= 256 / 11)
            lines += read.count
            reads += 1
        }
        #expect(lines == 100 && reads >= 4)
    }

    /// A line longer than a whole read cannot be a log line; it is skipped, the next is read.
    @Test func aLineLongerThanAWholeReadIsSkipped() throws {
        let path = try Self.directory() + "/access.log"
        try Self.append(String(repeating: "x", count: 1000) + "\nnext\n", to: path)
        var follower = LogFollower(path: path, maximumRead: 256)
        var lines: [String] = []
        for _ in 0..<10 { lines += follower.read().map(String.init) }
        #expect(lines.last == "next" && lines.allSatisfy { $0.count < 256 })
    }
}
