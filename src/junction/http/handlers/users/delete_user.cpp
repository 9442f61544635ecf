#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/user_service.hpp"

namespace junction::http::handlers {

HttpResponse DeleteUser(Exchange& exchange) {
    auto deleted = exchange.services.users.Delete(exchange.principal, exchange.PathParam("userId"));
    if (!deleted) {
        return ToHttpResponse(deleted.error(), exchange.request_id);
    }
    return JsonResponse(200, boost::json::object{{"success", true}});
}

}  // namespace junction::http::handlers
