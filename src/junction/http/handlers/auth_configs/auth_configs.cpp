// /auth-configs and /auth-configs/{authConfigId} (API.md §3.6).
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/auth_config_service.hpp"

namespace junction::http::handlers {
namespace {

constexpr std::size_t kMaxScopes = 200;
constexpr std::size_t kMaxScopeBytes = 256;
constexpr std::size_t kMaxExtraParams = 20;
constexpr std::size_t kMaxExtraValueBytes = 1024;

// Reads CreateAuthConfigRequest / UpdateAuthConfigRequest; every problem is collected.
Result<service::AuthConfigInput> ParseInput(const boost::json::value& body, bool create) {
    auto object = json::RequireObject(body);
    if (!object) {
        return Fail(std::move(object.error()));
    }
    const boost::json::object& fields = **object;
    json::FieldReader reader(fields);
    service::AuthConfigInput input;
    const json::StringRule id_rule{.min_length = 1, .max_length = 1024};
    const json::StringRule secret_rule{.min_length = 1, .max_length = 4096};
    if (create) {
        input.connector_id = reader.RequiredString(
            "connectorId", json::StringRule{.min_length = 1, .max_length = 64});
        input.client_id = reader.RequiredString("clientId", id_rule);
        if (auto secret = reader.RequiredString("clientSecret", secret_rule)) {
            input.client_secret = SecretString(std::move(*secret));
        }
    } else {
        if (fields.empty()) {
            reader.AddError("body", "must contain at least one field");
        }
        input.connector_id = reader.OptionalString(
            "connectorId", json::StringRule{.min_length = 1, .max_length = 64});
        input.client_id = reader.OptionalString("clientId", id_rule);
        if (auto secret = reader.OptionalString("clientSecret", secret_rule)) {
            input.client_secret = SecretString(std::move(*secret));
        }
    }
    input.name =
        reader.OptionalString("name", json::StringRule{.min_length = 1, .max_length = 100});
    if (const auto* scopes = fields.if_contains("scopes")) {
        std::vector<std::string> list;
        if (!scopes->is_array() || scopes->as_array().size() > kMaxScopes) {
            reader.AddError("scopes", "must be an array of at most 200 strings");
        } else {
            for (const auto& scope : scopes->as_array()) {
                if (!scope.is_string() || scope.as_string().empty() ||
                    scope.as_string().size() > kMaxScopeBytes) {
                    reader.AddError("scopes", "each scope must be a string of 1-256 characters");
                    break;
                }
                list.emplace_back(scope.as_string());
            }
        }
        input.scopes = std::move(list);
    }
    if (const auto* extra = fields.if_contains("extraAuthorizationParams")) {
        if (!extra->is_object() || extra->as_object().size() > kMaxExtraParams) {
            reader.AddError("extraAuthorizationParams",
                            "must be an object of at most 20 string values");
        } else {
            for (const auto& [name, value] : extra->as_object()) {
                if (!value.is_string() || value.as_string().size() > kMaxExtraValueBytes) {
                    reader.AddError("extraAuthorizationParams." + std::string(name),
                                    "must be a string of at most 1024 characters");
                }
            }
            input.extra_authorization_params = extra->as_object();
        }
    }
    if (const auto* is_default = fields.if_contains("isDefault")) {
        if (!is_default->is_bool()) {
            reader.AddError("isDefault", "must be a boolean");
        } else {
            input.is_default = is_default->as_bool();
        }
    }
    if (!reader.Ok()) {
        return Fail(reader.ToError());
    }
    return input;
}

HttpResponse AuthConfigResponse(int status,
                                Result<boost::json::object> config,
                                const std::string& request_id) {
    if (!config) {
        return ToHttpResponse(config.error(), request_id);
    }
    return JsonResponse(status, boost::json::object{{"authConfig", std::move(*config)}});
}

}  // namespace

HttpResponse PostAuthConfigs(Exchange& exchange) {
    auto input = ParseInput(exchange.body, true);
    if (!input) {
        return ToHttpResponse(input.error(), exchange.request_id);
    }
    return AuthConfigResponse(
        201,
        exchange.services.auth_configs.Create(exchange.principal, std::move(*input)),
        exchange.request_id);
}

HttpResponse GetAuthConfigs(Exchange& exchange) {
    auto page = ParsePage(exchange.query);
    if (!page) {
        return ToHttpResponse(page.error(), exchange.request_id);
    }
    std::optional<std::string> connector_id;
    if (const auto value = QueryValue(exchange.query, "connectorId")) {
        connector_id = std::string(*value);
    }
    auto listed = exchange.services.auth_configs.List(exchange.principal, connector_id, *page);
    if (!listed) {
        return ToHttpResponse(listed.error(), exchange.request_id);
    }
    const auto count = static_cast<std::int64_t>(listed->auth_configs.size());
    return JsonResponse(
        200,
        boost::json::object{
            {"authConfigs", std::move(listed->auth_configs)},
            {"total", listed->total},
            {"limit", page->limit},
            {"offset", page->offset},
            {"hasMore", static_cast<std::int64_t>(page->offset) + count < listed->total}});
}

HttpResponse GetAuthConfig(Exchange& exchange) {
    return AuthConfigResponse(
        200,
        exchange.services.auth_configs.Get(exchange.principal, exchange.PathParam("authConfigId")),
        exchange.request_id);
}

HttpResponse PutAuthConfig(Exchange& exchange) {
    auto input = ParseInput(exchange.body, false);
    if (!input) {
        return ToHttpResponse(input.error(), exchange.request_id);
    }
    return AuthConfigResponse(
        200,
        exchange.services.auth_configs.Update(
            exchange.principal, exchange.PathParam("authConfigId"), std::move(*input)),
        exchange.request_id);
}

HttpResponse DeleteAuthConfig(Exchange& exchange) {
    auto deleted = exchange.services.auth_configs.Delete(exchange.principal,
                                                         exchange.PathParam("authConfigId"));
    if (!deleted) {
        return ToHttpResponse(deleted.error(), exchange.request_id);
    }
    return JsonResponse(200, boost::json::object{{"success", true}});
}

}  // namespace junction::http::handlers
