#include "junction/core/ids.hpp"
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/api_key_service.hpp"

namespace junction::http::handlers {

HttpResponse DeleteApiKey(Exchange& exchange) {
    const std::string_view id = exchange.PathParam("apiKeyId");
    if (!IsObjectId(id)) {
        return ToHttpResponse(Error{.code = ErrorCode::kNotFound,
                                    .message = "API key '" + std::string(id) + "' not found"},
                              exchange.request_id);
    }
    auto revoked = exchange.services.api_keys.Revoke(exchange.principal, id);
    if (!revoked) {
        return ToHttpResponse(revoked.error(), exchange.request_id);
    }
    return JsonResponse(200, boost::json::object{{"success", true}});
}

}  // namespace junction::http::handlers
