#include "junction/service/oauth_service.hpp"

#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "junction/connectors/auth_placement.hpp"
#include "junction/core/log.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/crypto/hash.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/credential_service.hpp"

namespace junction::service {
namespace {

using namespace std::chrono_literals;

constexpr auto kFlowLifetime = 10min;
constexpr auto kRefreshSkew = 60s;
constexpr auto kLeaseTtl = 30s;
constexpr auto kLeasePoll = 100ms;
constexpr std::size_t kMaxRedirectUriBytes = 2048;
constexpr std::size_t kPkceVerifierBytes = 48;
constexpr std::chrono::milliseconds kTokenCallTimeout{30'000};
constexpr std::size_t kTokenAnswerBytes =
    1024UL * 1024;  // 64 base64url characters (RFC 7636: 43-128)

Error InvalidFlow(std::string message) {
    return Error{.code = ErrorCode::kInvalidArgument, .message = std::move(message)};
}

bool IsToken(std::string_view token) {
    return token.size() == 43 && std::all_of(token.begin(), token.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
           });
}

// An absolute http(s) URI with a host and nothing a browser would reinterpret.
Result<void> CheckRedirectUri(const std::string& uri, const Config& config) {
    const bool scheme_ok = uri.starts_with("https://") || uri.starts_with("http://");
    const auto host_start = uri.find("://") + 3;
    const bool has_host = scheme_ok && uri.size() > host_start && uri[host_start] != '/' &&
                          uri[host_start] != '?' && uri[host_start] != '#';
    const bool clean = std::none_of(uri.begin(), uri.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == '\\';
    });
    if (!scheme_ok || !has_host || !clean || uri.size() > kMaxRedirectUriBytes) {
        return FailField("redirectUri",
                         "must be an absolute http or https URI of at most 2048 "
                         "characters");
    }
    if (!config.oauth_allowed_redirect_prefixes.empty() &&
        std::none_of(config.oauth_allowed_redirect_prefixes.begin(),
                     config.oauth_allowed_redirect_prefixes.end(),
                     [&](const std::string& prefix) { return uri.starts_with(prefix); })) {
        return FailField("redirectUri", "is not under an allowed redirect prefix");
    }
    return Ok();
}

std::string HtmlEscape(std::string_view text) {
    std::string escaped;
    for (const char c : text) {
        switch (c) {
            case '<':
                escaped += "&lt;";
                break;
            case '>':
                escaped += "&gt;";
                break;
            case '&':
                escaped += "&amp;";
                break;
            case '"':
                escaped += "&quot;";
                break;
            case '\'':
                escaped += "&#39;";
                break;
            default:
                escaped += c;
        }
    }
    return escaped;
}

std::string ResultPage(std::string_view title, std::string_view text) {
    return "<!doctype html><meta charset=\"utf-8\"><title>" + HtmlEscape(title) + "</title><p>" +
           HtmlEscape(text) + "</p>";
}

std::string JoinScopes(const std::vector<std::string>& scopes, std::string_view separator) {
    std::string joined;
    for (const auto& scope : scopes) {
        if (!joined.empty()) {
            joined += separator;
        }
        joined += scope;
    }
    return joined;
}

// The connector inputs (e.g. a Shopify shop) kept with a flow or credential.
boost::json::object DataOf(const boost::json::object& secret) {
    const auto* data = secret.if_contains("data");
    return data != nullptr && data->is_object() ? data->as_object() : boost::json::object{};
}

// Opens a sealed JSON object (flow or credential secret).
Result<boost::json::object> OpenObject(const crypto::SecretBox& box,
                                       std::string_view sealed,
                                       const std::string& aad) {
    const auto blob = crypto::Base64Decode(sealed);
    if (!blob) {
        return Fail(ErrorCode::kInternal, "Internal server error", "sealed value is not base64");
    }
    auto plain = box.Open(*blob, aad);
    if (!plain) {
        return Fail(std::move(plain.error()));
    }
    boost::system::error_code ec;
    auto value = boost::json::parse(plain->Reveal(), ec);
    if (ec || !value.is_object()) {
        return Fail(ErrorCode::kInternal, "Internal server error", "sealed value is not JSON");
    }
    return std::move(value.as_object());
}

// A POST to a provider endpoint (token, revocation) with the client's authentication.
Result<http_client::OutboundRequest> ClientRequest(const std::string& url_template,
                                                   const oauth::OAuth2Settings& settings,
                                                   const OAuthClient& client,
                                                   oauth::QueryParams form,
                                                   const boost::json::object& data) {
    auto url = connectors::ExpandTemplate(url_template, data);
    if (!url) {
        return Fail(std::move(url.error()));
    }
    http_client::OutboundRequest request{
        .method = "POST",
        .url = std::move(*url),
        .headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                    {"Accept", "application/json"}},
        .timeout = kTokenCallTimeout,
        .max_response_bytes = kTokenAnswerBytes};
    if (settings.client_secret_basic) {
        // RFC 6749 §2.3.1: both parts form-encoded before base64.
        const SecretString pair(oauth::PercentEncode(client.client_id) + ":" +
                                oauth::PercentEncode(client.client_secret.Reveal()));
        request.headers.emplace_back("Authorization",
                                     "Basic " + crypto::Base64Encode(pair.Reveal()));
    } else {
        form.emplace_back("client_id", client.client_id);
        form.emplace_back("client_secret", std::string(client.client_secret.Reveal()));
    }
    request.body = oauth::FormEncode(form);
    return request;
}

}  // namespace

