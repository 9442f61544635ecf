#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/connector_service.hpp"

namespace junction::http::handlers {

HttpResponse GetConnectors(Exchange& exchange) {
    auto page = ParsePage(exchange.query);
    if (!page) {
        return ToHttpResponse(page.error(), exchange.request_id);
    }
    auto optional_param = [&](std::string_view name) -> std::optional<std::string> {
        const auto value = QueryValue(exchange.query, name);
        return value ? std::optional<std::string>(*value) : std::nullopt;
    };
    auto listed = exchange.services.connectors.List(
        optional_param("category"), optional_param("search"), *page);
    HttpResponse response =
        JsonResponse(200, boost::json::object{{"connectors", std::move(listed.connectors)}});
    response.SetHeader("X-Total-Count", std::to_string(listed.total));
    return response;
}

}  // namespace junction::http::handlers
