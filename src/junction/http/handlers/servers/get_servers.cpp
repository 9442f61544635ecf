// GET /api/servers (API.md §3.8, paging §1.5).
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/mcp_server_service.hpp"

namespace junction::http::handlers {

HttpResponse GetServers(Exchange& exchange) {
    auto page = ParsePage(exchange.query);
    if (!page) {
        return ToHttpResponse(page.error(), exchange.request_id);
    }
    auto listed = exchange.services.servers.List(exchange.effective_user, *page);
    if (!listed) {
        return ToHttpResponse(listed.error(), exchange.request_id);
    }
    const auto count = static_cast<std::int64_t>(listed->servers.size());
    return JsonResponse(
        200,
        boost::json::object{
            {"servers", std::move(listed->servers)},
            {"count", count},
            {"total", listed->total},
            {"limit", page->limit},
            {"offset", page->offset},
            {"hasMore", static_cast<std::int64_t>(page->offset) + count < listed->total}});
}

}  // namespace junction::http::handlers
