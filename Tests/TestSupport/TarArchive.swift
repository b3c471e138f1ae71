import Foundation

/// A ustar archive built in memory: enough to `docker import` a small root file system made by
/// a test or benchmark (directories and regular files, owned by root).
public struct TarArchive {
    private var data = Data()
    private var directories = Set<String>()

    public init() {}

    /// Adds `path` (relative, `a/b/c`) with its parent directories.
    public mutating func add(_ path: String, _ contents: Data, mode: Int = 0o644) {
        var parent = ""
        for component in path.split(separator: "/").dropLast() {
            parent += component + "/"
            if directories.insert(parent).inserted { append(header(parent, size: 0, mode: 0o755, type: "5")) }
        }
        append(header(path, size: contents.count, mode: mode, type: "0"))
        append(contents)
        let padding = (512 - contents.count % 512) % 512
        append(Data(count: padding))
    }

    /// The archive, closed with the two empty blocks tar expects.
    public var bytes: Data { data + Data(count: 1024) }

    private mutating func append(_ bytes: Data) { data.append(bytes) }

    private func header(_ name: String, size: Int, mode: Int, type: Character) -> Data {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (index, byte) in text.utf8.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, width: Int) {
            put(String(format: "%0\(width - 1)o", value), at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(mode, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(Int(Date().timeIntervalSince1970), at: 136, width: 12)
        put("        ", at: 148, width: 8)
        block[156] = type.asciiValue ?? 0x30
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        put("root", at: 265, width: 32)
        put("root", at: 297, width: 32)
        let checksum = block.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o", checksum) + "\0 ", at: 148, width: 8)
        return Data(block)
    }
}
