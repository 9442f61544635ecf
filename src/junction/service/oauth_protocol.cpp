#include "junction/service/oauth_protocol.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <system_error>

#include <boost/json/parse.hpp>

#include "junction/crypto/encoding.hpp"
#include "junction/crypto/hash.hpp"
#include "junction/json/fields.hpp"

namespace junction::service::oauth {
namespace {

using json::StringOr;

bool IsUnreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

QueryParams StringMap(const boost::json::object& object, std::string_view key) {
    QueryParams params;
    if (const auto* map = object.if_contains(key); map != nullptr && map->is_object()) {
        for (const auto& [name, value] : map->as_object()) {
            if (value.is_string()) {
                params.emplace_back(std::string(name), std::string(value.as_string()));
            }
        }
    }
    return params;
}

std::vector<std::string> StringList(const boost::json::object& object, std::string_view key) {
    std::vector<std::string> list;
    if (const auto* array = object.if_contains(key); array != nullptr && array->is_array()) {
        for (const auto& value : array->as_array()) {
            if (value.is_string()) {
                list.emplace_back(value.as_string());
            }
        }
    }
    return list;
}

// `a.b.c` inside a JSON object; nullptr when any step is missing.
const boost::json::value* AtPath(const boost::json::object& object, std::string_view path) {
    const boost::json::object* current = &object;
    while (true) {
        const auto dot = path.find('.');
        const auto* value = current->if_contains(path.substr(0, dot));
        if (value == nullptr || dot == std::string_view::npos) {
            return value;
        }
        if (!value->is_object()) {
            return nullptr;
        }
        current = &value->as_object();
        path.remove_prefix(dot + 1);
    }
}

// `expires_in` as positive seconds, capped at kMaxExpiresIn; nullopt when absent, not positive
// or not a number. Some providers send it as a string. Callers add it to a millisecond clock, so
// an unbounded value would overflow; a non-positive one would put the expiry in the past.
std::optional<std::int64_t> ExpiresIn(const boost::json::value& expires) {
    constexpr std::int64_t kMaxExpiresIn = std::int64_t{10} * 365 * 24 * 3600;  // ten years
    if (expires.is_uint64()) {                                                  // above INT64_MAX
        return kMaxExpiresIn;
    }
    std::int64_t seconds = 0;
    if (expires.is_int64()) {
        seconds = expires.as_int64();
    } else if (expires.is_string()) {
        const std::string_view text = expires.as_string();
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (ec == std::errc::result_out_of_range && !text.starts_with('-')) {
            return kMaxExpiresIn;
        }
        if (ec != std::errc() || end != text.data() + text.size()) {
            return std::nullopt;
        }
    }
    if (seconds <= 0) {
        return std::nullopt;
    }
    return std::min(seconds, kMaxExpiresIn);
}

Error TokenError(const std::string& oauth_error, std::string detail) {
    Error error{
        .code = ErrorCode::kUpstreamError,
        .message = "The provider's token endpoint refused the request (" + oauth_error + ")",
        .detail = std::move(detail)};
    error.extra["oauthError"] = oauth_error;
    return error;
}

}  // namespace

std::string PercentEncode(std::string_view text) {
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string encoded;
    encoded.reserve(text.size());
    for (const char c : text) {
        if (IsUnreserved(c)) {
            encoded += c;
        } else {
            const auto byte = static_cast<unsigned char>(c);
            encoded += '%';
            encoded += kHex[byte >> 4U];
            encoded += kHex[byte & 0x0FU];
        }
    }
    return encoded;
}

std::string FormEncode(const QueryParams& params) {
    std::string form;
    for (const auto& [name, value] : params) {
        if (!form.empty()) {
            form += '&';
        }
        form += PercentEncode(name);
        form += '=';
        form += PercentEncode(value);
    }
    return form;
}

std::string AppendQuery(std::string_view url, const QueryParams& params) {
    const auto hash = url.find('#');
    std::string result(url.substr(0, hash));
    if (!params.empty()) {
        if (result.find('?') == std::string::npos) {
            result += '?';
        } else if (result.back() != '?' && result.back() != '&') {
            result += '&';
        }
        result += FormEncode(params);
    }
    if (hash != std::string_view::npos) {
        result += url.substr(hash);
    }
    return result;
}

OAuth2Settings ReadSettings(const connectors::AuthSpec& oauth2) {
    const auto& config = oauth2.config;
    OAuth2Settings settings{
        .authorization_url = StringOr(config, "authorization_url", ""),
        .token_url = StringOr(config, "token_url", ""),
        .revocation_url = StringOr(config, "revocation_url", ""),
        .scopes = StringList(config, "scopes"),
        .scope_separator = StringOr(config, "scope_separator", " "),
        .client_secret_basic =
            StringOr(config, "token_auth_method", "client_secret_post") == "client_secret_basic",
        .extra_authorize_params = StringMap(config, "extra_authorize_params"),
        .extra_token_params = StringMap(config, "extra_token_params"),
        .access_token_path = StringOr(config, "access_token_path", "access_token"),
        .store_token_fields = StringList(config, "store_token_fields")};
    if (const auto* pkce = config.if_contains("pkce"); pkce != nullptr && pkce->is_bool()) {
        settings.pkce = pkce->as_bool();
    }
    return settings;
}

Result<TokenGrant> ParseTokenResponse(int status,
                                      std::string_view body,
                                      const OAuth2Settings& settings) {
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(body, ec);
    if (ec || !parsed.is_object()) {
        return Fail(TokenError(
            status >= 200 && status < 300 ? "invalid_response" : "http_error",
            "token endpoint answered HTTP " + std::to_string(status) + " without a JSON object"));
    }
    const auto& answer = parsed.as_object();
    // RFC 6749 §5.2 errors; Slack also answers 200 with {"ok": false, "error": ...}.
    const auto* error = answer.if_contains("error");
    const auto* ok = answer.if_contains("ok");
    if ((error != nullptr && error->is_string()) || status < 200 || status >= 300 ||
        (ok != nullptr && ok->is_bool() && !ok->as_bool())) {
        const std::string code =
            error != nullptr && error->is_string() ? std::string(error->as_string()) : "http_error";
        return Fail(TokenError(code, "token endpoint answered HTTP " + std::to_string(status)));
    }
    const auto* access = AtPath(answer, settings.access_token_path);
    if (access == nullptr || !access->is_string() || access->as_string().empty()) {
        return Fail(
            TokenError("invalid_response",
                       "token answer has no string at '" + settings.access_token_path + "'"));
    }
    TokenGrant grant{.access_token = SecretString(std::string(access->as_string()))};
    if (const auto* refresh = answer.if_contains("refresh_token");
        refresh != nullptr && refresh->is_string() && !refresh->as_string().empty()) {
        grant.refresh_token = SecretString(std::string(refresh->as_string()));
    }
    if (const auto* expires = answer.if_contains("expires_in"); expires != nullptr) {
        grant.expires_in_seconds = ExpiresIn(*expires);
    }
    grant.token_type = StringOr(answer, "token_type", "Bearer");
    grant.scope = StringOr(answer, "scope", "");
    for (const auto& path : settings.store_token_fields) {
        if (const auto* value = AtPath(answer, path); value != nullptr && !value->is_object()) {
            grant.stored_fields[path] = *value;
        }
    }
    return grant;
}

std::string PkceChallenge(std::string_view verifier) {
    return crypto::Base64UrlEncode(crypto::Sha256(verifier));
}

}  // namespace junction::service::oauth
