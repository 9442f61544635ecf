#include "junction/core/clock.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include <gtest/gtest.h>

#include "support_doubles.hpp"

namespace junction {
namespace {

using std::chrono::milliseconds;

// 2025-09-01T10:00:00Z
constexpr std::int64_t kSeptemberFirstMillis = 1'756'720'800'000;

TEST(FormatTimestampTest, EpochIsAllZerosWithMillisecondsAndZ) {
    EXPECT_EQ(FormatTimestamp(FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
}

TEST(FormatTimestampTest, KeepsMillisecondPrecision) {
    EXPECT_EQ(FormatTimestamp(FromUnixMillis(kSeptemberFirstMillis)), "2025-09-01T10:00:00.000Z");
    EXPECT_EQ(FormatTimestamp(FromUnixMillis(kSeptemberFirstMillis + 7)),
              "2025-09-01T10:00:00.007Z");
    EXPECT_EQ(FormatTimestamp(FromUnixMillis(kSeptemberFirstMillis + 123)),
              "2025-09-01T10:00:00.123Z");
    EXPECT_EQ(FormatTimestamp(FromUnixMillis(kSeptemberFirstMillis + 3'723'999)),
              "2025-09-01T11:02:03.999Z");
}

TEST(FormatTimestampTest, LeapDay) {
    // 2024-02-29T23:59:59.999Z, then one millisecond later is March 1st.
    constexpr std::int64_t kLeapDayLast = 1'709'251'199'999;

    EXPECT_EQ(FormatTimestamp(FromUnixMillis(kLeapDayLast)), "2024-02-29T23:59:59.999Z");
    EXPECT_EQ(FormatTimestamp(FromUnixMillis(kLeapDayLast + 1)), "2024-03-01T00:00:00.000Z");
}

TEST(FormatTimestampTest, CenturyLeapYear) {
    // 2000-03-01T00:00:00Z minus one day is 2000-02-29 (divisible by 400).
    constexpr std::int64_t kMarchFirst2000 = 951'868'800'000;

    EXPECT_EQ(FormatTimestamp(FromUnixMillis(kMarchFirst2000 - 86'400'000)),
              "2000-02-29T00:00:00.000Z");
}

TEST(FormatTimestampTest, BeforeTheEpochFloorsToThePreviousDay) {
    EXPECT_EQ(FormatTimestamp(FromUnixMillis(-1)), "1969-12-31T23:59:59.999Z");
}

TEST(UnixMillisTest, RoundTrips) {
    EXPECT_EQ(ToUnixMillis(FromUnixMillis(kSeptemberFirstMillis)), kSeptemberFirstMillis);
    EXPECT_EQ(ToUnixMillis(FromUnixMillis(-5)), -5);
    EXPECT_EQ(ToUnixMillis(TimePoint{}), 0);
}

TEST(ParseTimestampTest, RejectsEmptyAndTruncatedInput) {
    EXPECT_EQ(ParseTimestamp(""), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00"), std::nullopt);  // no zone
}

TEST(ParseTimestampTest, RejectsBadSyntax) {
    EXPECT_EQ(ParseTimestamp("2025-9-01T10:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025/09/01T10:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01X10:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00.Z"), std::nullopt);  // empty fraction
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00ZZ"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00Z "), std::nullopt);
    EXPECT_EQ(ParseTimestamp(" 2025-09-01T10:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00+0200"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00+02"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01T1a:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("+025-09-01T10:00:00Z"), std::nullopt);
}

TEST(ParseTimestampTest, ReadsOnlyTheGivenView) {
    constexpr std::string_view kBuffer = "2025-09-01T10:00:00.5Z";

    EXPECT_EQ(ParseTimestamp(kBuffer.substr(0, 19)), std::nullopt);  // zone cut off
    EXPECT_EQ(ParseTimestamp(kBuffer.substr(0, 20)), std::nullopt);  // empty fraction
    EXPECT_EQ(ParseTimestamp(kBuffer.substr(0, 21)), std::nullopt);  // fraction, no zone
    EXPECT_EQ(ParseTimestamp(kBuffer), FromUnixMillis(kSeptemberFirstMillis + 500));
}

TEST(ParseTimestampTest, RejectsOutOfRangeFields) {
    EXPECT_EQ(ParseTimestamp("2025-13-01T10:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-00-01T10:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-00T10:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-31T10:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-02-29T10:00:00Z"), std::nullopt);  // not a leap year
    EXPECT_EQ(ParseTimestamp("2025-09-01T24:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:60:00Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:61Z"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00+24:00"), std::nullopt);
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00+02:60"), std::nullopt);
}

TEST(ParseTimestampTest, ParsesZulu) {
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00Z"), FromUnixMillis(kSeptemberFirstMillis));
    EXPECT_EQ(ParseTimestamp("2025-09-01t10:00:00z"), FromUnixMillis(kSeptemberFirstMillis));
    EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:00Z"), FromUnixMillis(0));
}

TEST(ParseTimestampTest, AppliesNumericOffsets) {
    EXPECT_EQ(ParseTimestamp("2025-09-01T12:00:00+02:00"), FromUnixMillis(kSeptemberFirstMillis));
    EXPECT_EQ(ParseTimestamp("2025-09-01T04:30:00-05:30"), FromUnixMillis(kSeptemberFirstMillis));
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00+00:00"), FromUnixMillis(kSeptemberFirstMillis));
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00-00:00"), FromUnixMillis(kSeptemberFirstMillis));
    // An offset that moves the instant into the previous day.
    EXPECT_EQ(ParseTimestamp("2025-09-02T01:00:00+15:00"), FromUnixMillis(kSeptemberFirstMillis));
}

TEST(ParseTimestampTest, ReadsFractionsToMilliseconds) {
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00.5Z"),
              FromUnixMillis(kSeptemberFirstMillis + 500));
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00.05Z"),
              FromUnixMillis(kSeptemberFirstMillis + 50));
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00.123Z"),
              FromUnixMillis(kSeptemberFirstMillis + 123));
    // Digits past milliseconds are truncated, not rounded.
    EXPECT_EQ(ParseTimestamp("2025-09-01T10:00:00.123999999Z"),
              FromUnixMillis(kSeptemberFirstMillis + 123));
    EXPECT_EQ(ParseTimestamp("2025-09-01T12:00:00.250+02:00"),
              FromUnixMillis(kSeptemberFirstMillis + 250));
}

TEST(ParseTimestampTest, ParsesLeapDay) {
    EXPECT_EQ(ParseTimestamp("2024-02-29T23:59:59.999Z"), FromUnixMillis(1'709'251'199'999));
}

TEST(ParseTimestampTest, RoundTripsWithFormatTimestamp) {
    for (const std::int64_t millis : {std::int64_t{0},
                                      std::int64_t{1},
                                      std::int64_t{999},
                                      kSeptemberFirstMillis + 123,
                                      std::int64_t{1'709'251'199'999},
                                      std::int64_t{4'102'444'799'999}}) {
        const TimePoint time = FromUnixMillis(millis);

        const std::optional<TimePoint> parsed = ParseTimestamp(FormatTimestamp(time));

        ASSERT_TRUE(parsed.has_value()) << FormatTimestamp(time);
        EXPECT_EQ(*parsed, time) << FormatTimestamp(time);
    }
}

TEST(ParseTimestampTest, FormatOfParsedOffsetTimeIsUtc) {
    const std::optional<TimePoint> parsed = ParseTimestamp("2025-09-01T12:00:00.042+02:00");

    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(FormatTimestamp(*parsed), "2025-09-01T10:00:00.042Z");
}

TEST(SystemClockTest, NowIsBetweenTwoReadingsOfTheSystemClock) {
    const SystemClock clock;
    const auto before =
        std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());

    const TimePoint now = clock.Now();

    const auto after = std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
    EXPECT_LE(before, now);
    EXPECT_LE(now, after);
}

TEST(ManualClockTest, AdvancesOnlyWhenTold) {
    unit::ManualClock clock(FromUnixMillis(1'000));

    EXPECT_EQ(ToUnixMillis(clock.Now()), 1'000);
    clock.Advance(milliseconds(250));
    EXPECT_EQ(ToUnixMillis(clock.Now()), 1'250);
}

}  // namespace
}  // namespace junction
