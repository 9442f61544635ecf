#include "junction/http/dto.hpp"
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/user_service.hpp"

namespace junction::http::handlers {

HttpResponse PostUsers(Exchange& exchange) {
    auto object = json::RequireObject(exchange.body);
    if (!object) {
        return ToHttpResponse(object.error(), exchange.request_id);
    }
    json::FieldReader reader(**object);
    auto username = reader.RequiredString(
        "username", json::StringRule{.min_length = 1, .max_length = 255, .trimmed = true});
    auto full_name = reader.OptionalString("fullName", json::StringRule{.max_length = 255});
    if (!reader.Ok()) {
        return ToHttpResponse(reader.ToError(), exchange.request_id);
    }
    auto user = exchange.services.users.Create(
        exchange.principal, std::move(*username), full_name.value_or(""));
    if (!user) {
        return ToHttpResponse(user.error(), exchange.request_id);
    }
    // Alloy-surface creates answer 200 {"userId"} (API.md §1.4), not 201.
    return JsonResponse(200, boost::json::object{{"userId", user->id}});
}

}  // namespace junction::http::handlers
