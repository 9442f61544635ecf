#include "junction/core/ids.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

#include "support_doubles.hpp"

namespace junction {
namespace {

// 2025-09-01T10:00:00Z = 0x68b56ea0 seconds.
constexpr std::int64_t kSeptemberFirstMillis = 1'756'720'800'000;

TEST(IsObjectIdTest, RejectsWrongLengths) {
    EXPECT_FALSE(IsObjectId(""));
    EXPECT_FALSE(IsObjectId("68b56ea00102030405060"));      // 21
    EXPECT_FALSE(IsObjectId("68b56ea0010203040506070"));    // 23
    EXPECT_FALSE(IsObjectId("68b56ea001020304050607080"));  // 25
}

TEST(IsObjectIdTest, RejectsNonLowercaseHex) {
    EXPECT_FALSE(IsObjectId("68B56EA00102030405060708"));
    EXPECT_FALSE(IsObjectId("68b56ea0010203040506070g"));
    EXPECT_FALSE(IsObjectId("68b56ea0-102030405060708"));
    EXPECT_FALSE(IsObjectId("68b56ea0 102030405060708"));
    EXPECT_FALSE(
        IsObjectId(std::string_view("68b56ea0\0"
                                    "102030405060708",
                                    24)));
}

TEST(IsObjectIdTest, AcceptsTwentyFourLowercaseHex) {
    EXPECT_TRUE(IsObjectId("68b56ea00102030405060708"));
    EXPECT_TRUE(IsObjectId("000000000000000000000000"));
    EXPECT_TRUE(IsObjectId("abcdefabcdef0123456789ff"));
}

TEST(ToHexTest, EncodesBytesAsLowercaseHex) {
    EXPECT_EQ(ToHex(""), "");
    EXPECT_EQ(ToHex("abc"), "616263");
    EXPECT_EQ(ToHex(std::string_view("\x00\xff\x10\x9a", 4)), "00ff109a");
}

TEST(ObjectIdGeneratorTest, LaysOutSecondsRandomAndCounter) {
    const unit::ManualClock clock(FromUnixMillis(kSeptemberFirstMillis + 999));
    unit::CounterRng rng(1);  // process bytes 01..05, counter starts at 0x060708
    ObjectIdGenerator generator(clock, rng);

    const std::string id = generator.Next();

    EXPECT_EQ(id,
              "68b56ea0"
              "0102030405"
              "060708");
    EXPECT_TRUE(IsObjectId(id));
}

TEST(ObjectIdGeneratorTest, CounterIncrementsAndRandomPartStaysFixed) {
    const unit::ManualClock clock(FromUnixMillis(kSeptemberFirstMillis));
    unit::CounterRng rng(1);
    ObjectIdGenerator generator(clock, rng);

    const std::string first = generator.Next();
    const std::string second = generator.Next();
    const std::string third = generator.Next();

    EXPECT_EQ(first, "68b56ea00102030405060708");
    EXPECT_EQ(second, "68b56ea00102030405060709");
    EXPECT_EQ(third, "68b56ea0010203040506070a");
}

TEST(ObjectIdGeneratorTest, CounterWrapsAtTwentyFourBits) {
    const unit::ManualClock clock(FromUnixMillis(kSeptemberFirstMillis));
    unit::ScriptedRng rng({0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0xff, 0xff});
    ObjectIdGenerator generator(clock, rng);

    EXPECT_EQ(generator.Next(), "68b56ea0aabbccddeeffffff");
    EXPECT_EQ(generator.Next(), "68b56ea0aabbccddee000000");
}

TEST(ObjectIdGeneratorTest, FirstEightHexAreSecondsFromTheInjectedClock) {
    unit::ManualClock clock(FromUnixMillis(0));
    unit::CounterRng rng(1);
    ObjectIdGenerator generator(clock, rng);

    EXPECT_EQ(generator.Next().substr(0, 8), "00000000");
    clock.Set(FromUnixMillis(kSeptemberFirstMillis));
    EXPECT_EQ(generator.Next().substr(0, 8), "68b56ea0");
    clock.Advance(std::chrono::milliseconds(1'500));
    EXPECT_EQ(generator.Next().substr(0, 8), "68b56ea1");
}

TEST(ObjectIdGeneratorTest, TenThousandIdsInOneSecondAreUniqueAndWellFormed) {
    const unit::ManualClock clock(FromUnixMillis(kSeptemberFirstMillis));
    unit::CounterRng rng(7);
    ObjectIdGenerator generator(clock, rng);
    std::unordered_set<std::string> seen;

    for (int i = 0; i < 10'000; ++i) {
        const std::string id = generator.Next();
        ASSERT_TRUE(IsObjectId(id)) << id;
        ASSERT_TRUE(seen.insert(id).second) << "duplicate " << id;
    }

    EXPECT_EQ(seen.size(), 10'000U);
}

TEST(ObjectIdGeneratorTest, TwoGeneratorsWithDifferentRandomnessDiffer) {
    const unit::ManualClock clock(FromUnixMillis(kSeptemberFirstMillis));
    unit::CounterRng first_rng(1);
    unit::CounterRng second_rng(100);
    ObjectIdGenerator first(clock, first_rng);
    ObjectIdGenerator second(clock, second_rng);

    EXPECT_NE(first.Next().substr(8, 10), second.Next().substr(8, 10));
}

}  // namespace
}  // namespace junction
