#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/user_service.hpp"

namespace junction::http::handlers {

// POST /users/{userId}/token/revoke: every user JWT issued for the user so far stops working.
HttpResponse PostUserTokenRevoke(Exchange& exchange) {
    auto revoked =
        exchange.services.users.RevokeTokens(exchange.principal, exchange.PathParam("userId"));
    if (!revoked) {
        return ToHttpResponse(revoked.error(), exchange.request_id);
    }
    return JsonResponse(200, boost::json::object{{"success", true}});
}

}  // namespace junction::http::handlers
