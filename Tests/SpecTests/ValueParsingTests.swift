import Spec
import Testing

@Suite struct ValueParsingTests {
    @Test(arguments: [
        ("500ms", Int64(500)), ("2s", 2000), ("5m", 300_000), ("48h", 172_800_000),
        ("1h30m", 5_400_000), ("2d", 172_800_000), ("0s", 0), ("1m30s", 90_000),
    ])
    func durationsParseToMilliseconds(_ text: String, _ milliseconds: Int64) throws {
        #expect(try SpecDuration(parsing: text).milliseconds == milliseconds)
    }

    @Test(arguments: ["", "5", "1.5s", "-1s", "5 s", "5x", "s", "1h-30m", "99999999999999h"])
    func badDurationsAreRefused(_ text: String) {
        #expect(throws: InvalidValue.self) { try SpecDuration(parsing: text) }
    }

    @Test(arguments: [("90s", "1m30s"), ("2d", "48h"), ("1500ms", "1s500ms"), ("0ms", "0s")])
    func durationsPrintCanonically(_ text: String, _ canonical: String) throws {
        #expect(try SpecDuration(parsing: text).description == canonical)
    }

    @Test(arguments: [
        ("512m", Int64(536_870_912)), ("536870912", 536_870_912), ("1g", 1_073_741_824), ("1G", 1_073_741_824),
        ("512Mi", 536_870_912), ("64mb", 67_108_864), ("1024k", 1_048_576), ("2t", 2_199_023_255_552),
    ])
    func sizesParseToBytes(_ text: String, _ bytes: Int64) throws {
        #expect(try ByteSize(parsing: text).bytes == bytes)
    }

    @Test(arguments: ["", "m", "1.5g", "-1m", "12q", "99999999999999999999", "9999999t"])
    func badSizesAreRefused(_ text: String) {
        #expect(throws: InvalidValue.self) { try ByteSize(parsing: text) }
    }

    @Test(arguments: [("1", 1000), ("0.5", 500), ("1.25", 1250), (".5", 500), ("2.000", 2000), ("1024", 1_024_000)])
    func cpuCountsParseToThousandths(_ text: String, _ millicpus: Int) throws {
        let cpus = try CPUCount(parsing: text)
        #expect(cpus.millicpus == millicpus)
        #expect(cpus.nanoCPUs == Int64(millicpus) * 1_000_000)
    }

    @Test(arguments: ["0", "0.0", "-1", "1.2345", "two", "1.", "", "1025", "1e3"])
    func badCPUCountsAreRefused(_ text: String) {
        #expect(throws: InvalidValue.self) { try CPUCount(parsing: text) }
    }

    @Test(arguments: [
        ("nginx", "docker.io/library/nginx:latest"),
        ("nginx:latest", "docker.io/library/nginx:latest"),
        ("docker.io/library/nginx", "docker.io/library/nginx:latest"),
        ("index.docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25"),
        ("codeb-test/web:1", "docker.io/codeb-test/web:1"),
        ("registry.example.com:5000/acme/shop:v1.2_3", "registry.example.com:5000/acme/shop:v1.2_3"),
        ("localhost/app", "localhost/app:latest"),
        ("ghcr.io/a/b__c/d-e--f.g@sha256:" + String(repeating: "a", count: 64),
         "ghcr.io/a/b__c/d-e--f.g@sha256:" + String(repeating: "a", count: 64)),
    ])
    func imageReferencesCanonicalise(_ text: String, _ canonical: String) throws {
        #expect(try ImageReference(parsing: text).canonical == canonical)
    }

    @Test(arguments: [
        "", "App", "app:", "app:-1", "app@sha256:abc", "a//b", "/app", "app/", "a..b", "a-/b",
        "app:1 2", "app;rm", "http://r.io/app", "r.io:99999/app", "a$b", "app:" + String(repeating: "t", count: 129),
    ])
    func badImageReferencesAreRefused(_ text: String) {
        #expect(throws: InvalidValue.self) { try ImageReference(parsing: text) }
    }

    @Test(arguments: ["shop.example.com", "*.shop.example.com", "xn--bcher-kva.example", "a-b.c-d.io", "hello.localhost", "1.2.3.4"])
    func validHostnames(_ text: String) throws {
        #expect(try Hostname(parsing: text).value == text)
    }

    @Test(arguments: [
        "", "example", "Shop.example.com", "shop.example.com.", ".shop.example.com", "a..b.com", "a b.com",
        "https://a.com", "a.com:443", "a.com/x", "*.com", "a.*.com", "-a.com", "a-.com", "a_b.com",
        "{a}.com", "a;b.com", "\"a\".com", "ä.com", String(repeating: "a", count: 64) + ".com",
        String(repeating: "abcdefghi.", count: 26) + "com",
    ])
    func badHostnamesAreRefused(_ text: String) {
        #expect(throws: InvalidValue.self) { try Hostname(parsing: text) }
    }

    @Test(arguments: ["production", "staging", "preview", "preview-pr-42", "preview-x"])
    func validEnvironmentNames(_ text: String) throws {
        #expect(try EnvironmentName(parsing: text).value == text)
    }

    @Test(arguments: ["prod", "preview-", "preview-PR", "preview-a_b", "dev", "Production", "preview-" + String(repeating: "a", count: 33)])
    func badEnvironmentNamesAreRefused(_ text: String) {
        #expect(throws: InvalidValue.self) { try EnvironmentName(parsing: text) }
    }

    @Test func environmentNamesSortByKind() throws {
        let names = try ["preview-b", "staging", "preview", "production", "preview-a"].map(EnvironmentName.init(parsing:))
        #expect(names.sorted().map(\.value) == ["production", "staging", "preview", "preview-a", "preview-b"])
    }
}
