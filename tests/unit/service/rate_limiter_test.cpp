#include "junction/service/rate_limiter.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "support_doubles.hpp"

namespace junction::service {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A multiple of 60 s, so fixed one-minute windows start exactly here.
constexpr std::int64_t kWindowStartMillis = 1'700'000'040'000;

/// In-memory RateLimitStore with the contract of storage/store.hpp: one counter per key and
/// window start, older windows forgotten on each hit.
class FakeRateLimitStore final : public storage::RateLimitStore {
public:
    [[nodiscard]] Result<storage::WindowCounts> HitRateLimit(std::string_view key,
                                                             std::int64_t window_start_ms,
                                                             std::int64_t window_ms) override {
        ++hits_;
        last_window_start_ms_ = window_start_ms;
        last_window_ms_ = window_ms;
        if (failure_) {
            return Fail(*failure_);
        }
        auto& windows = counts_[std::string(key)];
        ++windows[window_start_ms];
        windows.erase(windows.begin(), windows.lower_bound(window_start_ms - window_ms));
        return Counts(windows, window_start_ms, window_ms);
    }

    [[nodiscard]] Result<storage::WindowCounts> PeekRateLimit(std::string_view key,
                                                              std::int64_t window_start_ms,
                                                              std::int64_t window_ms) override {
        ++peeks_;
        last_window_start_ms_ = window_start_ms;
        last_window_ms_ = window_ms;
        if (failure_) {
            return Fail(*failure_);
        }
        const auto found = counts_.find(std::string(key));
        if (found == counts_.end()) {
            return storage::WindowCounts{};
        }
        return Counts(found->second, window_start_ms, window_ms);
    }

    void FailWith(Error error) { failure_ = std::move(error); }
    [[nodiscard]] std::int64_t Stored(const std::string& key, std::int64_t window_start_ms) const {
        const auto found = counts_.find(key);
        if (found == counts_.end()) {
            return 0;
        }
        const auto window = found->second.find(window_start_ms);
        return window == found->second.end() ? 0 : window->second;
    }
    [[nodiscard]] int Hits() const { return hits_; }
    [[nodiscard]] int Peeks() const { return peeks_; }
    [[nodiscard]] std::int64_t LastWindowStartMs() const { return last_window_start_ms_; }
    [[nodiscard]] std::int64_t LastWindowMs() const { return last_window_ms_; }

private:
    static storage::WindowCounts Counts(const std::map<std::int64_t, std::int64_t>& windows,
                                        std::int64_t window_start_ms,
                                        std::int64_t window_ms) {
        storage::WindowCounts counts{};
        if (const auto current = windows.find(window_start_ms); current != windows.end()) {
            counts.current = current->second;
        }
        if (const auto previous = windows.find(window_start_ms - window_ms);
            previous != windows.end()) {
            counts.previous = previous->second;
        }
        return counts;
    }

    std::map<std::string, std::map<std::int64_t, std::int64_t>> counts_{};
    std::optional<Error> failure_{};
    int hits_ = 0;
    int peeks_ = 0;
    std::int64_t last_window_start_ms_ = -1;
    std::int64_t last_window_ms_ = -1;
};

class RateLimiterTest : public ::testing::Test {
protected:
    void At(milliseconds since_window_start) {
        clock_.Set(FromUnixMillis(kWindowStartMillis) + since_window_start);
    }

    RateDecision HitOk(std::string_view key, const RateLimitSetting& setting) {
        auto decision = limiter_.Hit(key, setting);
        EXPECT_TRUE(decision.has_value()) << decision.error().message;
        return decision.value_or(RateDecision{});
    }

    RateDecision PeekOk(std::string_view key, const RateLimitSetting& setting) {
        auto decision = limiter_.Peek(key, setting);
        EXPECT_TRUE(decision.has_value()) << decision.error().message;
        return decision.value_or(RateDecision{});
    }

