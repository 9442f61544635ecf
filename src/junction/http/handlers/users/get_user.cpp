#include "junction/http/dto.hpp"
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/user_service.hpp"

namespace junction::http::handlers {

HttpResponse GetUser(Exchange& exchange) {
    auto user = exchange.services.users.Get(exchange.principal, exchange.PathParam("userId"));
    if (!user) {
        return ToHttpResponse(user.error(), exchange.request_id);
    }
    return JsonResponse(200, UserToJson(*user));
}

}  // namespace junction::http::handlers
