import Hummingbird

/// Routes another module adds to the controller's API (the MCP endpoint is one), so the API
/// does not depend on what is built on it. `responder` answers the API's own routes in-process,
/// through the same authentication, roles, team scoping and audit as over HTTP.
public protocol APIExtension: Sendable {
    func addRoutes(to router: Router<APIContext>, api: ControllerAPI, responder: RouterResponder<APIContext>)

    /// Paths served without a key (static assets that hold no data: the console's page).
    var openPaths: Set<String> { get }
}

extension APIExtension {
    public var openPaths: Set<String> { [] }
}
