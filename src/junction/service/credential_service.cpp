#include "junction/service/credential_service.hpp"

#include <boost/json/serialize.hpp>

#include "junction/connectors/auth_placement.hpp"
#include "junction/connectors/render.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/json/schema.hpp"
#include "junction/service/auth_config_service.hpp"
#include "junction/service/auth_injection.hpp"
#include "junction/service/auth_service.hpp"
#include "junction/service/oauth_protocol.hpp"
#include "junction/service/oauth_service.hpp"

namespace junction::service {
namespace {

constexpr std::size_t kMaxDataKeys = 50;
constexpr std::size_t kMaxDataValueBytes = 16UL * 1024;
constexpr std::chrono::milliseconds kVerifyTimeout{30'000};
constexpr std::size_t kVerifyResponseBytes = 1024UL * 1024;

boost::json::object ToJson(const storage::CredentialRow& row) {
    return boost::json::object{{"credentialId", row.id},
                               {"name", row.name},
                               {"type", row.connector_id + "-" + row.authentication_type},
                               {"authenticationType", row.authentication_type},
                               {"connectorId", row.connector_id},
                               {"userId", row.user_id},
                               {"status", row.status},
                               {"createdAt", FormatTimestamp(row.created_at)},
                               {"updatedAt", FormatTimestamp(row.updated_at)}};
}

}  // namespace

Result<connectors::MetadataContext> MetadataContextFor(storage::AuthConfigStore& store,
                                                       const connectors::ConnectorSpec& connector,
                                                       const std::string& user_id) {
    connectors::MetadataContext context{.user_id = user_id};
    if (FindOAuth2(connector) == nullptr) {
        return context;
    }
    auto fallback = store.FindDefaultAuthConfig(connector.id);
    if (!fallback) {
        return Fail(std::move(fallback.error()));
    }
    context.has_default_auth_config = fallback->has_value();
    if (!context.has_default_auth_config) {
        auto first = store.ListAuthConfigs(connector.id, storage::PageRequest{.limit = 1});
        if (!first) {
            return Fail(std::move(first.error()));
        }
        if (!first->items.empty()) {
            context.first_auth_config_id = first->items.front().id;
        }
    }
    return context;
}

std::string CredentialAad(std::string_view credential_id) {
    return "junction/v1/credentials/" + std::string(credential_id) + "/secret";
}

CredentialService::CredentialService(storage::Store& store,
                                     const connectors::Catalog& catalog,
                                     const crypto::SecretBox& secret_box,
                                     const Clock& clock,
                                     ObjectIdGenerator& ids,
                                     OAuthService& oauth,
                                     http_client::HttpClient& http)
    : store_(store),
      catalog_(catalog),
      secret_box_(secret_box),
      clock_(clock),
      ids_(ids),
      oauth_(oauth),
      http_(http) {}

Result<boost::json::object> CredentialService::Create(const Principal& caller,
                                                      const storage::UserRow& effective_user,
                                                      std::string_view connector_id,
                                                      boost::json::object body,
                                                      CredentialCreateOptions options) {
    const auto* connector = catalog_.Find(connector_id);
    if (connector == nullptr) {
        return Fail(ErrorCode::kConnectorNotFound,
                    "Connector '" + std::string(connector_id) + "' not found");
    }
    const auto* type = body.if_contains("authenticationType");
    if (type == nullptr || !type->is_string()) {
        return FailField("authenticationType", "is required");
    }
    const auto entry =
        std::find_if(connector->auth.begin(), connector->auth.end(), [&](const auto& auth) {
            return auth.type == type->as_string();
        });
    if (entry == connector->auth.end()) {
        std::string allowed;
        for (const auto& auth : connector->auth) {
            allowed += (allowed.empty() ? "" : ", ") + auth.type;
        }
        return FailField("authenticationType", "must be one of: " + allowed);
    }

    // The owner: the body's userId when given (admins: anyone; others: themselves only).
    storage::UserRow owner = effective_user;
    if (const auto* user = body.if_contains("userId"); user != nullptr && user->is_string()) {
        // Resolved first, compared by id: a username may look like another user's id.
        auto found = ResolveUserFor(caller,
                                    store_,
                                    user->as_string(),
                                    "This credential may not create credentials for another user");
        if (!found) {
            return Fail(std::move(found.error()));
        }
        owner = std::move(*found);
    }
    body["userId"] = owner.id;  // the schema's required owner, normalized to the id

    const auto index = static_cast<std::size_t>(entry - connector->auth.begin());
    auto context = MetadataContextFor(store_, *connector, owner.id);
    if (!context) {
        return Fail(std::move(context.error()));
    }
    if (entry->type == "oauth2" && !context->has_default_auth_config &&
        !body.contains("authConfigId")) {
        // Say what is missing and who can fix it: the end user cannot, an operator can.
        Error missing{.code = ErrorCode::kInvalidArgument,
                      .message = "Connector '" + connector->id +
                                 "' needs an auth config (an OAuth app) before users can "
                                 "connect: an administrator creates one with POST /auth-configs"};
        missing.fields.push_back({.field = "authConfigId", .message = "is required"});
        return Fail(std::move(missing));
    }
    const auto metadata = connectors::RenderCredentialMetadata(*connector, *context);
    boost::json::value input_schema = metadata[index].at("inputSchema");
    if (options.redirect_uri_optional && !body.contains("redirectUri")) {
        if (auto* required = input_schema.as_object().if_contains("required");
            required != nullptr && required->is_array()) {
            auto& names = required->as_array();
            names.erase(std::remove(names.begin(), names.end(), boost::json::value("redirectUri")),
                        names.end());
        }
    }
    auto schema = json::SchemaValidator::Compile(input_schema);
    if (!schema) {
        return Fail(ErrorCode::kInternal, "Internal server error", schema.error().message);
    }
    Error invalid{.code = ErrorCode::kInvalidArgument, .message = "Request body is invalid"};
    invalid.fields = schema->Validate(body);
    std::string name;
    if (const auto* given = body.if_contains("name")) {
        if (!given->is_string() || given->as_string().empty() || given->as_string().size() > 200) {
            invalid.fields.push_back(
                {.field = "name", .message = "must be a string of 1-200 characters"});
        } else {
            name = std::string(given->as_string());
        }
    }
    boost::json::object data;
    if (const auto* given = body.if_contains("data"); given != nullptr && given->is_object()) {
        data = given->as_object();
        if (data.size() > kMaxDataKeys) {
            invalid.fields.push_back({.field = "data", .message = "must have at most 50 keys"});
        }
        for (const auto& [key, value] : data) {
            if (!value.is_string() || value.as_string().size() > kMaxDataValueBytes) {
                invalid.fields.push_back({.field = "data." + std::string(key),
                                          .message = "must be a string of at most 16384 bytes"});
            }
        }
    }
    if (!invalid.fields.empty()) {
        return Fail(std::move(invalid));
    }
    if (entry->type == "oauth2") {
        const auto* config = body.if_contains("authConfigId");
        const auto* redirect = body.if_contains("redirectUri");
        return oauth_.StartFlow(OAuthFlowRequest{
            .owner = owner,
            .connector_id = connector->id,
            .redirect_uri = redirect != nullptr && redirect->is_string()
                                ? std::optional<std::string>(redirect->as_string())
                                : std::nullopt,
            .auth_config_id = config != nullptr && config->is_string()
                                  ? std::optional<std::string>(config->as_string())
                                  : std::nullopt,
            .data = std::move(data),
            .name = name.empty() ? std::nullopt : std::optional<std::string>(name)});
    }

    if (auto verified = Verify(*connector, *entry, data); !verified) {
        return Fail(std::move(verified.error()));
    }

    const TimePoint now = clock_.Now();
    storage::CredentialRow row{
        .id = ids_.Next(),
        .user_id = owner.id,
        .connector_id = connector->id,
        .authentication_type = entry->type,
        .name = name.empty() ? (owner.full_name.empty() ? owner.username : owner.full_name) +
                                   "'s " + connector->name + " Credential"
                             : name,
        .status = "active",
        .key_id = secret_box_.ActiveKeyId(),
        .created_at = now,
        .updated_at = now};
    const SecretString plaintext(boost::json::serialize(data));
    row.secret = crypto::Base64Encode(secret_box_.Seal(plaintext.Reveal(), CredentialAad(row.id)));
    if (auto stored = store_.CreateCredential(row); !stored) {
        return Fail(std::move(stored.error()));
    }
    return boost::json::object{{"credentialId", row.id}};
}

Result<void> CredentialService::Verify(const connectors::ConnectorSpec& connector,
                                       const connectors::AuthSpec& auth,
                                       const boost::json::object& data) {
    const auto verify = connectors::FindVerify(auth);
    if (!verify) {
        return Ok();
    }
    auto base_url = connectors::ExpandTemplate(connector.base_url, data);
    if (!base_url) {
        return Fail(std::move(base_url.error()));
    }
    auto placement = connectors::PlaceKeyCredential(auth, data);
    if (!placement) {
        return Fail(std::move(placement.error()));
    }
    auto injection = ToInjection(*placement);
    http_client::OutboundRequest request{
        .method = verify->method,
        .url = oauth::AppendQuery(*base_url + verify->path, injection.query),
        .headers = {{"Accept", "application/json"}},
        .timeout = kVerifyTimeout,
        .max_response_bytes = kVerifyResponseBytes,
        .allowed_hosts = connector.allowed_hosts};
    for (auto& header : injection.headers) {
        request.credential_headers.push_back(header.first);
        request.headers.push_back(std::move(header));
    }
    for (const auto& parameter : injection.query) {
        request.credential_query.push_back(parameter.first);
    }
    auto response = http_client::SendAndWait(http_, std::move(request));
    if (!response) {
        return Fail(std::move(response.error()));
    }
    const int status = response->status;
    if (std::find(verify->expect_status.begin(), verify->expect_status.end(), status) !=
        verify->expect_status.end()) {
        return Ok();
    }
    Error error{.code = status == 401 || status == 403 ? ErrorCode::kInvalidArgument
                                                       : ErrorCode::kUpstreamError};
    if (error.code == ErrorCode::kInvalidArgument) {
        error.message = connector.name + " rejected the credential (HTTP " +
                        std::to_string(status) + "); check the " + auth.type + " values";
        error.extra["reason"] = "credential_verification_failed";
    } else {
        error.message = "Verifying the credential with " + connector.name + " failed (HTTP " +
                        std::to_string(status) + ")";
        error.extra["reason"] = "upstream_status";
    }
    error.extra["statusCode"] = status;
    return Fail(std::move(error));
}

Result<CredentialPage> CredentialService::List(const storage::UserRow& user,
                                               const std::optional<std::string>& connector_id,
                                               const storage::PageRequest& page) {
    auto rows = store_.ListCredentials(user.id, connector_id, page);
    if (!rows) {
        return Fail(std::move(rows.error()));
    }
    CredentialPage result{.total = rows->total};
    for (const auto& row : rows->items) {
        result.credentials.push_back(ToJson(row));
    }
    return result;
}

Result<void> CredentialService::Delete(const storage::UserRow& user,
                                       std::string_view credential_id,
                                       const std::optional<std::string>& connector_id) {
    // Read first: once the row is gone its tokens cannot be opened for revocation.
    auto row = store_.FindCredential(credential_id);
    if (auto deleted = store_.DeleteCredential(user.id, credential_id, connector_id); !deleted) {
        return deleted;
    }
    if (row && row->authentication_type == "oauth2") {
        oauth_.RevokeBestEffort(*row);
    }
    return Ok();
}

}  // namespace junction::service
