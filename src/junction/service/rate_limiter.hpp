#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "junction/core/clock.hpp"
#include "junction/core/config.hpp"
#include "junction/core/result.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

/// The outcome of one rate-limit check; feeds the RateLimit-* headers (API.md §1.6).
struct RateDecision {
    bool allowed = true;
    std::int64_t limit = 0;
    std::int64_t remaining = 0;
    std::int64_t reset_seconds = 0;
    std::int64_t retry_after_seconds = 0;
    std::int64_t window_seconds = 0;
};

/// RateLimiter::HitUnlessBlocked: the guard's decision, and the hit's unless the guard refused.
struct GuardedDecision {
    RateDecision guard{};
    std::optional<RateDecision> hit{};
};

/// Sliding-window limits (previous fixed window weighted by its overlap plus the current one),
/// counted in the store so every node shares them. Thread-safe; blocking pool only.
class RateLimiter {
public:
    RateLimiter(storage::RateLimitStore& store, const Clock& clock);

    /// Counts one request against `key` and decides.
    [[nodiscard]] Result<RateDecision> Hit(std::string_view key, const RateLimitSetting& setting);
    /// Decides without counting (used to refuse clients with too many failed logins).
    [[nodiscard]] Result<RateDecision> Peek(std::string_view key, const RateLimitSetting& setting);
    /// Peek(guard_key), then Hit(key) unless the guard refuses: an authenticated request's
    /// per-IP failure check and per-key hit in one store call (fewer database round trips).
    [[nodiscard]] Result<GuardedDecision> HitUnlessBlocked(std::string_view key,
                                                           const RateLimitSetting& setting,
                                                           std::string_view guard_key,
                                                           const RateLimitSetting& guard_setting);

private:
    [[nodiscard]] Result<RateDecision> Decide(std::string_view key,
                                              const RateLimitSetting& setting,
                                              bool count);

    storage::RateLimitStore& store_;
    const Clock& clock_;
};

}  // namespace junction::service