    const RateLimitSetting three_per_minute_{.limit = 3, .window = seconds(60)};
    const RateLimitSetting ten_per_minute_{.limit = 10, .window = seconds(60)};
    unit::ManualClock clock_{FromUnixMillis(kWindowStartMillis)};
    FakeRateLimitStore store_;
    RateLimiter limiter_{store_, clock_};
};

// --- Failures ------------------------------------------------------------------------------

TEST_F(RateLimiterTest, StoreFailureIsPassedThrough) {
    store_.FailWith(Error{.code = ErrorCode::kUnavailable, .message = "Database unavailable"});

    const auto hit = limiter_.Hit("key", three_per_minute_);
    const auto peek = limiter_.Peek("key", three_per_minute_);

    ASSERT_FALSE(hit.has_value());
    EXPECT_EQ(hit.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(hit.error().message, "Database unavailable");
    ASSERT_FALSE(peek.has_value());
    EXPECT_EQ(peek.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(peek.error().message, "Database unavailable");
}

TEST_F(RateLimiterTest, HitUnlessBlockedCountsOnlyWhatTheGuardLetsThrough) {
    At(seconds(15));
    for (int i = 0; i < 3; ++i) {
        auto decision =
            limiter_.HitUnlessBlocked("api:k", ten_per_minute_, "authfail:ip", three_per_minute_);
        ASSERT_TRUE(decision.has_value());
        EXPECT_TRUE(decision->guard.allowed);
        ASSERT_TRUE(decision->hit.has_value());
        EXPECT_EQ(decision->hit->remaining, 10 - (i + 1));
    }
    EXPECT_EQ(store_.Stored("authfail:ip", kWindowStartMillis), 0);  // the guard only peeks
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(HitOk("authfail:ip", three_per_minute_).allowed);
    }
    auto blocked =
        limiter_.HitUnlessBlocked("api:k", ten_per_minute_, "authfail:ip", three_per_minute_);
    ASSERT_TRUE(blocked.has_value());
    EXPECT_FALSE(blocked->guard.allowed);
    EXPECT_GE(blocked->guard.retry_after_seconds, 1);
    EXPECT_FALSE(blocked->hit.has_value());
    EXPECT_EQ(store_.Stored("api:k", kWindowStartMillis), 3);  // the refused request is not counted
}

TEST_F(RateLimiterTest, RequestOverTheLimitIsDenied) {
    At(seconds(15));
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(HitOk("key", three_per_minute_).allowed) << "hit " << i;
    }

    const RateDecision denied = HitOk("key", three_per_minute_);

    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.limit, 3);
    EXPECT_EQ(denied.remaining, 0);
    EXPECT_EQ(denied.window_seconds, 60);
    EXPECT_EQ(denied.reset_seconds, 45);
    EXPECT_GE(denied.retry_after_seconds, 1);
}

TEST_F(RateLimiterTest, ZeroLimitDeniesEverything) {
    const RateLimitSetting closed{.limit = 0, .window = seconds(60)};

    const RateDecision peek = PeekOk("key", closed);
    const RateDecision hit = HitOk("key", closed);

    EXPECT_FALSE(peek.allowed);
    EXPECT_FALSE(hit.allowed);
    EXPECT_EQ(hit.remaining, 0);
    EXPECT_GE(hit.retry_after_seconds, 1);
}

TEST_F(RateLimiterTest, PeekDeniesOnceTheLimitIsUsed) {
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(HitOk("key", three_per_minute_).allowed);
    }

    const RateDecision peek = PeekOk("key", three_per_minute_);

    EXPECT_FALSE(peek.allowed);
    EXPECT_EQ(peek.remaining, 0);
    EXPECT_GE(peek.retry_after_seconds, 1);
    EXPECT_EQ(store_.Stored("key", kWindowStartMillis), 3);
}

// --- Counting ------------------------------------------------------------------------------

TEST_F(RateLimiterTest, AllowsExactlyTheLimitWithinAWindow) {
    At(seconds(10));

    const RateDecision first = HitOk("key", ten_per_minute_);
    for (int i = 2; i < 10; ++i) {
        ASSERT_TRUE(HitOk("key", ten_per_minute_).allowed) << "hit " << i;
    }
    At(seconds(59));
    const RateDecision tenth = HitOk("key", ten_per_minute_);
    const RateDecision eleventh = HitOk("key", ten_per_minute_);

    EXPECT_TRUE(first.allowed);
    EXPECT_EQ(first.remaining, 9);
    EXPECT_EQ(first.retry_after_seconds, 0);
    EXPECT_TRUE(tenth.allowed);
    EXPECT_EQ(tenth.remaining, 0);
    EXPECT_FALSE(eleventh.allowed);
}

TEST_F(RateLimiterTest, RemainingCountsDown) {
    EXPECT_EQ(HitOk("key", three_per_minute_).remaining, 2);
    EXPECT_EQ(HitOk("key", three_per_minute_).remaining, 1);
    EXPECT_EQ(HitOk("key", three_per_minute_).remaining, 0);
    EXPECT_EQ(HitOk("key", three_per_minute_).remaining, 0);  // never negative
}