std::string OAuthFlowSecretAad(std::string_view flow_id) {
    return "junction/v1/oauth_flows/" + std::string(flow_id) + "/secret";
}

OAuthService::OAuthService(storage::Store& store,
                           const connectors::Catalog& catalog,
                           AuthConfigService& auth_configs,
                           const crypto::SecretBox& secret_box,
                           http_client::HttpClient& http,
                           const Clock& clock,
                           Rng& rng,
                           ObjectIdGenerator& ids,
                           const Config& config,
                           std::string node_id)
    : store_(store),
      catalog_(catalog),
      auth_configs_(auth_configs),
      secret_box_(secret_box),
      http_(http),
      clock_(clock),
      rng_(rng),
      ids_(ids),
      config_(config),
      node_id_(std::move(node_id)) {}

Result<boost::json::object> OAuthService::StartFlow(OAuthFlowRequest request) {
    if (request.redirect_uri) {
        if (auto checked = CheckRedirectUri(*request.redirect_uri, config_); !checked) {
            return Fail(std::move(checked.error()));
        }
    }
    auto auth_config_id = auth_configs_.Choose(request.connector_id, request.auth_config_id);
    if (!auth_config_id) {
        return Fail(std::move(auth_config_id.error()));
    }
    const std::string token = crypto::GenerateToken(rng_, "", 32);
    const TimePoint now = clock_.Now();
    storage::OAuthFlowRow flow{.id = ids_.Next(),
                               .token_hash = crypto::Sha256Hex(token),
                               .user_id = request.owner.id,
                               .connector_id = request.connector_id,
                               .auth_config_id = std::move(*auth_config_id),
                               .redirect_uri = request.redirect_uri,
                               .name = std::move(request.name),
                               .key_id = secret_box_.ActiveKeyId(),
                               .created_at = now,
                               .expires_at = now + kFlowLifetime};
    const boost::json::object secret{
        {"data", std::move(request.data)},
        {"codeVerifier", crypto::GenerateToken(rng_, "", kPkceVerifierBytes)}};
    const SecretString plaintext(boost::json::serialize(secret));
    flow.secret =
        crypto::Base64Encode(secret_box_.Seal(plaintext.Reveal(), OAuthFlowSecretAad(flow.id)));
    if (auto stored = store_.CreateOAuthFlow(flow, now); !stored) {
        return Fail(std::move(stored.error()));
    }
    oauth::QueryParams query{{"userId", request.owner.id}};
    if (request.redirect_uri) {
        query.emplace_back("redirectUri", *request.redirect_uri);
    }
    query.emplace_back("token", token);
    return boost::json::object{{"oauthUrl",
                                oauth::AppendQuery(config_.public_url + "/api/strategy/connector/" +
                                                       request.connector_id + "/authorize",
                                                   query)}};
}

Result<OAuthService::OpenedFlow> OAuthService::OpenFlow(const storage::OAuthFlowRow& flow) {
    auto secret = OpenObject(secret_box_, flow.secret, OAuthFlowSecretAad(flow.id));
    if (!secret) {
        return Fail(std::move(secret.error()));
    }
    auto client = auth_configs_.OpenClient(flow.auth_config_id);
    if (!client) {
        return Fail(std::move(client.error()));
    }
    return OpenedFlow{.secret = std::move(*secret), .client = std::move(*client)};
}

