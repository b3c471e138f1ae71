import Foundation
import Spec
import TestSupport
import Testing

/// A seeded, structure-aware fuzzer for the spec parser, run for a bounded time in CI
/// (`CODEB_FUZZ_SECONDS`, default 10; `CODEB_FUZZ_SEED` replays a run — the seed is printed).
/// Inputs grow from a corpus of valid specs by byte flips, token splices from a YAML/spec
/// dictionary, line duplication and deletion, and cross-over between corpus entries. Every
/// input must either load or be refused with located problems; a crash, a hang past the
/// time limit, or a refusal without a problem fails.
struct ParserFuzzTests {
    static let corpus: [String] = [
        HostileInputTests.valid,
        """
        project: web
        team: acme
        image: "registry.example.com/web:${VERSION}"
        port: 3000
        command: [node, server.js]
        env: { NODE_ENV: production, DATABASE_URL: "${DATABASE_URL}" }
        resources: { memory: 512m, cpus: 1.5 }
        healthcheck: { path: /health, interval: 2s, timeout: 1s, healthyThreshold: 3, deadline: 2m }
        grace: 48h
        stopTimeout: 30s
        nodes: [app-1, app-2]
        environments:
          production:
            domains: [example.com, www.example.com]
            promote: manual
          staging:
            domains: [staging.example.com]
            env: { LOG_LEVEL: debug }
        preview:
          domain: preview.example.com
          expire: 72h

        """,
    ]

    static let dictionary: [String] = [
        "{", "}", "[", "]", ":", ": ", ",", "- ", "? ", "&a ", "*a", "!!str ", "!!binary ", "|", ">-", "'", "\"", "%YAML 1.2\n", "---\n", "...\n",
        "#", "\n", "\n  ", "\t", "\\u0000", "${", "}", "$$", "${UNSET}", "<<: *a", "~", "null", "true", "0x1F", "1e400", "-1", "99999999999999999999",
        "project", "team", "image", "port", "environments", "production", "staging", "domains", "healthcheck", "resources", "memory", "cpus",
        "grace", "promote", "manual", "nodes", "preview", "env", "command", "stopTimeout", "interval", "deadline", "10m", "0s", "1Pi", "é", "\u{202E}",
    ]

    @Test func theParserSurvivesABoundedFuzzRun() {
        let environment = ProcessInfo.processInfo.environment
        let budget = Double(environment["CODEB_FUZZ_SECONDS"] ?? "") ?? 10
        let seed = UInt64(environment["CODEB_FUZZ_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("[fuzz] seed \(seed) for \(budget) s (CODEB_FUZZ_SEED=\(seed) replays it)")
        var random = SplitMix64(seed: seed)
        func pick(_ bound: Int) -> Int { Int(random.next() % UInt64(max(bound, 1))) }
        var pool = Self.corpus.map { Array($0.utf8) }
        let variables = Variables(["VERSION": "1.2.3", "DATABASE_URL": "postgres://db/app"])
        let end = ContinuousClock.now + .seconds(budget)
        var runs = 0, loaded = 0, slowest = Duration.zero
        while ContinuousClock.now < end {
            var bytes = pool[pick(pool.count)]
            for _ in 0...pick(6) {
                let index = pick(bytes.count + 1)
                switch pick(6) {
                case 0 where !bytes.isEmpty: bytes[min(index, bytes.count - 1)] ^= UInt8(truncatingIfNeeded: 1 << pick(8))
                case 1: bytes.insert(contentsOf: Array(Self.dictionary[pick(Self.dictionary.count)].utf8), at: index)
                case 2 where !bytes.isEmpty: bytes.removeSubrange(min(index, bytes.count - 1)..<min(bytes.count, index + 1 + pick(16)))
                case 3:  // duplicate a line
                    let lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
                    let line = lines[pick(lines.count)]
                    bytes.insert(contentsOf: Array(line) + [10], at: index)
                case 4:  // splice the tail of another input
                    let other = pool[pick(pool.count)]
                    bytes = Array(bytes.prefix(index)) + Array(other.suffix(from: pick(other.count + 1)))
                default: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: index)
                }
            }
            let start = ContinuousClock.now
            do {
                _ = try SpecLoader.load(bytes, file: "fuzz.yaml", variables: variables)
                loaded += 1
                // Inputs that still load are good seeds for deeper mutations.
                if pool.count < 256 { pool.append(bytes) }
            } catch {
                if error.problems.isEmpty {
                    Issue.record("refused without a problem (seed \(seed), run \(runs)): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
                }
                for problem in error.problems where problem.message.isEmpty || problem.line < 1 {
                    Issue.record("an unlocated or empty problem (seed \(seed), run \(runs)): \(problem)")
                }
            }
            slowest = max(slowest, ContinuousClock.now - start)
            runs += 1
        }
        print("[fuzz] \(runs) inputs, \(loaded) loaded, slowest \(slowest)")
        #expect(runs > 100, "the fuzzer made progress")
        #expect(slowest < .seconds(2), "no input takes the parser seconds")
    }
}
