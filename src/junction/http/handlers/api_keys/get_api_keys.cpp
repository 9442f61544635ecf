#include "junction/http/dto.hpp"
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/api_key_service.hpp"

namespace junction::http::handlers {

HttpResponse GetApiKeys(Exchange& exchange) {
    auto page = ParsePage(exchange.query);
    if (!page) {
        return ToHttpResponse(page.error(), exchange.request_id);
    }
    auto keys = exchange.services.api_keys.List(exchange.principal, *page);
    if (!keys) {
        return ToHttpResponse(keys.error(), exchange.request_id);
    }
    boost::json::array items;
    for (const auto& key : keys->items) {
        items.push_back(ApiKeyToJson(key));
    }
    const auto offset = static_cast<std::int64_t>(page->offset);
    const auto count = static_cast<std::int64_t>(items.size());
    return JsonResponse(200,
                        boost::json::object{{"apiKeys", std::move(items)},
                                            {"total", keys->total},
                                            {"limit", page->limit},
                                            {"offset", page->offset},
                                            {"hasMore", offset + count < keys->total}});
}

}  // namespace junction::http::handlers
