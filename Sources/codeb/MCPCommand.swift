import ArgumentParser
import CodebMCP
import Foundation
import MCP

/// `codeb mcp`: an MCP server over stdio for AI coding assistants launched on a developer's
/// machine. `validate` runs here; every other tool runs in the controller (`POST /mcp`) with
/// the CLI's server and key (flags, environment or `~/.config/codeb/config.yaml`), so the
/// key's role and team, the controller's tool list and its audit log apply.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve codeb's tools to an AI assistant over MCP (stdio).",
        discussion: "Configure your assistant to launch `codeb mcp` with CODEB_SERVER and CODEB_TOKEN in its environment. "
            + "Tools: \(CodebTools(api: nil).tools.map(\.name).joined(separator: ", ")) "
            + "(validate runs here and needs no controller; each other tool is an API operation and needs the role it needs); "
            + "\(CodebTools(api: nil, destructive: true).tools.filter { $0.annotations.destructiveHint == true }.map(\.name).joined(separator: ", ")) "
            + "only when the controller runs with --mcp-destructive-tools.\n\nStdout carries the protocol; diagnostics go to stderr."
    )

    @OptionGroup var client: ClientOptions

    func run() async throws {
        // Without a configured controller, validate still works.
        let remote: ControllerMCPClient?
        do {
            let api = try client.client()
            remote = ControllerMCPClient(base: api.base, token: api.token)
        } catch {
            FileHandle.standardError.write(Data("codeb mcp: \(error); only validate will work\n".utf8))
            remote = nil
        }
        let local = CodebTools(api: nil)
        let server = CodebTools.server()
        await server.withMethodHandler(ListTools.self) { _ in
            guard let remote, let tools = try? await remote.listTools() else { return .init(tools: local.tools) }
            return .init(tools: tools)
        }
        await server.withMethodHandler(CallTool.self) { params in
            let arguments = params.arguments ?? [:]
            guard params.name != "validate", let remote else { return await local.call(params.name, arguments) }
            return await remote.callTool(params.name, arguments)
        }
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }
}