TEST_F(RateLimiterTest, PeekDoesNotCount) {
    for (int i = 0; i < 10; ++i) {
        const RateDecision peek = PeekOk("key", three_per_minute_);
        ASSERT_TRUE(peek.allowed);
        ASSERT_EQ(peek.remaining, 3);
    }

    EXPECT_EQ(store_.Hits(), 0);
    EXPECT_EQ(store_.Peeks(), 10);
    EXPECT_EQ(store_.Stored("key", kWindowStartMillis), 0);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(HitOk("key", three_per_minute_).allowed) << "hit " << i;
    }
}

TEST_F(RateLimiterTest, PeekAsksWhetherOneMoreWouldPass) {
    EXPECT_TRUE(HitOk("key", three_per_minute_).allowed);
    EXPECT_TRUE(HitOk("key", three_per_minute_).allowed);

    const RateDecision peek = PeekOk("key", three_per_minute_);

    EXPECT_TRUE(peek.allowed);
    EXPECT_EQ(peek.remaining, 1);
    EXPECT_EQ(peek.limit, 3);
}

TEST_F(RateLimiterTest, KeysAreCountedSeparately) {
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(HitOk("alice", three_per_minute_).allowed);
    }

    EXPECT_FALSE(HitOk("alice", three_per_minute_).allowed);
    EXPECT_TRUE(HitOk("bob", three_per_minute_).allowed);
    EXPECT_EQ(HitOk("bob", three_per_minute_).remaining, 1);
}

TEST_F(RateLimiterTest, AsksTheStoreForTheAlignedFixedWindow) {
    At(milliseconds(15'250));

    EXPECT_TRUE(HitOk("key", three_per_minute_).allowed);

    EXPECT_EQ(store_.LastWindowStartMs(), kWindowStartMillis);
    EXPECT_EQ(store_.LastWindowMs(), 60'000);
    At(milliseconds(60'000));
    EXPECT_TRUE(PeekOk("key", three_per_minute_).allowed);
    EXPECT_EQ(store_.LastWindowStartMs(), kWindowStartMillis + 60'000);
}

// --- Sliding window ------------------------------------------------------------------------

TEST_F(RateLimiterTest, FullPreviousWindowBlocksTheStartOfTheNextOne) {
    At(seconds(59));
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(HitOk("key", ten_per_minute_).allowed);
    }

    At(seconds(60));  // previous window still weighs 100 %
    const RateDecision denied = HitOk("key", ten_per_minute_);

    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.remaining, 0);
    EXPECT_GE(denied.retry_after_seconds, 1);
    EXPECT_LE(denied.retry_after_seconds, 60);
}

TEST_F(RateLimiterTest, PreviousWindowDecaysAsTimeAdvances) {
    At(seconds(59));
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(HitOk("key", ten_per_minute_).allowed);
    }

    At(seconds(90));  // halfway through window 2: the 10 old hits weigh 5
    int allowed = 0;
    RateDecision last{};
    for (int i = 0; i < 10; ++i) {
        last = HitOk("key", ten_per_minute_);
        if (!last.allowed) {
            break;
        }
        ++allowed;
    }

    EXPECT_EQ(allowed, 5);
    EXPECT_FALSE(last.allowed);
    EXPECT_EQ(last.remaining, 0);
    EXPECT_EQ(last.reset_seconds, 30);
    EXPECT_GE(last.retry_after_seconds, 1);
    EXPECT_LE(last.retry_after_seconds, 30);
}

TEST_F(RateLimiterTest, RemainingReflectsTheWeightedPreviousWindow) {
    At(seconds(30));
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(HitOk("key", ten_per_minute_).allowed);
    }

    At(seconds(105));  // 75 % into window 2: 10 × 0.25 = 2.5, rounded up to 3 used
    const RateDecision peek = PeekOk("key", ten_per_minute_);
    const RateDecision hit = HitOk("key", ten_per_minute_);

    EXPECT_TRUE(peek.allowed);
    EXPECT_EQ(peek.remaining, 7);
    EXPECT_TRUE(hit.allowed);
    EXPECT_EQ(hit.remaining, 6);  // ceil(2.5 + 1) = 4 used
}

TEST_F(RateLimiterTest, WindowsTwoAgoAreForgotten) {
    At(seconds(59));
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(HitOk("key", ten_per_minute_).allowed);
    }

    At(seconds(120));  // window 3: window 1 no longer counts
    for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(HitOk("key", ten_per_minute_).allowed) << "hit " << i;
    }
    EXPECT_FALSE(HitOk("key", ten_per_minute_).allowed);
}

