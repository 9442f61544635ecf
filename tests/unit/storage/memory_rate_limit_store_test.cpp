#include "junction/storage/memory_rate_limit_store.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace junction::storage {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kStart = 1'700'000'040'000;  // a multiple of a minute

TEST(MemoryRateLimitStoreTest, CountsHitsInTheCurrentWindow) {
    MemoryRateLimitStore store;
    for (int i = 1; i <= 3; ++i) {
        const auto counts = store.HitRateLimit("k", kStart, kMinute);
        ASSERT_TRUE(counts.has_value());
        EXPECT_EQ(counts->current, i);
        EXPECT_EQ(counts->previous, 0);
    }
    const auto peeked = store.PeekRateLimit("k", kStart, kMinute);
    EXPECT_EQ(peeked->current, 3);  // a peek counts nothing
    EXPECT_EQ(store.PeekRateLimit("other", kStart, kMinute)->current, 0);
}

TEST(MemoryRateLimitStoreTest, TheWindowBeforeBecomesPreviousAndOlderOnesAreForgotten) {
    MemoryRateLimitStore store;
    for (int i = 0; i < 4; ++i) {
        (void)store.HitRateLimit("k", kStart, kMinute);
    }
    const auto next = store.PeekRateLimit("k", kStart + kMinute, kMinute);
    EXPECT_EQ(next->current, 0);
    EXPECT_EQ(next->previous, 4);
    const auto hit = store.HitRateLimit("k", kStart + kMinute, kMinute);
    EXPECT_EQ(hit->current, 1);
    EXPECT_EQ(hit->previous, 4);

    const auto later = store.HitRateLimit("k", kStart + 3 * kMinute, kMinute);
    EXPECT_EQ(later->current, 1);
    EXPECT_EQ(later->previous, 0);  // two windows back no longer counts
}

TEST(MemoryRateLimitStoreTest, GuardBlocksTheHitAndOnlyPeeks) {
    MemoryRateLimitStore store;
    (void)store.HitRateLimit("guard", kStart, kMinute);
    const RateLimitWindow guard{.key = "guard", .window_start_ms = kStart, .window_ms = kMinute};
    const RateLimitWindow hit{.key = "key", .window_start_ms = kStart, .window_ms = kMinute};

    const auto blocked = store.HitRateLimitUnless(
        guard, [](const WindowCounts& counts) { return counts.current >= 1; }, hit);
    ASSERT_TRUE(blocked.has_value());
    EXPECT_EQ(blocked->guard.current, 1);
    EXPECT_FALSE(blocked->hit.has_value());
    EXPECT_EQ(store.PeekRateLimit("key", kStart, kMinute)->current, 0);

    const auto passed = store.HitRateLimitUnless(
        guard, [](const WindowCounts& counts) { return counts.current >= 2; }, hit);
    ASSERT_TRUE(passed->hit.has_value());
    EXPECT_EQ(passed->hit->current, 1);
    EXPECT_EQ(store.PeekRateLimit("guard", kStart, kMinute)->current, 1);  // peeked, not hit
}

TEST(MemoryRateLimitStoreTest, KeysOfEndedWindowsAreSweptAway) {
    MemoryRateLimitStore store;
    for (int i = 0; i < 5000; ++i) {
        (void)store.HitRateLimit("old-" + std::to_string(i), kStart, kMinute);
    }
    EXPECT_EQ(store.KeyCount(), 5000U);
    // Enough hits two windows later to trigger a sweep: the old keys cannot count any more.
    for (int i = 0; i < 5000; ++i) {
        (void)store.HitRateLimit("new", kStart + 2 * kMinute, kMinute);
    }
    EXPECT_EQ(store.KeyCount(), 1U);
    EXPECT_EQ(store.PeekRateLimit("new", kStart + 2 * kMinute, kMinute)->current, 5000);
}

TEST(MemoryRateLimitStoreTest, ConcurrentHitsAreAllCounted) {
    MemoryRateLimitStore store;
    constexpr int kThreads = 4;
    constexpr int kHitsEach = 2000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&store] {
            for (int i = 0; i < kHitsEach; ++i) {
                (void)store.HitRateLimit("shared", kStart, kMinute);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(store.PeekRateLimit("shared", kStart, kMinute)->current, kThreads * kHitsEach);
}

}  // namespace
}  // namespace junction::storage
