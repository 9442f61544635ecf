#include "junction/service/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace junction::service {

namespace {

// How long until one more request passes, i.e. previous·weight + current + 1 ≤ limit, where the
// weight of the previous window falls linearly to 0 across the current one. Either the old
// window decays enough before this one ends, or we wait into the next window, where this
// window's count becomes the decaying "previous".
std::int64_t RetryAfterMs(std::int64_t previous,
                          std::int64_t current,
                          std::int64_t limit,
                          std::int64_t window_ms,
                          std::int64_t elapsed_ms) {
    const auto window = static_cast<double>(window_ms);
    if (current + 1 <= limit && previous > 0) {
        const double passes_at = window - static_cast<double>(limit - current - 1) * window /
                                              static_cast<double>(previous);
        return std::max<std::int64_t>(0,
                                      static_cast<std::int64_t>(std::ceil(passes_at)) - elapsed_ms);
    }
    double into_next = 0;
    if (limit < 1) {
        into_next = window;  // nothing ever passes; retry after a full window
    } else if (current > limit - 1) {
        into_next = window - static_cast<double>(limit - 1) * window / static_cast<double>(current);
    }
    return window_ms - elapsed_ms + static_cast<std::int64_t>(std::ceil(into_next));
}

}  // namespace

RateLimiter::RateLimiter(storage::RateLimitStore& store, const Clock& clock)
    : store_(store), clock_(clock) {}

Result<RateDecision> RateLimiter::Hit(std::string_view key, const RateLimitSetting& setting) {
    return Decide(key, setting, true);
}

Result<RateDecision> RateLimiter::Peek(std::string_view key, const RateLimitSetting& setting) {
    return Decide(key, setting, false);
}

namespace {

struct Window {
    std::int64_t window_ms = 0;
    std::int64_t start = 0;
    std::int64_t elapsed = 0;
};

Window WindowAt(const RateLimitSetting& setting, TimePoint now) {
    const std::int64_t window_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(setting.window).count();
    const std::int64_t now_ms = ToUnixMillis(now);
    const std::int64_t start = now_ms - now_ms % window_ms;
    return Window{.window_ms = window_ms, .start = start, .elapsed = now_ms - start};
}

// `counted`: Hit has already counted this request; Peek asks "would one more pass?".
RateDecision DecideFrom(const storage::WindowCounts& counts,
                        const RateLimitSetting& setting,
                        const Window& window,
                        bool counted) {
    const std::int64_t window_ms = window.window_ms;
    const std::int64_t elapsed = window.elapsed;
    const double previous_weight =
        static_cast<double>(window_ms - elapsed) / static_cast<double>(window_ms);
    const double estimate = static_cast<double>(counts.previous) * previous_weight +
                            static_cast<double>(counts.current);
    const auto used = static_cast<std::int64_t>(std::ceil(estimate));

    RateDecision decision;
    decision.limit = setting.limit;
    decision.window_seconds = setting.window.count();
    decision.allowed = counted ? used <= setting.limit : used < setting.limit;
    decision.remaining = std::max<std::int64_t>(0, setting.limit - used);
    decision.reset_seconds = std::max<std::int64_t>(1, (window_ms - elapsed + 999) / 1000);
    if (!decision.allowed) {
        decision.retry_after_seconds =
            (RetryAfterMs(counts.previous, counts.current, setting.limit, window_ms, elapsed) +
             999) /
            1000;
        decision.retry_after_seconds = std::max<std::int64_t>(1, decision.retry_after_seconds);
    }
    return decision;
}

}  // namespace

Result<RateDecision> RateLimiter::Decide(std::string_view key,
                                         const RateLimitSetting& setting,
                                         bool count) {
    const Window window = WindowAt(setting, clock_.Now());
    auto counts = count ? store_.HitRateLimit(key, window.start, window.window_ms)
                        : store_.PeekRateLimit(key, window.start, window.window_ms);
    if (!counts) {
        return Fail(std::move(counts.error()));
    }
    return DecideFrom(*counts, setting, window, count);
}

Result<GuardedDecision> RateLimiter::HitUnlessBlocked(std::string_view key,
                                                      const RateLimitSetting& setting,
                                                      std::string_view guard_key,
                                                      const RateLimitSetting& guard_setting) {
    const TimePoint now = clock_.Now();
    const Window window = WindowAt(setting, now);
    const Window guard_window = WindowAt(guard_setting, now);
    auto outcome = store_.HitRateLimitUnless(
        storage::RateLimitWindow{.key = guard_key,
                                 .window_start_ms = guard_window.start,
                                 .window_ms = guard_window.window_ms},
        [&](const storage::WindowCounts& counts) {
            return !DecideFrom(counts, guard_setting, guard_window, false).allowed;
        },
        storage::RateLimitWindow{
            .key = key, .window_start_ms = window.start, .window_ms = window.window_ms});
    if (!outcome) {
        return Fail(std::move(outcome.error()));
    }
    GuardedDecision decision{.guard =
                                 DecideFrom(outcome->guard, guard_setting, guard_window, false)};
    if (outcome->hit) {
        decision.hit = DecideFrom(*outcome->hit, setting, window, true);
    }
    return decision;
}

}  // namespace junction::service
