#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/token_service.hpp"
#include "junction/service/user_service.hpp"

namespace junction::http::handlers {

HttpResponse GetUserToken(Exchange& exchange) {
    auto seconds = ParseIntegerParam(exchange.query, "expiresIn", 86'400, 60, 2'592'000);
    if (!seconds) {
        return ToHttpResponse(seconds.error(), exchange.request_id);
    }
    if (exchange.principal.via_user_token) {
        return ToHttpResponse(
            Error{.code = ErrorCode::kPermissionDenied,
                  .message = "A user token cannot issue user tokens; use an API key"},
            exchange.request_id);
    }
    // Admin keys: any user; user keys: their own (403 otherwise, before any lookup).
    auto user = exchange.services.users.Get(exchange.principal, exchange.PathParam("userId"));
    if (!user) {
        return ToHttpResponse(user.error(), exchange.request_id);
    }
    const auto issued =
        exchange.services.tokens.Issue(user->id, std::chrono::seconds(*seconds), user->token_epoch);
    return SecretJsonResponse(
        200,
        boost::json::object{{"token", issued.token},
                            {"expiresAt", FormatTimestamp(issued.expires_at)}});
}

}  // namespace junction::http::handlers
