#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "junction/connectors/catalog.hpp"
#include "junction/core/clock.hpp"
#include "junction/core/config.hpp"
#include "junction/core/ids.hpp"
#include "junction/core/result.hpp"
#include "junction/core/rng.hpp"
#include "junction/core/secret_string.hpp"
#include "junction/crypto/secret_box.hpp"
#include "junction/http_client/http_client.hpp"
#include "junction/service/auth_config_service.hpp"
#include "junction/service/oauth_protocol.hpp"
#include "junction/storage/rows.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

/// A validated request to connect a user's account (oauth2 credential creation).
struct OAuthFlowRequest {
    storage::UserRow owner{};
    std::string connector_id{};
    std::optional<std::string> redirect_uri{};
    std::optional<std::string> auth_config_id{};
    boost::json::object data{};  // connector inputs (e.g. subdomain)
    std::optional<std::string> name{};
};

/// How the browser leaves the callback: a redirect to the caller's app, or (flows started
/// without a redirectUri) a small HTML page.
struct CallbackOutcome {
    std::optional<std::string> redirect_url{};
    std::string html{};
};

struct CallbackParams {
    std::string state{};
    std::optional<std::string> code{};
    std::optional<std::string> error{};
    std::optional<std::string> error_description{};
};

/// A usable OAuth access token of a credential.
struct OAuthAccess {
    SecretString access_token{};
    SecretString refresh_token{};  // empty when the provider issued none; for redaction only
    std::string token_type{};
    boost::json::object data{};  // connector inputs
    std::int64_t version = 0;    // pass back as `stale_version` after an upstream 401
};

/// The OAuth2 authorization-code flow and token refresh (API.md §3.4, DESIGN.md §4). One-time
/// tokens and states are random, stored as hashes and consumed atomically; PKCE verifiers,
/// tokens and client secrets are sealed. Thread-safe; blocking pool only (it waits for the
/// outbound client).
class OAuthService {
public:
    OAuthService(storage::Store& store,
                 const connectors::Catalog& catalog,
                 AuthConfigService& auth_configs,
                 const crypto::SecretBox& secret_box,
                 http_client::HttpClient& http,
                 const Clock& clock,
                 Rng& rng,
                 ObjectIdGenerator& ids,
                 const Config& config,
                 std::string node_id);

    /// Stores a pending flow and returns `{"oauthUrl"}`. kInvalidArgument (redirectUri, auth
    /// config), kNotFound (owner vanished).
    [[nodiscard]] Result<boost::json::object> StartFlow(OAuthFlowRequest request);
    /// Consumes the one-time token and returns the provider's authorization URL.
    /// kConnectorNotFound; kInvalidArgument for an invalid, expired or used token or values
    /// that differ from the bound ones.
    [[nodiscard]] Result<std::string> Authorize(std::string_view connector_id,
                                                std::string_view token,
                                                std::string_view user_id,
                                                const std::optional<std::string>& redirect_uri);
    /// Finishes a flow. kConnectorNotFound; kInvalidArgument for an unknown, expired or used
    /// state (no redirect: the target is untrusted). Provider and exchange failures are
    /// outcomes (a redirect carrying `error`), not errors.
    [[nodiscard]] Result<CallbackOutcome> Callback(std::string_view connector_id,
                                                   const CallbackParams& params);
    /// The credential's access token, refreshed first when it expires within 60 s or when the
    /// caller saw it rejected (`stale_version` = the version it used). Refreshes are single-flight
    /// per credential in the process and leased across processes. kNeedsReauth (expired: the
    /// user must reconnect), kUpstreamError (`reason: token_refresh_failed`).
    [[nodiscard]] Result<OAuthAccess> EnsureFresh(std::string_view credential_id,
                                                  std::optional<std::int64_t> stale_version = {});

    /// Asks the provider to revoke a deleted credential's tokens (RFC 7009) when the catalog
    /// names a `revocation_url`. Fire and forget: never waits, failures are only logged.
    void RevokeBestEffort(const storage::CredentialRow& credential);

private:
    struct OpenedFlow {
        boost::json::object secret{};  // connector inputs and PKCE verifier
        OAuthClient client{};
    };
    [[nodiscard]] Result<OpenedFlow> OpenFlow(const storage::OAuthFlowRow& flow);
    [[nodiscard]] Result<void> RefreshOnce(const std::string& credential_id,
                                           std::int64_t seen_version);
    [[nodiscard]] Result<void> RefreshHoldingLease(const std::string& credential_id,
                                                   std::int64_t seen_version);
    [[nodiscard]] Result<oauth::TokenGrant> RequestToken(const connectors::ConnectorSpec& connector,
                                                         const OAuthClient& client,
                                                         oauth::QueryParams grant,
                                                         const boost::json::object& data);
    [[nodiscard]] std::string SealCredential(const std::string& credential_id,
                                             const boost::json::object& secret) const;

    storage::Store& store_;
    const connectors::Catalog& catalog_;
    AuthConfigService& auth_configs_;
    const crypto::SecretBox& secret_box_;
    http_client::HttpClient& http_;
    const Clock& clock_;
    Rng& rng_;
    ObjectIdGenerator& ids_;
    const Config& config_;
    std::string node_id_;

    std::mutex flights_mutex_;
    // Refreshes in progress, by credential id. Guarded by flights_mutex_.
    std::map<std::string, std::shared_future<Result<void>>, std::less<>> flights_;
};

/// AAD of a pending OAuth flow's sealed data: `junction/v1/oauth_flows/<id>/secret`.
[[nodiscard]] std::string OAuthFlowSecretAad(std::string_view flow_id);

}  // namespace junction::service
