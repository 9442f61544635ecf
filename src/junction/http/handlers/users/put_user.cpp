#include "junction/http/dto.hpp"
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/user_service.hpp"

namespace junction::http::handlers {

HttpResponse PutUser(Exchange& exchange) {
    auto object = json::RequireObject(exchange.body);
    if (!object) {
        return ToHttpResponse(object.error(), exchange.request_id);
    }
    json::FieldReader reader(**object);
    service::UserPatch patch{
        .username = reader.OptionalString(
            "username", json::StringRule{.min_length = 1, .max_length = 255, .trimmed = true}),
        .full_name = reader.OptionalString("fullName", json::StringRule{.max_length = 255})};
    if (!reader.Ok()) {
        return ToHttpResponse(reader.ToError(), exchange.request_id);
    }
    if (!patch.username && !patch.full_name) {
        return ToHttpResponse(
            Error{.code = ErrorCode::kInvalidArgument,
                  .message = "Request body must set at least one of: username, fullName"},
            exchange.request_id);
    }
    auto user =
        exchange.services.users.Update(exchange.principal, exchange.PathParam("userId"), patch);
    if (!user) {
        return ToHttpResponse(user.error(), exchange.request_id);
    }
    return JsonResponse(200, UserToJson(*user));
}

}  // namespace junction::http::handlers
