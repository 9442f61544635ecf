// POST /api/servers/{serverId}/rotate-token (API.md §3.8): the body is optional.
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/mcp_server_service.hpp"

namespace junction::http::handlers {

HttpResponse PostRotateServerToken(Exchange& exchange) {
    // BodyKind::kOptionalJson leaves an absent body as null: rotate with no expiry.
    boost::json::object empty;
    const boost::json::object* body = &empty;
    if (!exchange.body.is_null()) {
        auto object = json::RequireObject(exchange.body);
        if (!object) {
            return ToHttpResponse(object.error(), exchange.request_id);
        }
        body = *object;
    }
    auto server = exchange.services.servers.RotateToken(
        exchange.effective_user, exchange.PathParam("serverId"), *body);
    if (!server) {
        return ToHttpResponse(server.error(), exchange.request_id);
    }
    return SecretJsonResponse(200, *server);  // accessUrl holds the token
}

}  // namespace junction::http::handlers
