#include "junction/storage/memory_rate_limit_store.hpp"

#include <iterator>

namespace junction::storage {
namespace {

// A sweep every this many hits keeps the map to the keys of recent windows, at a cost spread
// thinly over requests.
constexpr std::uint64_t kHitsPerSweep = 4096;

}  // namespace

WindowCounts MemoryRateLimitStore::CountsLocked(std::string_view key,
                                                std::int64_t window_start_ms,
                                                std::int64_t window_ms) const {
    const auto found = counters_.find(std::string(key));
    if (found == counters_.end()) {
        return {};
    }
    const Counter& counter = found->second;
    if (counter.window_start_ms == window_start_ms) {
        return {.current = counter.count, .previous = counter.previous_count};
    }
    if (counter.window_start_ms == window_start_ms - window_ms) {
        return {.current = 0, .previous = counter.count};
    }
    return {};  // older windows no longer count
}

WindowCounts MemoryRateLimitStore::HitLocked(std::string_view key,
                                             std::int64_t window_start_ms,
                                             std::int64_t window_ms) {
    const WindowCounts before = CountsLocked(key, window_start_ms, window_ms);
    Counter& counter = counters_[std::string(key)];
    counter = Counter{.window_start_ms = window_start_ms,
                      .window_ms = window_ms,
                      .count = before.current + 1,
                      .previous_count = before.previous};
    if (++hits_since_sweep_ >= kHitsPerSweep) {
        SweepLocked(window_start_ms);
    }
    return {.current = counter.count, .previous = counter.previous_count};
}

void MemoryRateLimitStore::SweepLocked(std::int64_t now_window_start_ms) {
    hits_since_sweep_ = 0;
    for (auto it = counters_.begin(); it != counters_.end();) {
        // Keys have windows of different lengths; a counter matters while its window or the
        // next one (where it is the "previous" count) can still be current.
        const bool stale =
            it->second.window_start_ms + 2 * it->second.window_ms <= now_window_start_ms;
        it = stale ? counters_.erase(it) : std::next(it);
    }
}

Result<WindowCounts> MemoryRateLimitStore::HitRateLimit(std::string_view key,
                                                        std::int64_t window_start_ms,
                                                        std::int64_t window_ms) {
    const std::lock_guard lock(mutex_);
    return HitLocked(key, window_start_ms, window_ms);
}

Result<WindowCounts> MemoryRateLimitStore::PeekRateLimit(std::string_view key,
                                                         std::int64_t window_start_ms,
                                                         std::int64_t window_ms) {
    const std::lock_guard lock(mutex_);
    return CountsLocked(key, window_start_ms, window_ms);
}

Result<GuardedHit> MemoryRateLimitStore::HitRateLimitUnless(const RateLimitWindow& guard,
                                                            const GuardPredicate& blocked,
                                                            const RateLimitWindow& hit) {
    const std::lock_guard lock(mutex_);
    GuardedHit outcome{.guard = CountsLocked(guard.key, guard.window_start_ms, guard.window_ms)};
    if (!blocked(outcome.guard)) {
        outcome.hit = HitLocked(hit.key, hit.window_start_ms, hit.window_ms);
    }
    return outcome;
}

std::size_t MemoryRateLimitStore::KeyCount() const {
    const std::lock_guard lock(mutex_);
    return counters_.size();
}

}  // namespace junction::storage
