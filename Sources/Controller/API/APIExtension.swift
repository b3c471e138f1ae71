import Hummingbird

/// Routes another module adds to the controller's API (the MCP endpoint is one), so the API
/// does not depend on what is built on it. `responder` answers the API's own routes in-process,
/// through the same authentication, roles, team scoping and audit as over HTTP.
public protocol APIExtension: Sendable {
    func addRoutes(to router: Router<APIContext>, api: ControllerAPI, responder: RouterResponder<APIContext>)
}
