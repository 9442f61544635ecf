#include "junction/service/login_throttle.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "junction/core/ascii.hpp"
#include "junction/service/api_key_service.hpp"
#include "junction/service/token_service.hpp"

namespace junction::service {
namespace {

constexpr std::size_t kPrefixLength = 8;

bool IsKeyCharacter(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

// The value after "Bearer " (scheme case-insensitive), or nullopt for another scheme.
std::optional<std::string_view> BearerValue(std::string_view header) {
    const std::size_t space = header.find(' ');
    if (space == std::string_view::npos || !AsciiIEquals(header.substr(0, space), "bearer")) {
        return std::nullopt;
    }
    std::string_view value = header.substr(space + 1);
    while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
    }
    return value;
}

}  // namespace

LoginThrottle::LoginThrottle(RateLimiter& limiter, const RateLimitSetting& setting)
    : limiter_(limiter), setting_(setting) {}

std::optional<std::string> LoginThrottle::PrefixKey(std::optional<std::string_view> authorization) {
    if (!authorization) {
        return std::nullopt;
    }
    const auto value = BearerValue(*authorization);
    if (!value || LooksLikeJwt(*value) ||
        !std::all_of(value->begin(), value->end(), IsKeyCharacter)) {
        return std::nullopt;  // JWTs and odd values count against the address only
    }
    const std::string prefix = KeyDisplayPrefix(*value);
    if (prefix.size() < kPrefixLength) {
        return std::nullopt;
    }
    return "authfail:key:" + prefix;
}

std::optional<RateDecision> LoginThrottle::OnFailure(
    std::string_view client_ip, std::optional<std::string_view> authorization) {
    std::vector<std::string> keys{"authfail:" + std::string(client_ip)};
    if (auto prefix_key = PrefixKey(authorization)) {
        keys.push_back(std::move(*prefix_key));
    }
    for (const auto& key : keys) {
        auto spent = limiter_.Peek(key, setting_);
        if (spent && !spent->allowed) {
            return *spent;
        }
    }
    for (const auto& key : keys) {
        (void)limiter_.Hit(key, setting_);  // best effort, see the header
    }
    return std::nullopt;
}

}  // namespace junction::service
