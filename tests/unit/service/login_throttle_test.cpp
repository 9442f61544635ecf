#include "junction/service/login_throttle.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "junction/storage/memory_rate_limit_store.hpp"
#include "support_doubles.hpp"

namespace junction::service {
namespace {

// A multiple of 60 s, so the one-minute window starts exactly here.
constexpr std::int64_t kWindowStartMillis = 1'700'000'040'000;

class LoginThrottleTest : public ::testing::Test {
protected:
    std::optional<RateDecision> Fail(const std::string& ip, const std::string& key) {
        return throttle_.OnFailure(ip, "Bearer " + key);
    }

    unit::ManualClock clock_{FromUnixMillis(kWindowStartMillis)};
    storage::MemoryRateLimitStore store_;
    RateLimiter limiter_{store_, clock_};
    RateLimitSetting three_per_minute_{.limit = 3, .window = std::chrono::seconds(60)};
    LoginThrottle throttle_{limiter_, three_per_minute_};
};

TEST_F(LoginThrottleTest, TheAddressBudgetRefusesOnlyOnceSpent) {
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(Fail("10.0.0.1", "jk_prefix" + std::to_string(i) + "AAAAAAAAAAAAAAAA")) << i;
    }
    const auto spent = Fail("10.0.0.1", "jk_prefix9AAAAAAAAAAAAAAAA");
    ASSERT_TRUE(spent.has_value());
    EXPECT_FALSE(spent->allowed);
    EXPECT_EQ(spent->limit, 3);
    EXPECT_GE(spent->retry_after_seconds, 1);
    EXPECT_FALSE(throttle_.OnFailure("10.0.0.2", std::nullopt));  // another address
}

TEST_F(LoginThrottleTest, ThePrefixBudgetSpansAddresses) {
    EXPECT_FALSE(Fail("10.0.0.1", "jk_samepfxAAAAAAAAAAAAAAAAAA1"));
    EXPECT_FALSE(Fail("10.0.0.2", "jk_samepfxAAAAAAAAAAAAAAAAAA2"));
    EXPECT_FALSE(Fail("10.0.0.3", "jk_samepfxAAAAAAAAAAAAAAAAAA3"));
    EXPECT_TRUE(Fail("10.0.0.4", "jk_samepfxAAAAAAAAAAAAAAAAAA4"));
    EXPECT_FALSE(Fail("10.0.0.4", "jk_otherpfAAAAAAAAAAAAAAAAAA4"));
}

TEST_F(LoginThrottleTest, RefusedAttemptsAreNotCountedSoTheBudgetRefills) {
    for (int i = 0; i < 3; ++i) {
        ASSERT_FALSE(throttle_.OnFailure("10.0.0.1", std::nullopt));
    }
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(throttle_.OnFailure("10.0.0.1", std::nullopt));
    }
    // Two windows later the three failures have slid out; the ten refusals left nothing behind.
    clock_.Advance(std::chrono::seconds(120));
    EXPECT_FALSE(throttle_.OnFailure("10.0.0.1", std::nullopt));
}

TEST_F(LoginThrottleTest, OnlyApiKeyShapedBearerValuesHaveAPrefixBudget) {
    EXPECT_EQ(LoginThrottle::PrefixKey("Bearer jk_abcdefghXXXXXXXXXXXXXXXX"),
              "authfail:key:abcdefgh");
    EXPECT_EQ(LoginThrottle::PrefixKey("bearer   jk_abcdefghXXXXXXXXXXXXXXXX"),
              "authfail:key:abcdefgh");
    EXPECT_EQ(LoginThrottle::PrefixKey("Bearer bootstrapkey-without-marker"),
              "authfail:key:bootstra");
    EXPECT_EQ(LoginThrottle::PrefixKey(std::nullopt), std::nullopt);
    EXPECT_EQ(LoginThrottle::PrefixKey("Basic abcdefghijklmnop"), std::nullopt);
    EXPECT_EQ(LoginThrottle::PrefixKey("Bearer jk_short"), std::nullopt);
    EXPECT_EQ(LoginThrottle::PrefixKey("Bearer jk_abcdefgh:with/odd+chars"), std::nullopt);
    EXPECT_EQ(LoginThrottle::PrefixKey("Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln"), std::nullopt);
}

}  // namespace
}  // namespace junction::service
