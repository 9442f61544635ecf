#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "junction/core/config.hpp"
#include "junction/service/rate_limiter.hpp"

namespace junction::service {

/// Slows down failed logins without ever refusing a valid credential. The request pipeline
/// authenticates first (an API key is a cached hash lookup, a JWT a signature check) and asks
/// this only about attempts that failed, so failures from an address, or against a key prefix,
/// never lock out a good key or token presented from the same place.
///
/// Each failure counts against two budgets of `setting` (rate_limit.auth_failures): the client
/// address, and the presented API key's 8-character prefix (the `prefix` that key listings
/// show; only when the bearer value looks like an API key). The prefix budget slows down a
/// guesser that spreads over many addresses. Once either budget is spent, failing attempts are
/// refused (429) and not counted, so the budget refills as the window slides.
///
/// Thread-safe (the RateLimiter is); blocking pool, or an IO thread when the rate-limit store
/// is in memory. Holds a reference to `limiter` and `setting`, which must outlive it.
class LoginThrottle {
public:
    LoginThrottle(RateLimiter& limiter, const RateLimitSetting& setting);

    /// One failed attempt from `client_ip` with this Authorization header (absent when none
    /// was sent). Returns the refusing decision (with retry_after_seconds) when a budget is
    /// already spent; otherwise counts the failure and returns nullopt. A store error refuses
    /// nothing: the attempt has failed anyway, and answers 401.
    [[nodiscard]] std::optional<RateDecision> OnFailure(
        std::string_view client_ip, std::optional<std::string_view> authorization);

    /// The rate-limit keys a failure counts against: "authfail:<ip>" and, for an API-key-shaped
    /// bearer value, "authfail:key:<prefix>". Exposed for tests.
    [[nodiscard]] static std::optional<std::string> PrefixKey(
        std::optional<std::string_view> authorization);

private:
    RateLimiter& limiter_;
    const RateLimitSetting& setting_;
};

}  // namespace junction::service
