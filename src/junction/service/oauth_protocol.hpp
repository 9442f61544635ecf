#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "junction/connectors/spec.hpp"
#include "junction/core/result.hpp"
#include "junction/core/secret_string.hpp"

/// The OAuth 2.0 wire details (RFC 6749, RFC 7636) Junction needs as a client: URL and form
/// encoding, a catalog entry's settings, and reading a token endpoint's answer. Pure functions.
namespace junction::service::oauth {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// RFC 3986 percent-encoding; only unreserved characters stay as they are.
[[nodiscard]] std::string PercentEncode(std::string_view text);
/// `a=1&b=2` with both sides percent-encoded (application/x-www-form-urlencoded).
[[nodiscard]] std::string FormEncode(const QueryParams& params);
/// `url` with `params` added to its query (kept), before any fragment.
[[nodiscard]] std::string AppendQuery(std::string_view url, const QueryParams& params);

/// A catalog oauth2 entry's keys with API.md §5.3 defaults applied.
struct OAuth2Settings {
    std::string authorization_url{};
    std::string token_url{};
    std::string revocation_url{};
    std::vector<std::string> scopes{};
    std::string scope_separator{" "};
    bool pkce = true;
    bool client_secret_basic = false;  // else client_secret_post
    QueryParams extra_authorize_params{};
    QueryParams extra_token_params{};
    std::string access_token_path{"access_token"};
    std::vector<std::string> store_token_fields{};
};

[[nodiscard]] OAuth2Settings ReadSettings(const connectors::AuthSpec& oauth2);

/// What a successful token request yields. `stored_fields` are the catalog's
/// `store_token_fields` found in the answer (dotted path → value).
struct TokenGrant {
    SecretString access_token{};
    std::optional<SecretString> refresh_token{};
    std::optional<std::int64_t> expires_in_seconds{};
    std::string token_type{};
    std::string scope{};
    boost::json::object stored_fields{};
};

/// Reads a token endpoint answer. Failures are kUpstreamError with `extra.oauthError` (the
/// provider's `error` code when it sent one, else "invalid_response") and a public message
/// that never contains the answer itself (it may carry tokens).
[[nodiscard]] Result<TokenGrant> ParseTokenResponse(int status,
                                                    std::string_view body,
                                                    const OAuth2Settings& settings);

/// The PKCE S256 challenge of `verifier`.
[[nodiscard]] std::string PkceChallenge(std::string_view verifier);

}  // namespace junction::service::oauth
