#include "junction/service/auth_config_service.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "junction/crypto/encoding.hpp"

namespace junction::service {
namespace {

Result<void> RequireAdmin(const Principal& caller) {
    if (!caller.IsAdmin()) {
        return Fail(ErrorCode::kPermissionDenied, "Auth configs require an admin API key");
    }
    return Ok();
}

std::vector<std::string> CatalogScopes(const connectors::AuthSpec& oauth) {
    std::vector<std::string> scopes;
    if (const auto* listed = oauth.config.if_contains("scopes"); listed && listed->is_array()) {
        for (const auto& scope : listed->as_array()) {
            if (scope.is_string()) {
                scopes.emplace_back(scope.as_string());
            }
        }
    }
    return scopes;
}

std::string ScopesJson(const std::vector<std::string>& scopes) {
    boost::json::array array;
    for (const auto& scope : scopes) {
        array.emplace_back(scope);
    }
    return boost::json::serialize(array);
}

std::vector<std::string> ParseScopes(const std::string& text) {
    std::vector<std::string> scopes;
    boost::system::error_code ec;
    const auto value = boost::json::parse(text, ec);
    if (!ec && value.is_array()) {
        for (const auto& scope : value.as_array()) {
            if (scope.is_string()) {
                scopes.emplace_back(scope.as_string());
            }
        }
    }
    return scopes;
}

boost::json::object ParseObject(const std::string& text) {
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec || !value.is_object()) {
        return {};
    }
    return std::move(value.as_object());
}

}  // namespace

const connectors::AuthSpec* FindOAuth2(const connectors::ConnectorSpec& connector) {
    const auto found = std::find_if(connector.auth.begin(),
                                    connector.auth.end(),
                                    [](const auto& auth) { return auth.type == "oauth2"; });
    return found == connector.auth.end() ? nullptr : &*found;
}

std::string AuthConfigSecretAad(std::string_view auth_config_id) {
    return "junction/v1/auth_configs/" + std::string(auth_config_id) + "/client_secret";
}

AuthConfigService::AuthConfigService(storage::Store& store,
                                     const connectors::Catalog& catalog,
                                     const crypto::SecretBox& secret_box,
                                     const Clock& clock,
                                     ObjectIdGenerator& ids,
                                     const Config& config)
    : store_(store),
      catalog_(catalog),
      secret_box_(secret_box),
      clock_(clock),
      ids_(ids),
      config_(config) {}

std::string AuthConfigService::CallbackUrl(std::string_view connector_id) const {
    return config_.public_url + "/api/strategy/connector/" + std::string(connector_id) +
           "/callback";
}

boost::json::object AuthConfigService::ToJson(const storage::AuthConfigRow& row) const {
    boost::json::array scopes;
    for (auto& scope : ParseScopes(row.scopes)) {
        scopes.emplace_back(std::move(scope));
    }
    return boost::json::object{
        {"authConfigId", row.id},
        {"connectorId", row.connector_id},
        {"name", row.name},
        {"clientId", row.client_id},
        {"hasClientSecret", !row.client_secret.empty()},
        {"scopes", std::move(scopes)},
        {"extraAuthorizationParams", ParseObject(row.extra_authorization_params)},
        {"isDefault", row.is_default},
        {"redirectUri", CallbackUrl(row.connector_id)},
        {"createdAt", FormatTimestamp(row.created_at)},
        {"updatedAt", FormatTimestamp(row.updated_at)}};
}

Result<boost::json::object> AuthConfigService::Create(const Principal& caller,
                                                      AuthConfigInput input) {
    if (auto admin = RequireAdmin(caller); !admin) {
        return Fail(std::move(admin.error()));
    }
    const std::string connector_id = input.connector_id.value_or("");
    const auto* connector = catalog_.Find(connector_id);
    if (connector == nullptr) {
        return Fail(ErrorCode::kConnectorNotFound, "Connector '" + connector_id + "' not found");
    }
    const auto* oauth = FindOAuth2(*connector);
    if (oauth == nullptr) {
        return FailField("connectorId",
                         "connector '" + connector_id + "' has no oauth2 authentication");
    }
    if (!input.client_id || !input.client_secret) {
        return Fail(ErrorCode::kInvalidArgument, "clientId and clientSecret are required");
    }
    const TimePoint now = clock_.Now();
    storage::AuthConfigRow row{
        .id = ids_.Next(),
        .connector_id = connector->id,
        .name = input.name.value_or(connector->name + " OAuth app"),
        .client_id = std::move(*input.client_id),
        .key_id = secret_box_.ActiveKeyId(),
        .scopes = ScopesJson(input.scopes.value_or(CatalogScopes(*oauth))),
        .extra_authorization_params = boost::json::serialize(
            input.extra_authorization_params.value_or(boost::json::object{})),
        .is_default = input.is_default.value_or(false),
        .created_at = now,
        .updated_at = now};
    row.client_secret = crypto::Base64Encode(
        secret_box_.Seal(input.client_secret->Reveal(), AuthConfigSecretAad(row.id)));
    auto stored = store_.CreateAuthConfig(std::move(row));
    if (!stored) {
        return Fail(std::move(stored.error()));
    }
    return ToJson(*stored);
}

