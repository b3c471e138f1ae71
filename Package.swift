// swift-tools-version:6.2
import PackageDescription

// Dependencies point one way: Spec ← State ← {Drivers, Controller}; codeb → Controller → Drivers;
// Controller and codeb → CodebMCP → Spec. The planner (Controller/Planning) imports Spec and State only.
let package = Package(
    name: "codeb",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "codeb", targets: ["codeb"]),
        .library(name: "Spec", targets: ["Spec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
    ],
    targets: [
        // The codeb.yaml language: pure values, YAML decoding, validation, canonical hash. No I/O.
        .target(
            name: "Spec",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["VersionPlugin"]
        ),
        // The state model (environments, slots, revisions, claims, keys) and the protocols at the
        // seams (Store, ContainerRuntime, TrafficRouter, HealthProbe, LeaseKeeper). Pure values.
        .target(
            name: "State",
            dependencies: ["Spec"]
        ),
        // The HTTP API's request and response types and the rollout phase, shared by the
        // controller, the CLI and the MCP tools.
        .target(
            name: "APIModel",
            dependencies: [
                "Spec", "State",
                .product(name: "Yams", package: "Yams"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            // Generated/ is what swift-openapi-generator makes of the contract (types, client,
            // server; `make generate`), committed and checked by `make test`.
            exclude: ["Contract/openapi-generator-config.yaml"],
            // The one contract (OpenAPI), in the binary: served at /openapi.json and read by the
            // role checks and the tests that walk every operation.
            resources: [.embedInCode("Contract/openapi.yaml")]
        ),
        // Real adapters to the outside world (Docker, Caddy, stores, health probes).
        .target(
            name: "Drivers",
            dependencies: [
                "Spec",
                "State",
                "Support",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // CertificateInspector's TLS handshakes.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Planner, executor, reconcile loop, HTTP API, auth.
        // What every layer that waits or times something uses: a deadline on a call, a one-shot
        // stop signal, a timer's interval. Not drivers; below them.
        .target(
            name: "Support",
            dependencies: ["State", .product(name: "Metrics", package: "swift-metrics")]
        ),
        // The planner: a pure function from observed and desired state to actions (no I/O, no
        // async, no throws), its own target so the compiler keeps it so.
        .target(
            name: "Planning",
            dependencies: ["Spec", "State"]
        ),
        .target(
            name: "Controller",
            dependencies: [
                "Spec",
                "State",
                "Planning",
                "Support",
                "APIModel",
                "Drivers",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                // The handlers implement the contract's generated `APIProtocol`, served on
                // Hummingbird (`RouterTransport`: why not swift-openapi-hummingbird's, it says).
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                // The settings' sources and precedence (Settings/ControllerSetting+Sources.swift).
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        // `/mcp` on the controller: the MCP tools served over streamable HTTP, each calling the
        // API in-process. Built on the API (an `APIExtension`); the API knows nothing of it.
        .target(
            name: "MCPEndpoint",
            dependencies: [
                "Controller",
                "CodebMCP",
                "APIModel",
                "Spec",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The web console at `/`: a page, its stylesheet and script inside the binary, reading the
        // API with the signed-in key. An `APIExtension`, like `/mcp`.
        .target(
            name: "Console",
            dependencies: [
                "Controller",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // The page, its stylesheet and its script are real files, embedded at build time
            // (the binary stays one file); the lint's settings are not shipped.
            exclude: ["Assets/eslintrc.yaml"],
            resources: [.embedInCode("Assets/console.html"), .embedInCode("Assets/console.css"), .embedInCode("Assets/console.js")]
        ),
        // The MCP tools for AI coding assistants, built on the controller's HTTP API, and the
        // client `codeb mcp` forwards them to the controller's /mcp with.
        .target(
            name: "CodebMCP",
            dependencies: [
                "Spec",
                "State",
                "APIModel",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        // The thin CLI.
        .executableTarget(
            name: "codeb",
            dependencies: [
                "Spec",
                "State",
                "Console",
                "APIModel",
                "Controller",
                "MCPEndpoint",
                "Drivers",
                "CodebMCP",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // Build-time only: turns the VERSION file into Swift source, so VERSION is the single source.
        .executableTarget(name: "codeb-version-gen", path: "Sources/codeb-version-gen"),
        .plugin(
            name: "VersionPlugin",
            capability: .buildTool(),
            dependencies: ["codeb-version-gen"],
            path: "Sources/VersionPlugin"
        ),
        .testTarget(name: "SpecTests", dependencies: ["Spec", "TestSupport", .product(name: "Yams", package: "Yams")]),
        // Helpers for tests and benchmarks that drive the real engines: scoped test containers,
        // private Caddy processes, free ports, polling with a deadline.
        .target(
            name: "TestSupport",
            dependencies: [
                "Drivers",
                // The planner's fixtures (Fixtures/PlannerFixtures.swift), shared by the planner's
                // and the controller's tests.
                "Planning",
                // ContractConformance reads the contract and checks answers against it.
                "APIModel",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // PebbleCA and CaddyInstance's HTTPS client trust a test CA's root.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport"
        ),
        // Swift Testing traits over TestSupport (a target of its own: codeb-bench uses
        // TestSupport and does not link the testing library).
        .target(name: "TestTraits", dependencies: ["TestSupport"], path: "Tests/TestTraits"),
        .testTarget(
            name: "DriversTests",
            dependencies: [
                "Drivers",
                "Spec",
                "TestSupport",
                "TestTraits",
                // PostgresKeyStore is tested through the Authenticator that uses it (key cache
                // and its invalidation across controllers); a clean build needs it declared.
                "Controller",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "ControllerTests",
            dependencies: [
                "Controller", "Planning", "Drivers", "Spec", "TestSupport", "MCPEndpoint", "CodebMCP", "Console",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // One test target per source target (ArchitectureTests keeps it so). The planner's
        // tables build their observed sites with the real renderer, hence Drivers.
        .testTarget(name: "StateTests", dependencies: ["State", "Spec"]),
        .testTarget(name: "SupportTests", dependencies: ["Support", "State", .product(name: "Metrics", package: "swift-metrics")]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "Spec", "State", "Drivers", "TestSupport"]),
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "Console", "Controller", "APIModel", "Drivers",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(name: "CodebMCPTests", dependencies: ["CodebMCP", "APIModel", .product(name: "MCP", package: "swift-sdk")]),
        // Counts heap allocations for the planner benchmark (defines malloc & co. in codeb-bench only).
        .target(name: "CMallocCounter", path: "Benchmarks/CMallocCounter"),
        .executableTarget(
            name: "codeb-bench",
            dependencies: [
                "Controller", "Planning", "MCPEndpoint", "Drivers", "Spec", "TestSupport", "CMallocCounter",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/codeb-bench"
        ),
        .testTarget(name: "codebTests", dependencies: [
            "codeb", "Spec", "Drivers", "Controller", "TestSupport", "TestTraits", "CodebMCP",
            .product(name: "MCP", package: "swift-sdk"),
            .product(name: "SystemPackage", package: "swift-system"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
    ]
)
