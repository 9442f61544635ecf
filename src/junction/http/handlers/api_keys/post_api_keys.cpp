#include "junction/core/ids.hpp"
#include "junction/http/dto.hpp"
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/api_key_service.hpp"

namespace junction::http::handlers {

HttpResponse PostApiKeys(Exchange& exchange) {
    auto object = json::RequireObject(exchange.body);
    if (!object) {
        return ToHttpResponse(object.error(), exchange.request_id);
    }
    json::FieldReader reader(**object);
    auto name = reader.RequiredString("name", json::StringRule{.min_length = 1, .max_length = 100});
    auto role = reader.OptionalEnum("role", {"admin", "user"});
    auto owner = reader.OptionalString("ownerUserId", json::StringRule{.max_length = 24});
    if (owner && !IsObjectId(*owner)) {
        reader.AddError("ownerUserId", "must be 24 lowercase hex characters");
    }
    std::optional<TimePoint> expires_at;
    if (auto text = reader.OptionalString("expiresAt", json::StringRule{.max_length = 64})) {
        expires_at = ParseTimestamp(*text);
        if (!expires_at) {
            reader.AddError("expiresAt", "must be an RFC 3339 date-time");
        }
    }
    if (!reader.Ok()) {
        return ToHttpResponse(reader.ToError(), exchange.request_id);
    }
    auto created = exchange.services.api_keys.Create(
        exchange.principal,
        service::NewApiKey{.name = std::move(*name),
                           .role = role == "admin" ? service::Role::kAdmin : service::Role::kUser,
                           .owner_user_id = std::move(owner),
                           .expires_at = expires_at});
    if (!created) {
        return ToHttpResponse(created.error(), exchange.request_id);
    }
    boost::json::object key = ApiKeyToJson(created->row);
    key["key"] = created->key.Reveal();  // shown once, here only (API.md §3.7)
    return SecretJsonResponse(201, boost::json::object{{"apiKey", std::move(key)}});
}

}  // namespace junction::http::handlers
