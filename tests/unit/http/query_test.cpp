#include "junction/http/query.hpp"

#include <optional>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace junction::http {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

QueryParams Query(std::string_view text) {
    auto parsed = ParseQuery(text);
    EXPECT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
    return parsed.value_or(QueryParams{});
}

void ExpectBadPage(std::string_view query, std::string_view name, std::string_view range) {
    const auto page = ParsePage(Query(query));

    ASSERT_FALSE(page.has_value()) << query;
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument) << query;
    EXPECT_EQ(
        page.error().message,
        "Query parameter '" + std::string(name) + "' must be an integer from " + std::string(range))
        << query;
    ASSERT_EQ(page.error().fields.size(), 1U) << query;
    EXPECT_EQ(page.error().fields[0].field, name) << query;
    EXPECT_EQ(page.error().fields[0].message, "must be an integer from " + std::string(range))
        << query;
}

// --- PercentDecode -------------------------------------------------------------------------

TEST(PercentDecodeTest, RejectsBadEscapes) {
    EXPECT_EQ(PercentDecode("%zz", false), std::nullopt);
    EXPECT_EQ(PercentDecode("%g1", true), std::nullopt);
    EXPECT_EQ(PercentDecode("%1g", true), std::nullopt);
    EXPECT_EQ(PercentDecode("%4", false), std::nullopt);
    EXPECT_EQ(PercentDecode("abc%4", false), std::nullopt);
    EXPECT_EQ(PercentDecode("%", false), std::nullopt);
    EXPECT_EQ(PercentDecode("abc%", true), std::nullopt);
}

TEST(PercentDecodeTest, EscapeTruncatedByTheEndOfTheViewIsRejected) {
    // The bytes after the view are valid hex: the decoder must not read past its input.
    constexpr std::string_view kBuffer = "ab%41";

    EXPECT_EQ(PercentDecode(kBuffer.substr(0, 4), false), std::nullopt);
    EXPECT_EQ(PercentDecode(kBuffer.substr(0, 3), false), std::nullopt);
    EXPECT_EQ(PercentDecode(kBuffer, false), "abA");
}

TEST(PercentDecodeTest, DecodesEscapesInEitherCase) {
    EXPECT_EQ(PercentDecode("%41%42c", false), "ABc");
    EXPECT_EQ(PercentDecode("a%2fb%2Fc", false), "a/b/c");
    EXPECT_EQ(PercentDecode("%C3%A9", false), "é");
    EXPECT_EQ(PercentDecode("%00", false), std::string(1, '\0'));
    EXPECT_EQ(PercentDecode("%25%41", false), "%A");  // no double decoding
    EXPECT_EQ(PercentDecode("", false), "");
}

TEST(PercentDecodeTest, PlusIsASpaceOnlyWhenAsked) {
    EXPECT_EQ(PercentDecode("a+b", true), "a b");
    EXPECT_EQ(PercentDecode("a+b", false), "a+b");
    EXPECT_EQ(PercentDecode("a%2Bb", true), "a+b");
}

// --- ParseQuery ----------------------------------------------------------------------------

TEST(ParseQueryTest, BadEscapeIsInvalidArgument) {
    for (const std::string_view text : {"a=%zz", "a=%4", "%4=1", "a=1&b=%", "x%g0=1"}) {
        const auto parsed = ParseQuery(text);

        ASSERT_FALSE(parsed.has_value()) << text;
        EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << text;
        EXPECT_EQ(parsed.error().message, "Malformed percent-encoding in query string") << text;
    }
}

TEST(ParseQueryTest, EmptyQueryHasNoParameters) {
    EXPECT_THAT(Query(""), IsEmpty());
    EXPECT_THAT(Query("&&"), IsEmpty());
}

TEST(ParseQueryTest, SplitsAndDecodesPairs) {
    EXPECT_THAT(Query("a=1&b=x%20y&c=p+q"),
                ElementsAre(Pair("a", "1"), Pair("b", "x y"), Pair("c", "p q")));
}

TEST(ParseQueryTest, HandlesMissingValuesAndExtraSeparators) {
    EXPECT_THAT(Query("flag&empty=&&=v&k=a=b&"),
                ElementsAre(Pair("flag", ""), Pair("empty", ""), Pair("", "v"), Pair("k", "a=b")));
}

TEST(ParseQueryTest, DecodesNames) {
    EXPECT_THAT(Query("first+name=Ann&a%5Bb%5D=1"),
                ElementsAre(Pair("first name", "Ann"), Pair("a[b]", "1")));
}

TEST(ParseQueryTest, KeepsRepeatsInOrderAndQueryValueTakesTheFirst) {
    const QueryParams params = Query("a=1&b=2&a=3");

    EXPECT_THAT(params, ElementsAre(Pair("a", "1"), Pair("b", "2"), Pair("a", "3")));
    EXPECT_EQ(QueryValue(params, "a"), "1");
    EXPECT_EQ(QueryValue(params, "b"), "2");
    EXPECT_EQ(QueryValue(params, "c"), std::nullopt);
    EXPECT_EQ(QueryValue(params, "A"), std::nullopt);
}

// --- ParsePage -----------------------------------------------------------------------------

TEST(ParsePageTest, LimitOutsideOneToThousandIsRejected) {
    ExpectBadPage("limit=0", "limit", "1 to 1000");
    ExpectBadPage("limit=1001", "limit", "1 to 1000");
    ExpectBadPage("limit=-1", "limit", "1 to 1000");
}

TEST(ParsePageTest, NonIntegerLimitIsRejected) {
    for (const std::string_view query : {"limit=abc",
                                         "limit=",
                                         "limit=10abc",
                                         "limit=+5",
                                         "limit=%2010",
                                         "limit=1e3",
                                         "limit=1.0",
                                         "limit=99999999999999999999999"}) {
        ExpectBadPage(query, "limit", "1 to 1000");
    }
}

TEST(ParsePageTest, BadOffsetIsRejected) {
    for (const std::string_view query : {"offset=-1",
                                         "offset=x",
                                         "offset=",
                                         "offset=99999999999999999999999",
                                         "offset=9007199254740993"}) {
        ExpectBadPage(query, "offset", "0 to 9007199254740992");
    }
}

TEST(ParsePageTest, LimitIsCheckedBeforeOffset) {
    ExpectBadPage("offset=-1&limit=0", "limit", "1 to 1000");
}

TEST(ParsePageTest, DefaultsToThousandFromZero) {
    const auto page = ParsePage(Query(""));

    ASSERT_TRUE(page.has_value()) << page.error().message;
    EXPECT_EQ(page->limit, 1000U);
    EXPECT_EQ(page->offset, 0U);
}

TEST(ParsePageTest, ReadsBothBounds) {
    const auto smallest = ParsePage(Query("limit=1&offset=0"));
    const auto largest = ParsePage(Query("limit=1000&offset=9007199254740992"));
    const auto typical = ParsePage(Query("offset=40&limit=20&other=x"));

    ASSERT_TRUE(smallest.has_value());
    EXPECT_EQ(smallest->limit, 1U);
    ASSERT_TRUE(largest.has_value());
    EXPECT_EQ(largest->limit, 1000U);
    EXPECT_EQ(largest->offset, 9'007'199'254'740'992U);
    ASSERT_TRUE(typical.has_value());
    EXPECT_EQ(typical->limit, 20U);
    EXPECT_EQ(typical->offset, 40U);
}

}  // namespace
}  // namespace junction::http
