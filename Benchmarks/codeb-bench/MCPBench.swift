import AsyncHTTPClient
import Controller
import Drivers
import Foundation
import Hummingbird
import NIOCore
import Spec
import TestSupport

/// What a tool call through `POST /mcp` costs over the same request to the API directly: each
/// MCP call is a fresh MCP server, JSON-RPC decoding and an in-process pass through the API's
/// middleware and handler. Pairs measured alternately on one controller (file store, loopback).
enum MCPBench {
    static func run() async throws {
        let bench = try await BenchAPIServer.start()
        let (port, client) = (bench.port, bench.client)

        func send(_ path: String, _ body: Data?) async throws -> Double {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.headers.add(name: "Authorization", value: "Bearer \(bench.key)")
            if let body {
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "Accept", value: "application/json, text/event-stream")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let ((status, answer), elapsed) = try await time {
                let response = try await client.execute(request, timeout: .seconds(30))
                return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
            }
            guard (200..<300).contains(status), !answer.contains("\"isError\":true") else { throw BenchFailure("\(path) answered HTTP \(status): \(answer.prefix(300))") }
            return elapsed
        }
        func tool(_ name: String, _ arguments: [String: Any]) throws -> Data {
            try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["name": name, "arguments": arguments]])
        }

        let project = "mcp" + UUID().uuidString.prefix(6).lowercased()
        var direct: (list: [Double], apply: [Double]) = ([], []), viaMCP: (list: [Double], apply: [Double]) = ([], [])
        for round in 0..<220 {
            func spec(_ via: String) -> String { BenchAPIServer.spec(project, round: "\(round)-\(via)") }
            let list = try await send("/v1/projects", nil)
            let listMCP = try await send("/mcp", try tool("list_projects", [:]))
            let apply = try await send("/v1/apply", try JSONEncoder().encode(ApplyRequest(spec: spec("direct"), environments: ["production"])))
            let applyMCP = try await send("/mcp", try tool("apply", ["spec": spec("mcp"), "environment": ["production"]]))
            if round >= 20 {  // the first 20 warm up connections and caches
                direct.list.append(list)
                viaMCP.list.append(listMCP)
                direct.apply.append(apply)
                viaMCP.apply.append(applyMCP)
            }
        }
        await bench.stop()
        let (listDirect, listMCP, applyDirect, applyMCP) = (Stats(direct.list), Stats(viaMCP.list), Stats(direct.apply), Stats(viaMCP.apply))
        print("mcp. a tool call through POST /mcp against the same request to the API (file store, no reconcile loop)")
        print("   " + listMCP.line("list_projects via /mcp"))
        print("   " + listDirect.line("floor: GET /v1/projects"))
        print("   " + applyMCP.line("apply via /mcp"))
        print("   " + applyDirect.line("floor: POST /v1/apply (each apply a new revision)"))
        print(String(format: "   ratio: list %.2f (+%.2f ms), apply %.2f (+%.2f ms)",
                     listMCP.median / listDirect.median, (listMCP.median - listDirect.median) * 1000,
                     applyMCP.median / applyDirect.median, (applyMCP.median - applyDirect.median) * 1000))
        print("")
    }
}
