// DELETE /api/servers/{serverId} (API.md §3.8).
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/mcp_server_service.hpp"

namespace junction::http::handlers {

HttpResponse DeleteServer(Exchange& exchange) {
    auto deleted =
        exchange.services.servers.Delete(exchange.effective_user, exchange.PathParam("serverId"));
    if (!deleted) {
        return ToHttpResponse(deleted.error(), exchange.request_id);
    }
    return JsonResponse(200, *deleted);
}

}  // namespace junction::http::handlers