Result<std::string> OAuthService::Authorize(std::string_view connector_id,
                                            std::string_view token,
                                            std::string_view user_id,
                                            const std::optional<std::string>& redirect_uri) {
    const auto* connector = catalog_.Find(connector_id);
    if (connector == nullptr) {
        return Fail(ErrorCode::kConnectorNotFound,
                    "Connector '" + std::string(connector_id) + "' not found");
    }
    const auto* oauth2 = FindOAuth2(*connector);
    if (oauth2 == nullptr) {
        return Fail(InvalidFlow("Connector '" + connector->id + "' has no OAuth2 authentication"));
    }
    if (!IsToken(token) || !IsObjectId(user_id)) {
        return Fail(InvalidFlow("This connect link is invalid, expired or already used"));
    }
    const std::string state = crypto::GenerateToken(rng_, "", 32);
    const TimePoint now = clock_.Now();
    auto flow = store_.AuthorizeOAuthFlow(
        storage::OAuthFlowAuthorization{.token_hash = crypto::Sha256Hex(token),
                                        .connector_id = connector->id,
                                        .user_id = std::string(user_id),
                                        .redirect_uri = redirect_uri,
                                        .state_hash = crypto::Sha256Hex(state),
                                        .state_expires_at = now + kFlowLifetime,
                                        .now = now});
    if (!flow) {
        if (flow.error().code == ErrorCode::kNotFound) {
            return Fail(InvalidFlow("This connect link is invalid, expired or already used"));
        }
        return Fail(std::move(flow.error()));
    }
    auto opened = OpenFlow(*flow);
    if (!opened) {
        return Fail(std::move(opened.error()));
    }
    const boost::json::object& secret = opened->secret;
    const OAuthClient& client = opened->client;
    const auto settings = oauth::ReadSettings(*oauth2);
    oauth::QueryParams query{{"client_id", client.client_id},
                             {"redirect_uri", auth_configs_.CallbackUrl(connector->id)},
                             {"response_type", "code"},
                             {"scope",
                              JoinScopes(client.scopes.empty() ? settings.scopes : client.scopes,
                                         settings.scope_separator)},
                             {"state", state}};
    if (settings.pkce) {
        query.emplace_back("code_challenge",
                           oauth::PkceChallenge(json::StringOr(secret, "codeVerifier")));
        query.emplace_back("code_challenge_method", "S256");
    }
    // The auth config's extra parameters override the catalog's of the same name.
    for (const auto& [name, value] : settings.extra_authorize_params) {
        if (!client.extra_authorization_params.contains(name)) {
            query.emplace_back(name, value);
        }
    }
    for (const auto& [name, value] : client.extra_authorization_params) {
        if (value.is_string()) {
            query.emplace_back(std::string(name), std::string(value.as_string()));
        }
    }
    auto authorization_url = connectors::ExpandTemplate(settings.authorization_url, DataOf(secret));
    if (!authorization_url) {
        return Fail(std::move(authorization_url.error()));
    }
    return oauth::AppendQuery(*authorization_url, query);
}

Result<oauth::TokenGrant> OAuthService::RequestToken(const connectors::ConnectorSpec& connector,
                                                     const OAuthClient& client,
                                                     oauth::QueryParams grant,
                                                     const boost::json::object& data) {
    const auto* oauth2 = FindOAuth2(connector);
    if (oauth2 == nullptr) {
        return Fail(ErrorCode::kInternal, "Internal server error", "connector lost oauth2");
    }
    const auto settings = oauth::ReadSettings(*oauth2);
    for (const auto& param : settings.extra_token_params) {
        grant.push_back(param);
    }
    auto request = ClientRequest(settings.token_url, settings, client, std::move(grant), data);
    if (!request) {
        return Fail(std::move(request.error()));
    }
    auto response = http_client::SendAndWait(http_, std::move(*request));
    if (!response) {
        return Fail(std::move(response.error()));
    }
    return oauth::ParseTokenResponse(response->status, response->body, settings);
}

