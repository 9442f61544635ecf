#include "junction/service/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace junction::service {

RateLimiter::RateLimiter(storage::RateLimitStore& store, const Clock& clock)
    : store_(store), clock_(clock) {}

Result<RateDecision> RateLimiter::Hit(std::string_view key, const RateLimitSetting& setting) {
    return Decide(key, setting, true);
}

Result<RateDecision> RateLimiter::Peek(std::string_view key, const RateLimitSetting& setting) {
    return Decide(key, setting, false);
}

Result<RateDecision> RateLimiter::Decide(std::string_view key,
                                         const RateLimitSetting& setting,
                                         bool count) {
    const std::int64_t window_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(setting.window).count();
    const std::int64_t now_ms = ToUnixMillis(clock_.Now());
    const std::int64_t window_start = now_ms - now_ms % window_ms;
    const std::int64_t elapsed = now_ms - window_start;

    auto counts = count ? store_.HitRateLimit(key, window_start, window_ms)
                        : store_.PeekRateLimit(key, window_start, window_ms);
    if (!counts) {
        return Fail(std::move(counts.error()));
    }
    const double previous_weight =
        static_cast<double>(window_ms - elapsed) / static_cast<double>(window_ms);
    const double estimate = static_cast<double>(counts->previous) * previous_weight +
                            static_cast<double>(counts->current);
    const auto used = static_cast<std::int64_t>(std::ceil(estimate));

    RateDecision decision;
    decision.limit = setting.limit;
    decision.window_seconds = setting.window.count();
    // Peek asks "would one more request pass?"; Hit has already counted this one.
    decision.allowed = count ? used <= setting.limit : used < setting.limit;
    decision.remaining = std::max<std::int64_t>(0, setting.limit - used);
    decision.reset_seconds = std::max<std::int64_t>(1, (window_ms - elapsed + 999) / 1000);
    if (!decision.allowed) {
        // Time until the weighted previous window has decayed enough for one more request;
        // at most until the current window ends and becomes the (decaying) previous one.
        std::int64_t wait_ms = window_ms - elapsed;
        if (counts->current < setting.limit && counts->previous > 0) {
            const double needed_weight = static_cast<double>(setting.limit - counts->current) /
                                         static_cast<double>(counts->previous);
            const double decay_ms =
                (previous_weight - needed_weight) * static_cast<double>(window_ms);
            wait_ms = std::clamp<std::int64_t>(
                static_cast<std::int64_t>(std::ceil(decay_ms)), 1, window_ms - elapsed);
        }
        decision.retry_after_seconds = std::max<std::int64_t>(1, (wait_ms + 999) / 1000);
    }
    return decision;
}

}  // namespace junction::service
