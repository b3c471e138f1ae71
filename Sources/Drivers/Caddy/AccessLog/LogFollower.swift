import Foundation

/// Follows a file that is appended to and rolled (renamed away, a new one created at the same
/// path), as Caddy's `output file … { roll_size … }` does: each `read()` returns the complete
/// lines written since the last, in order, exactly once — the rest of the rolled file first,
/// then the new one. Memory is bounded by `maximumRead` per call (the rest comes next call).
///
/// The position (`Position`: inode and offset) is a value the caller can keep, so a follower
/// made again after a restart resumes where the last one stopped — on the same inode when it
/// is still the file at the path, else from the start of the file now there (the old one
/// was rolled and removed meanwhile: what it held after the position is gone).
public struct LogFollower: ~Copyable {
    /// Where reading stands: the file (by inode) and the byte after the last whole line read.
    public struct Position: Sendable, Hashable, Codable {
        public var inode: UInt64
        public var offset: UInt64
        public init(inode: UInt64, offset: UInt64) {
            self.inode = inode
            self.offset = offset
        }
    }

    public let path: String
    public let maximumRead: Int
    /// The file being read (it may no longer be at `path`), and where.
    private var handle: FileHandle?
    public private(set) var position: Position?

    public init(path: String, resumingAt position: Position? = nil, maximumRead: Int = 1 << 20) {
        self.path = path
        self.maximumRead = maximumRead
        self.position = position
        if let position, let current = Self.inode(of: path), current == position.inode, let opened = FileHandle(forReadingAtPath: path) {
            handle = opened
        } else if position != nil {
            // Rolled and gone while nobody read: start on the file that is there now.
            self.position = nil
        }
    }

    deinit { try? handle?.close() }

    /// The complete lines written since the last call (without their line breaks).
    public mutating func read() -> [Substring] {
        var lines: [Substring] = []
        var budget = maximumRead
        while budget > 0 {
            if handle == nil {
                guard let inode = Self.inode(of: path), let opened = FileHandle(forReadingAtPath: path) else { return lines }
                handle = opened
                position = Position(inode: inode, offset: position?.inode == inode ? position!.offset : 0)
            }
            guard let handle, var position else { return lines }
            let (read, consumed) = Self.lines(from: handle, at: position.offset, budget: budget, longest: maximumRead)
            lines += read
            budget -= Int(consumed)
            position.offset += consumed
            self.position = position
            // At the end of this file: if the path now names another file, this one was rolled
            // and gets nothing more; go on with the new one.
            // Nothing whole in what is left of the budget either ends this call.
            if consumed == 0 || budget <= 0 {
                guard budget > 0, let current = Self.inode(of: path), current != position.inode else { return lines }
                // Whatever the rolled file still held past the last line break was cut mid-line.
                try? handle.close()
                self.handle = nil
                self.position = Position(inode: current, offset: 0)
            }
        }
        return lines
    }

    /// Whole lines from `offset`, reading at most `budget` bytes; how many bytes they took. A
    /// line of `longest` bytes or more without a break is skipped.
    static func lines(from handle: FileHandle, at offset: UInt64, budget: Int, longest: Int) -> ([Substring], UInt64) {
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.read(upToCount: budget), !data.isEmpty else { return ([], 0) }
        guard let lastBreak = data.lastIndex(of: UInt8(ascii: "\n")) else {
            // A line longer than a whole read is not a log line this reads: skip past it.
            return data.count >= longest ? ([], UInt64(data.count)) : ([], 0)
        }
        let text = String(decoding: data[data.startIndex..<lastBreak], as: UTF8.self)
        return (text.split(separator: "\n", omittingEmptySubsequences: false), UInt64(lastBreak - data.startIndex + 1))
    }

    static func inode(of path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }
}