void OAuthService::RevokeBestEffort(const storage::CredentialRow& credential) {
    const auto* connector = catalog_.Find(credential.connector_id);
    const auto* oauth2 = connector != nullptr ? FindOAuth2(*connector) : nullptr;
    if (oauth2 == nullptr || !credential.auth_config_id) {
        return;
    }
    const auto settings = oauth::ReadSettings(*oauth2);
    if (settings.revocation_url.empty()) {
        return;
    }
    auto secret = OpenObject(secret_box_, credential.secret, CredentialAad(credential.id));
    auto client = auth_configs_.OpenClient(*credential.auth_config_id);
    if (!secret || !client) {
        return;
    }
    // Revoking the refresh token ends the whole grant at most providers (RFC 7009 §2.1).
    const std::string refresh_token = json::StringOr(*secret, "refreshToken");
    const bool has_refresh = !refresh_token.empty();
    auto request = ClientRequest(
        settings.revocation_url,
        settings,
        *client,
        {{"token", has_refresh ? refresh_token : json::StringOr(*secret, "accessToken")},
         {"token_type_hint", has_refresh ? "refresh_token" : "access_token"}},
        DataOf(*secret));
    if (!request) {
        return;
    }
    http_.Start(
        std::move(*request),
        [credential_id = credential.id, url = http_client::DescribeUrl(settings.revocation_url)](
            Result<http_client::OutboundResponse> answer) {
            const bool revoked = answer && answer->status >= 200 && answer->status < 300;
            LogEvent(revoked ? spdlog::level::info : spdlog::level::warn,
                     revoked ? "oauth tokens revoked" : "oauth token revocation failed",
                     {{"credential_id", credential_id},
                      {"url", url},
                      {"status", answer ? answer->status : 0}});
        });
}

std::string OAuthService::SealCredential(const std::string& credential_id,
                                         const boost::json::object& secret) const {
    const SecretString plaintext(boost::json::serialize(secret));
    return crypto::Base64Encode(secret_box_.Seal(plaintext.Reveal(), CredentialAad(credential_id)));
}

Result<CallbackOutcome> OAuthService::Callback(std::string_view connector_id,
                                               const CallbackParams& params) {
    const auto* connector = catalog_.Find(connector_id);
    if (connector == nullptr) {
        return Fail(ErrorCode::kConnectorNotFound,
                    "Connector '" + std::string(connector_id) + "' not found");
    }
    const TimePoint now = clock_.Now();
    auto flow = store_.CompleteOAuthFlow(crypto::Sha256Hex(params.state), connector->id, now);
    if (!flow) {
        if (flow.error().code == ErrorCode::kNotFound) {
            return Fail(InvalidFlow("OAuth state is invalid, expired or already used"));
        }
        return Fail(std::move(flow.error()));
    }

    auto finish = [&](const oauth::QueryParams& outcome, bool success) {
        CallbackOutcome result;
        if (flow->redirect_uri) {
            result.redirect_url = oauth::AppendQuery(*flow->redirect_uri, outcome);
        } else if (success) {
            result.html = ResultPage("Connected",
                                     connector->name + " is connected. You can close this window.");
        } else {
            result.html = ResultPage("Not connected",
                                     connector->name +
                                         " was not connected. You can close this "
                                         "window and try again.");
        }
        return result;
    };
    auto failed = [&](std::string error, std::string description) {
        LogEvent(spdlog::level::info,
                 "oauth flow failed",
                 {{"connector_id", connector->id}, {"flow_id", flow->id}, {"error", error}});
        return finish({{"error", std::move(error)},
                       {"error_description", std::move(description)},
                       {"connectorId", connector->id},
                       {"status", "error"}},
                      false);
    };

    if (params.error) {
        return failed(*params.error,
                      params.error_description.value_or("The provider reported an error"));
    }
    if (!params.code || params.code->empty()) {
        return failed("token_exchange_failed", "The provider sent no authorization code");
    }
    auto opened = OpenFlow(*flow);
    if (!opened) {
        return Fail(std::move(opened.error()));
    }
    const boost::json::object& secret = opened->secret;
    const OAuthClient& client = opened->client;
    const auto* oauth2 = FindOAuth2(*connector);
    oauth::QueryParams grant{{"grant_type", "authorization_code"},
                             {"code", *params.code},
                             {"redirect_uri", auth_configs_.CallbackUrl(connector->id)}};
    if (oauth2 != nullptr && oauth::ReadSettings(*oauth2).pkce) {
        grant.emplace_back("code_verifier", json::StringOr(secret, "codeVerifier"));
    }
    auto token = RequestToken(*connector, client, std::move(grant), DataOf(secret));
    if (!token) {
        LogEvent(spdlog::level::warn,
                 "oauth token exchange failed",
                 {{"connector_id", connector->id},
                  {"flow_id", flow->id},
                  {"error", token.error().message},
                  {"detail", token.error().detail}});
        return failed("token_exchange_failed",
                      "The token exchange with " + connector->name + " failed");
    }

    auto owner = store_.FindUserById(flow->user_id);
    if (!owner) {
        return Fail(std::move(owner.error()));
    }
    storage::CredentialRow row{.id = ids_.Next(),
                               .user_id = flow->user_id,
                               .connector_id = connector->id,
                               .authentication_type = "oauth2",
                               .name = flow->name.value_or(
                                   (owner->full_name.empty() ? owner->username : owner->full_name) +
                                   "'s " + connector->name + " Credential"),
                               .status = "active",
                               .key_id = secret_box_.ActiveKeyId(),
                               .created_at = now,
                               .updated_at = now,
                               .auth_config_id = flow->auth_config_id};
    if (token->expires_in_seconds) {
        row.token_expires_at = now + std::chrono::seconds(*token->expires_in_seconds);
    }
    boost::json::object sealed{{"data", DataOf(secret)},
                               {"accessToken", token->access_token.Reveal()},
                               {"tokenType", token->token_type},
                               {"scope", token->scope},
                               {"fields", std::move(token->stored_fields)}};
    if (token->refresh_token) {
        sealed["refreshToken"] = token->refresh_token->Reveal();
    }
    row.secret = SealCredential(row.id, sealed);
    if (auto stored = store_.CreateCredential(row); !stored) {
        return Fail(std::move(stored.error()));
    }
    LogEvent(
        spdlog::level::info,
        "oauth credential created",
        {{"connector_id", connector->id}, {"credential_id", row.id}, {"user_id", row.user_id}});
    return finish({{"credentialId", row.id}, {"connectorId", connector->id}, {"status", "success"}},
                  true);
}

