#include "junction/core/ascii.hpp"

#include <gtest/gtest.h>

namespace junction {
namespace {

TEST(AsciiTest, LowercasesOnlyAsciiLetters) {
    EXPECT_EQ(AsciiLowercase("Content-Type: X-AbC_09"), "content-type: x-abc_09");
    // Bytes of a UTF-8 sequence pass through unchanged whatever the locale.
    EXPECT_EQ(AsciiLowercase("\xC3\x84Z"), "\xC3\x84z");
    EXPECT_EQ(AsciiLower('@'), '@');
    EXPECT_EQ(AsciiLower('['), '[');
}

TEST(AsciiTest, ComparesIgnoringAsciiCase) {
    EXPECT_TRUE(AsciiIEquals("Authorization", "authorization"));
    EXPECT_FALSE(AsciiIEquals("Authorization", "authorizatio"));
    EXPECT_FALSE(AsciiIEquals("a@", "a`"));  // '@' and '`' are 0x20 apart but not letters
    EXPECT_TRUE(AsciiIStartsWith("HTTP://host", "http:"));
    EXPECT_FALSE(AsciiIStartsWith("htt", "http:"));
}

}  // namespace
}  // namespace junction
