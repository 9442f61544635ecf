// GET /api/strategy/connector/{connectorId}/authorize and .../callback (API.md §3.4). Opened by
// the end user's browser: no API key; the one-time token or the state is the credential.
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/oauth_service.hpp"

namespace junction::http::handlers {
namespace {

std::optional<std::string> Param(const QueryParams& query, std::string_view name) {
    if (const auto value = QueryValue(query, name)) {
        return std::string(*value);
    }
    return std::nullopt;
}

// A browser gets the redirect; a client that asks for JSON only gets the URL as JSON.
bool WantsJson(const HttpRequest& request) {
    const auto accept = request.Header("accept");
    return accept && accept->find("application/json") != std::string_view::npos &&
           accept->find("text/html") == std::string_view::npos;
}

HttpResponse Redirect(std::string location) {
    HttpResponse response;
    response.status = 302;
    response.SetHeader("Location", std::move(location));
    response.SetHeader("Cache-Control", "no-store");
    return response;
}

Result<void> CheckLength(const std::optional<std::string>& value,
                         std::string_view name,
                         std::size_t max) {
    if (value && value->size() > max) {
        return FailField(std::string(name),
                         "must be at most " + std::to_string(max) + " characters");
    }
    return Ok();
}

}  // namespace

HttpResponse GetOAuthAuthorize(Exchange& exchange) {
    const auto token = Param(exchange.query, "token");
    const auto user_id = Param(exchange.query, "userId");
    if (!token || !user_id) {
        Error error{.code = ErrorCode::kInvalidArgument,
                    .message = "Query parameters 'token' and 'userId' are required"};
        return ToHttpResponse(error, exchange.request_id);
    }
    auto url = exchange.services.oauth.Authorize(
        exchange.PathParam("connectorId"), *token, *user_id, Param(exchange.query, "redirectUri"));
    if (!url) {
        HttpResponse response = ToHttpResponse(url.error(), exchange.request_id);
        response.SetHeader("Cache-Control", "no-store");
        return response;
    }
    if (WantsJson(exchange.request)) {
        HttpResponse response =
            JsonResponse(200, boost::json::object{{"authorizationUrl", std::move(*url)}});
        response.SetHeader("Cache-Control", "no-store");
        return response;
    }
    return Redirect(std::move(*url));
}

HttpResponse GetOAuthCallback(Exchange& exchange) {
    service::CallbackParams params{.code = Param(exchange.query, "code"),
                                   .error = Param(exchange.query, "error"),
                                   .error_description = Param(exchange.query, "error_description")};
    const auto state = Param(exchange.query, "state");
    for (const auto& checked : {CheckLength(state, "state", 512),
                                CheckLength(params.code, "code", 4096),
                                CheckLength(params.error, "error", 256),
                                CheckLength(params.error_description, "error_description", 2048)}) {
        if (!checked) {
            return ToHttpResponse(checked.error(), exchange.request_id);
        }
    }
    if (!state || state->empty()) {
        Error error{.code = ErrorCode::kInvalidArgument,
                    .message = "Query parameter 'state' is required"};
        return ToHttpResponse(error, exchange.request_id);
    }
    params.state = *state;
    auto outcome = exchange.services.oauth.Callback(exchange.PathParam("connectorId"), params);
    if (!outcome) {
        HttpResponse response = ToHttpResponse(outcome.error(), exchange.request_id);
        response.SetHeader("Cache-Control", "no-store");
        return response;
    }
    if (outcome->redirect_url) {
        return Redirect(std::move(*outcome->redirect_url));
    }
    HttpResponse response;
    response.body = std::move(outcome->html);
    response.SetHeader("Content-Type", "text/html; charset=utf-8");
    response.SetHeader("Cache-Control", "no-store");
    return response;
}

}  // namespace junction::http::handlers
