// PUT /api/servers/{serverId} (API.md §3.8): partial update, restrictions replaced whole.
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/mcp_server_service.hpp"

namespace junction::http::handlers {

HttpResponse PutServer(Exchange& exchange) {
    auto object = json::RequireObject(exchange.body);
    if (!object) {
        return ToHttpResponse(object.error(), exchange.request_id);
    }
    auto server = exchange.services.servers.Update(
        exchange.principal, exchange.effective_user, exchange.PathParam("serverId"), **object);
    if (!server) {
        return ToHttpResponse(server.error(), exchange.request_id);
    }
    return JsonResponse(200, *server);
}

}  // namespace junction::http::handlers
