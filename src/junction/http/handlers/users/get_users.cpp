#include "junction/http/dto.hpp"
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/user_service.hpp"

namespace junction::http::handlers {

HttpResponse GetUsers(Exchange& exchange) {
    auto page = ParsePage(exchange.query);
    if (!page) {
        return ToHttpResponse(page.error(), exchange.request_id);
    }
    auto users = exchange.services.users.List(exchange.principal, *page);
    if (!users) {
        return ToHttpResponse(users.error(), exchange.request_id);
    }
    boost::json::array data;
    for (const auto& user : users->items) {
        data.push_back(UserToJson(user));
    }
    HttpResponse response = JsonResponse(200, boost::json::object{{"data", std::move(data)}});
    response.SetHeader("X-Total-Count", std::to_string(users->total));
    return response;
}

}  // namespace junction::http::handlers