Result<AuthConfigPage> AuthConfigService::List(const Principal& caller,
                                               const std::optional<std::string>& connector_id,
                                               const storage::PageRequest& page) {
    if (auto admin = RequireAdmin(caller); !admin) {
        return Fail(std::move(admin.error()));
    }
    auto rows = store_.ListAuthConfigs(connector_id, page);
    if (!rows) {
        return Fail(std::move(rows.error()));
    }
    AuthConfigPage result{.total = rows->total};
    for (const auto& row : rows->items) {
        result.auth_configs.push_back(ToJson(row));
    }
    return result;
}

Result<boost::json::object> AuthConfigService::Get(const Principal& caller, std::string_view id) {
    if (auto admin = RequireAdmin(caller); !admin) {
        return Fail(std::move(admin.error()));
    }
    auto row = store_.FindAuthConfig(id);
    if (!row) {
        return Fail(std::move(row.error()));
    }
    return ToJson(*row);
}

Result<boost::json::object> AuthConfigService::Update(const Principal& caller,
                                                      std::string_view id,
                                                      AuthConfigInput input) {
    if (auto admin = RequireAdmin(caller); !admin) {
        return Fail(std::move(admin.error()));
    }
    auto row = store_.FindAuthConfig(id);
    if (!row) {
        return Fail(std::move(row.error()));
    }
    if (input.connector_id && *input.connector_id != row->connector_id) {
        return FailField("connectorId", "cannot be changed; create a new auth config instead");
    }
    if (input.name) {
        row->name = std::move(*input.name);
    }
    if (input.client_id) {
        row->client_id = std::move(*input.client_id);
    }
    if (input.client_secret) {
        row->key_id = secret_box_.ActiveKeyId();
        row->client_secret = crypto::Base64Encode(
            secret_box_.Seal(input.client_secret->Reveal(), AuthConfigSecretAad(row->id)));
    }
    if (input.scopes) {
        row->scopes = ScopesJson(*input.scopes);
    }
    if (input.extra_authorization_params) {
        row->extra_authorization_params = boost::json::serialize(*input.extra_authorization_params);
    }
    if (input.is_default) {
        row->is_default = *input.is_default;
    }
    row->updated_at = clock_.Now();
    if (auto updated = store_.UpdateAuthConfig(*row); !updated) {
        return Fail(std::move(updated.error()));
    }
    return ToJson(*row);
}

Result<void> AuthConfigService::Delete(const Principal& caller, std::string_view id) {
    if (auto admin = RequireAdmin(caller); !admin) {
        return admin;
    }
    return store_.DeleteAuthConfig(id);
}

Result<std::string> AuthConfigService::Choose(std::string_view connector_id,
                                              const std::optional<std::string>& requested) {
    if (requested) {
        auto row = store_.FindAuthConfig(*requested);
        if (!row) {
            if (row.error().code == ErrorCode::kNotFound) {
                return FailField("authConfigId", "auth config '" + *requested + "' not found");
            }
            return Fail(std::move(row.error()));
        }
        if (row->connector_id != connector_id) {
            return FailField("authConfigId",
                             "auth config '" + *requested + "' belongs to connector '" +
                                 row->connector_id + "'");
        }
        return row->id;
    }
    auto fallback = store_.FindDefaultAuthConfig(connector_id);
    if (!fallback) {
        return Fail(std::move(fallback.error()));
    }
    if (!fallback->has_value()) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Connector '" + std::string(connector_id) +
                        "' needs an auth config; create one with POST /auth-configs");
    }
    return (*fallback)->id;
}

Result<OAuthClient> AuthConfigService::OpenClient(std::string_view id) {
    auto row = store_.FindAuthConfig(id);
    if (!row) {
        return Fail(std::move(row.error()));
    }
    const auto blob = crypto::Base64Decode(row->client_secret);
    if (!blob) {
        return Fail(ErrorCode::kInternal, "Internal server error", "auth config secret not base64");
    }
    auto secret = secret_box_.Open(*blob, AuthConfigSecretAad(row->id));
    if (!secret) {
        return Fail(std::move(secret.error()));
    }
    return OAuthClient{.auth_config_id = row->id,
                       .client_id = row->client_id,
                       .client_secret = std::move(*secret),
                       .scopes = ParseScopes(row->scopes),
                       .extra_authorization_params = ParseObject(row->extra_authorization_params)};
}

}  // namespace junction::service
