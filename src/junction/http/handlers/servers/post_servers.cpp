// POST /api/servers (API.md §3.8).
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/mcp_server_service.hpp"

namespace junction::http::handlers {

HttpResponse PostServers(Exchange& exchange) {
    auto object = json::RequireObject(exchange.body);
    if (!object) {
        return ToHttpResponse(object.error(), exchange.request_id);
    }
    auto server =
        exchange.services.servers.Create(exchange.principal, exchange.effective_user, **object);
    if (!server) {
        return ToHttpResponse(server.error(), exchange.request_id);
    }
    return SecretJsonResponse(200, *server);  // accessUrl holds the token
}

}  // namespace junction::http::handlers
