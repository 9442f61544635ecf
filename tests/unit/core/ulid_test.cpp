#include "junction/core/ulid.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "support_doubles.hpp"

namespace junction {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

TEST(UlidTest, IsTwentySixCrockfordCharacters) {
    const unit::ManualClock clock(FromUnixMillis(1'756'720'800'000));
    unit::CounterRng rng(200);

    const std::string ulid = GenerateUlid(clock, rng);

    ASSERT_EQ(ulid.size(), 26U);
    for (const char c : ulid) {
        EXPECT_NE(kCrockford.find(c), std::string_view::npos) << "unexpected '" << c << "'";
    }
}

TEST(UlidTest, NeverUsesExcludedLetters) {
    const unit::ManualClock clock(FromUnixMillis(281'474'976'710'655));  // 2^48 - 1
    unit::ConstantRng rng(0xFF);

    const std::string ulid = GenerateUlid(clock, rng);

    EXPECT_EQ(ulid.find_first_of("ILOUilou"), std::string::npos) << ulid;
}

TEST(UlidTest, EncodesTheSpecExampleTime) {
    // github.com/ulid/spec: 1469918176385 ms encodes as "01ARYZ6S41".
    const unit::ManualClock clock(FromUnixMillis(1'469'918'176'385));
    unit::ConstantRng rng(0);

    EXPECT_EQ(GenerateUlid(clock, rng),
              "01ARYZ6S41"
              "0000000000000000");
}

TEST(UlidTest, EncodesRandomnessAfterTheTime) {
    const unit::ManualClock clock(FromUnixMillis(0));
    unit::CounterRng rng(1);  // bytes 01 02 .. 0a

    EXPECT_EQ(GenerateUlid(clock, rng),
              "0000000000"
              "041061050R3GG28A");
}

TEST(UlidTest, ExtremesUseTheWholeRange) {
    const unit::ManualClock max_clock(FromUnixMillis(281'474'976'710'655));
    unit::ConstantRng ones(0xFF);

    EXPECT_EQ(GenerateUlid(max_clock, ones),
              "7ZZZZZZZZZ"
              "ZZZZZZZZZZZZZZZZ");
}

TEST(UlidTest, LaterClockGivesLexicographicallyLargerUlid) {
    unit::ManualClock clock(FromUnixMillis(1'756'720'800'000));
    unit::ConstantRng high(0xFF);
    unit::ConstantRng low(0x00);

    const std::string earlier = GenerateUlid(clock, high);  // largest random part
    clock.Advance(std::chrono::milliseconds(1));
    const std::string later = GenerateUlid(clock, low);  // smallest random part

    EXPECT_EQ(earlier.substr(0, 10), "01K42BG880");
    EXPECT_EQ(later.substr(0, 10), "01K42BG881");
    EXPECT_LT(earlier, later);
}

TEST(UlidTest, SameMillisecondDiffersByRandomness) {
    const unit::ManualClock clock(FromUnixMillis(1'756'720'800'000));
    unit::CounterRng rng(1);

    const std::string first = GenerateUlid(clock, rng);
    const std::string second = GenerateUlid(clock, rng);

    EXPECT_EQ(first.substr(0, 10), second.substr(0, 10));
    EXPECT_NE(first, second);
}

}  // namespace
}  // namespace junction