Result<OAuthAccess> OAuthService::EnsureFresh(std::string_view credential_id,
                                              std::optional<std::int64_t> stale_version) {
    const std::string id(credential_id);
    for (int attempt = 0;; ++attempt) {
        auto row = store_.FindCredential(id);
        if (!row) {
            return Fail(std::move(row.error()));
        }
        if (row->authentication_type != "oauth2") {
            return Fail(ErrorCode::kInternal, "Internal server error", "not an oauth2 credential");
        }
        if (row->status == "expired") {
            return Fail(ErrorCode::kNeedsReauth,
                        "Credential '" + id + "' has expired; the user must reconnect");
        }
        auto secret = OpenObject(secret_box_, row->secret, CredentialAad(row->id));
        if (!secret) {
            return Fail(std::move(secret.error()));
        }
        const TimePoint now = clock_.Now();
        const bool rejected = stale_version && row->version == *stale_version;
        const bool expiring = row->token_expires_at && *row->token_expires_at <= now + kRefreshSkew;
        const bool still_valid = !row->token_expires_at || *row->token_expires_at > now;
        auto access = [&] {
            OAuthAccess result{
                .access_token = SecretString(json::StringOr(*secret, "accessToken")),
                .refresh_token = SecretString(json::StringOr(*secret, "refreshToken")),
                .token_type = json::StringOr(*secret, "tokenType"),
                .version = row->version};
            result.data = DataOf(*secret);
            return result;
        };
        if ((!rejected && !expiring) || attempt > 0) {
            if (attempt > 0 && (rejected || !still_valid)) {
                return Fail(ErrorCode::kUpstreamError,
                            "The access token of credential '" + id + "' could not be refreshed");
            }
            return access();
        }
        auto refreshed = RefreshOnce(id, row->version);
        if (!refreshed) {
            // A transient failure keeps a still-valid token in use (DESIGN.md §4).
            if (refreshed.error().code != ErrorCode::kNeedsReauth && still_valid && !rejected) {
                return access();
            }
            return Fail(std::move(refreshed.error()));
        }
    }
}

Result<void> OAuthService::RefreshOnce(const std::string& credential_id,
                                       std::int64_t seen_version) {
    std::promise<Result<void>> promise;
    std::shared_future<Result<void>> flight;
    bool leader = false;
    {
        const std::lock_guard lock(flights_mutex_);
        auto found = flights_.find(credential_id);
        if (found == flights_.end()) {
            flight = promise.get_future().share();
            flights_.emplace(credential_id, flight);
            leader = true;
        } else {
            flight = found->second;
        }
    }
    if (!leader) {
        return flight.get();
    }
    Result<void> result = Ok();
    try {
        result = RefreshHoldingLease(credential_id, seen_version);
    } catch (const std::exception& e) {
        result = Fail(ErrorCode::kInternal, "Internal server error", e.what());
    }
    {
        const std::lock_guard lock(flights_mutex_);
        flights_.erase(credential_id);
    }
    promise.set_value(result);
    return result;
}

