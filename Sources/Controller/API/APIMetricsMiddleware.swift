import Drivers
import HTTPTypes
import Hummingbird
import Metrics
import State

/// `codeb_api_requests_total{route,method,status}` and `codeb_api_request_seconds{route,method}`
/// for every API request, errors included (their final status, as the client sees it).
///
/// Not Hummingbird's `MetricsMiddleware`: its labels (`hb.requests`, `http.route`) carry dots,
/// which swift-prometheus writes as they are and a Prometheus scrape rejects. `route` is the
/// matched pattern (`/v1/projects/{project}`), never the raw path, so a caller cannot make new
/// series by asking for unknown paths; those count as `unmatched`.
struct APIMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            Self.record(request, context, status: response.status, started: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            Self.record(request, context, status: status, started: started)
            throw error
        }
    }

    static func record(_ request: Request, _ context: Context, status: HTTPResponse.Status, started: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        Counter(label: MetricFamily.apiRequestsTotal.name, dimensions: [("route", route), ("method", method), ("status", String(status.code))]).increment()
        Timer(label: MetricFamily.apiRequestSeconds.name, dimensions: [("route", route), ("method", method)]).recordInterval(since: started)
    }
}
