#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "junction/storage/store.hpp"

namespace junction::storage {

/// Rate-limit windows in this process's memory, for a node that shares them with nobody (the
/// embedded SQLite default): a request's hit costs no database write, so requests whose other
/// reads are cached never leave the IO thread. Counters start empty at each start. Thread-safe.
class MemoryRateLimitStore final : public RateLimitStore {
public:
    MemoryRateLimitStore() = default;

    [[nodiscard]] Result<WindowCounts> HitRateLimit(std::string_view key,
                                                    std::int64_t window_start_ms,
                                                    std::int64_t window_ms) override;
    [[nodiscard]] Result<WindowCounts> PeekRateLimit(std::string_view key,
                                                     std::int64_t window_start_ms,
                                                     std::int64_t window_ms) override;
    /// The guard's peek and the hit under one lock: no other request slips in between.
    [[nodiscard]] Result<GuardedHit> HitRateLimitUnless(const RateLimitWindow& guard,
                                                        const GuardPredicate& blocked,
                                                        const RateLimitWindow& hit) override;

    /// Keys held now (windows that ended are forgotten as requests come in).
    [[nodiscard]] std::size_t KeyCount() const;

private:
    // The newest window a key was hit in, and the count of the window before it.
    struct Counter {
        std::int64_t window_start_ms = 0;
        std::int64_t window_ms = 0;
        std::int64_t count = 0;
        std::int64_t previous_count = 0;
    };

    WindowCounts CountsLocked(std::string_view key,
                              std::int64_t window_start_ms,
                              std::int64_t window_ms) const;
    WindowCounts HitLocked(std::string_view key,
                           std::int64_t window_start_ms,
                           std::int64_t window_ms);
    void SweepLocked(std::int64_t now_window_start_ms);

    mutable std::mutex mutex_;
    std::unordered_map<std::string, Counter> counters_;  // Guarded by mutex_.
    std::uint64_t hits_since_sweep_ = 0;                 // Guarded by mutex_.
};

}  // namespace junction::storage
