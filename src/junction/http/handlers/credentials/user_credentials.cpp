// POST/GET /users/{userId}/credentials and DELETE .../{credentialId} (API.md §3.3).
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/credential_service.hpp"
#include "junction/service/user_service.hpp"

namespace junction::http::handlers {
namespace {

// The path user, with the same visibility rules as GET /users/{userId} (403 / 404).
Result<storage::UserRow> PathUser(Exchange& exchange) {
    return exchange.services.users.Get(exchange.principal, exchange.PathParam("userId"));
}

}  // namespace

HttpResponse PostUserCredentials(Exchange& exchange) {
    auto object = json::RequireObject(exchange.body);
    if (!object) {
        return ToHttpResponse(object.error(), exchange.request_id);
    }
    json::FieldReader reader(**object);
    auto connector_id =
        reader.RequiredString("connectorId", json::StringRule{.min_length = 1, .max_length = 64});
    if (!reader.Ok()) {
        return ToHttpResponse(reader.ToError(), exchange.request_id);
    }
    auto user = PathUser(exchange);
    if (!user) {
        return ToHttpResponse(user.error(), exchange.request_id);
    }
    boost::json::object body = **object;
    if (const auto* named = body.if_contains("userId")) {
        if (!named->is_string() ||
            (named->as_string() != user->id && named->as_string() != user->username)) {
            return ToHttpResponse(FailField("userId", "must name the user of the path").value(),
                                  exchange.request_id);
        }
    }
    body["userId"] = user->id;
    auto created = exchange.services.credentials.Create(
        exchange.principal, *user, *connector_id, std::move(body));
    if (!created) {
        return ToHttpResponse(created.error(), exchange.request_id);
    }
    return SecretJsonResponse(200, *created);  // oauthUrl holds a one-time token
}

HttpResponse GetUserCredentials(Exchange& exchange) {
    auto page = ParsePage(exchange.query);
    if (!page) {
        return ToHttpResponse(page.error(), exchange.request_id);
    }
    auto user = PathUser(exchange);
    if (!user) {
        return ToHttpResponse(user.error(), exchange.request_id);
    }
    const auto connector = QueryValue(exchange.query, "connectorId");
    auto listed = exchange.services.credentials.List(
        *user, connector ? std::optional<std::string>(*connector) : std::nullopt, *page);
    if (!listed) {
        return ToHttpResponse(listed.error(), exchange.request_id);
    }
    HttpResponse response =
        JsonResponse(200, boost::json::object{{"data", std::move(listed->credentials)}});
    response.SetHeader("X-Total-Count", std::to_string(listed->total));
    return response;
}

HttpResponse DeleteUserCredential(Exchange& exchange) {
    auto user = PathUser(exchange);
    if (!user) {
        return ToHttpResponse(user.error(), exchange.request_id);
    }
    auto deleted = exchange.services.credentials.Delete(
        *user, exchange.PathParam("credentialId"), std::nullopt);
    if (!deleted) {
        return ToHttpResponse(deleted.error(), exchange.request_id);
    }
    return JsonResponse(200, boost::json::object{{"success", true}});
}

}  // namespace junction::http::handlers