Result<void> OAuthService::RefreshHoldingLease(const std::string& credential_id,
                                               std::int64_t seen_version) {
    const std::string lease = "refresh:" + credential_id;
    const TimePoint deadline = clock_.Now() + kLeaseTtl;
    while (true) {
        auto acquired = store_.TryAcquireLease(lease, node_id_, clock_.Now(), kLeaseTtl);
        if (!acquired) {
            return Fail(std::move(acquired.error()));
        }
        if (*acquired) {
            break;
        }
        // Another node is refreshing: wait for its new version (or its lease to lapse).
        std::this_thread::sleep_for(kLeasePoll);
        auto row = store_.FindCredential(credential_id);
        if (!row) {
            return Fail(std::move(row.error()));
        }
        if (row->version != seen_version) {
            return Ok();
        }
        if (clock_.Now() > deadline) {
            return Fail(ErrorCode::kUnavailable, "Token refresh is taking too long; try again");
        }
    }
    auto release = [&] {
        (void)store_.ReleaseLease(lease, node_id_);
    };

    auto row = store_.FindCredential(credential_id);
    if (!row || row->version != seen_version || row->status == "expired") {
        release();
        return row ? Result<void>(Ok()) : Fail(std::move(row.error()));
    }
    auto secret = OpenObject(secret_box_, row->secret, CredentialAad(row->id));
    const auto* connector = catalog_.Find(row->connector_id);
    if (!secret || connector == nullptr || !row->auth_config_id) {
        release();
        return Fail(ErrorCode::kInternal, "Internal server error", "credential cannot refresh");
    }
    const std::string refresh_token = json::StringOr(*secret, "refreshToken");
    const TimePoint now = clock_.Now();
    if (refresh_token.empty()) {
        // Nothing to refresh with: once the token is past its expiry the user must reconnect.
        if (row->token_expires_at && *row->token_expires_at <= now) {
            (void)store_.MarkCredentialExpired(row->id, now);
            release();
            return Fail(ErrorCode::kNeedsReauth,
                        "Credential '" + row->id + "' has expired; the user must reconnect");
        }
        release();
        return Ok();
    }
    auto client = auth_configs_.OpenClient(*row->auth_config_id);
    if (!client) {
        release();
        return Fail(std::move(client.error()));
    }
    auto token = RequestToken(*connector,
                              *client,
                              {{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}},
                              DataOf(*secret));
    if (!token) {
        const auto* oauth_error = token.error().extra.if_contains("oauthError");
        if (oauth_error != nullptr && oauth_error->is_string() &&
            oauth_error->as_string() == "invalid_grant") {
            (void)store_.MarkCredentialExpired(row->id, now);
            release();
            LogEvent(spdlog::level::warn,
                     "oauth refresh token rejected; credential expired",
                     {{"credential_id", row->id}, {"connector_id", row->connector_id}});
            return Fail(ErrorCode::kNeedsReauth,
                        "Credential '" + row->id + "' has expired; the user must reconnect");
        }
        release();
        LogEvent(spdlog::level::warn,
                 "oauth refresh failed",
                 {{"credential_id", row->id},
                  {"error", token.error().message},
                  {"detail", token.error().detail}});
        Error error{.code = ErrorCode::kUpstreamError,
                    .message = "Refreshing the access token of credential '" + row->id + "' failed",
                    .detail = token.error().detail};
        error.extra["reason"] = "token_refresh_failed";
        return Fail(std::move(error));
    }
    (*secret)["accessToken"] = token->access_token.Reveal();
    (*secret)["tokenType"] = token->token_type;
    if (!token->scope.empty()) {
        (*secret)["scope"] = token->scope;
    }
    if (token->refresh_token) {  // rotation; otherwise the old one stays valid
        (*secret)["refreshToken"] = token->refresh_token->Reveal();
    }
    storage::CredentialSecretUpdate update{.credential_id = row->id,
                                           .expected_version = row->version,
                                           .key_id = secret_box_.ActiveKeyId()};
    if (token->expires_in_seconds) {
        update.token_expires_at = now + std::chrono::seconds(*token->expires_in_seconds);
    }
    update.secret = SealCredential(row->id, *secret);
    auto written = store_.UpdateCredentialSecret(update);
    release();
    if (!written) {
        return Fail(std::move(written.error()));
    }
    LogEvent(spdlog::level::info,
             "oauth token refreshed",
             {{"credential_id", row->id}, {"connector_id", row->connector_id}});
    return Ok();
}

}  // namespace junction::service