TEST_F(RateLimiterTest, DeniedClientIsAllowedAgainOnceTheOldHitsDecay) {
    At(seconds(15));
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(HitOk("key", three_per_minute_).allowed, i < 3);
    }

    At(seconds(90));  // 4 hits × 50 % = 2 used
    const RateDecision later = HitOk("key", three_per_minute_);

    EXPECT_TRUE(later.allowed);
    EXPECT_EQ(later.remaining, 0);
}

// Waiting exactly retry_after lets the next request through, and one second less does not.
TEST_F(RateLimiterTest, RetryAfterIsExactWithinTheSameWindow) {
    At(seconds(59));
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(HitOk("key", ten_per_minute_).allowed);
    }
    At(seconds(90));  // previous: 10 hits at 50 %
    int allowed = 0;
    RateDecision denied;
    for (int i = 0; i < 10 && (denied = HitOk("key", ten_per_minute_)).allowed; ++i) {
        ++allowed;
    }
    ASSERT_EQ(allowed, 5);
    ASSERT_FALSE(denied.allowed);
    // previous 10, current 6 (the denied hit counts): passes when 10·w + 6 + 1 ≤ 10, w ≤ 0.3.
    EXPECT_EQ(denied.retry_after_seconds, 12);
    At(seconds(90 + 11));
    EXPECT_FALSE(PeekOk("key", ten_per_minute_).allowed);
    At(seconds(90 + 12));
    EXPECT_TRUE(HitOk("key", ten_per_minute_).allowed);
}

TEST_F(RateLimiterTest, RetryAfterReachesIntoTheNextWindowWhenNeeded) {
    At(seconds(15));
    RateDecision denied;
    for (int i = 0; i < 4; ++i) {
        denied = HitOk("key", three_per_minute_);
    }
    ASSERT_FALSE(denied.allowed);
    // 4 hits become the previous window: 4·w + 1 ≤ 3 at w ≤ 0.5, i.e. 30 s into the next one.
    EXPECT_EQ(denied.retry_after_seconds, 45 + 30);
    At(seconds(15 + 74));
    EXPECT_FALSE(PeekOk("key", three_per_minute_).allowed);
    At(seconds(15 + 75));
    EXPECT_TRUE(HitOk("key", three_per_minute_).allowed);
}

TEST_F(RateLimiterTest, PeekRetryAfterIsExact) {
    At(seconds(59));
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(HitOk("key", ten_per_minute_).allowed);
    }
    At(seconds(90));
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(HitOk("key", ten_per_minute_).allowed);
    }
    const RateDecision peek = PeekOk("key", ten_per_minute_);
    ASSERT_FALSE(peek.allowed);
    // 10·w + 5 + 1 ≤ 10 at w ≤ 0.4: 36 s into the window, 6 s from now.
    EXPECT_EQ(peek.retry_after_seconds, 6);
    At(seconds(95));
    EXPECT_FALSE(PeekOk("key", ten_per_minute_).allowed);
    At(seconds(96));
    EXPECT_TRUE(PeekOk("key", ten_per_minute_).allowed);
}

// --- Reset ---------------------------------------------------------------------------------

TEST_F(RateLimiterTest, ResetIsTheRestOfTheFixedWindowRoundedUp) {
    EXPECT_EQ(PeekOk("key", ten_per_minute_).reset_seconds, 60);
    At(milliseconds(30'200));
    EXPECT_EQ(PeekOk("key", ten_per_minute_).reset_seconds, 30);
    At(milliseconds(59'500));
    EXPECT_EQ(PeekOk("key", ten_per_minute_).reset_seconds, 1);
    At(milliseconds(59'999));
    EXPECT_EQ(PeekOk("key", ten_per_minute_).reset_seconds, 1);
}

TEST_F(RateLimiterTest, ShortWindowsWork) {
    const RateLimitSetting two_per_second{.limit = 2, .window = seconds(1)};
    At(milliseconds(100));

    EXPECT_TRUE(HitOk("key", two_per_second).allowed);
    EXPECT_TRUE(HitOk("key", two_per_second).allowed);
    const RateDecision denied = HitOk("key", two_per_second);

    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.window_seconds, 1);
    EXPECT_EQ(denied.reset_seconds, 1);
    // 3 hits become the previous window: 3·w + 1 ≤ 2 at w ≤ 1/3, 1.567 s from now.
    EXPECT_EQ(denied.retry_after_seconds, 2);
    EXPECT_EQ(store_.LastWindowMs(), 1'000);
}

}  // namespace
}  // namespace junction::service
