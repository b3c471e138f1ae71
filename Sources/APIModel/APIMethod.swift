/// The HTTP methods the API's clients use (the CLI, the MCP tools).
public enum APIMethod: String, Sendable, Hashable, Codable {
    case get = "GET", post = "POST", put = "PUT", delete = "DELETE"
}
