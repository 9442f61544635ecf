// GET /api/servers/{serverId} (API.md §3.8).
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/mcp_server_service.hpp"

namespace junction::http::handlers {

HttpResponse GetServer(Exchange& exchange) {
    auto server =
        exchange.services.servers.Get(exchange.effective_user, exchange.PathParam("serverId"));
    if (!server) {
        return ToHttpResponse(server.error(), exchange.request_id);
    }
    return JsonResponse(200, *server);
}

}  // namespace junction::http::handlers
