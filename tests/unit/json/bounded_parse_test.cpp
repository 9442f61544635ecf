#include "junction/json/bounded_parse.hpp"

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace junction::json {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Nested(std::size_t depth, std::string_view open, std::string_view close) {
    std::string text;
    for (std::size_t i = 0; i < depth; ++i) {
        text += open;
    }
    text += "1";
    for (std::size_t i = 0; i < depth; ++i) {
        text += close;
    }
    return text;
}

std::string ArrayOf(std::size_t count, std::string_view item = "1") {
    std::string text = "[";
    for (std::size_t i = 0; i < count; ++i) {
        if (i > 0) {
            text += ",";
        }
        text += item;
    }
    text += "]";
    return text;
}

// --- Syntax errors -------------------------------------------------------------------------

TEST(ParseBoundedTest, MalformedJsonNamesLineAndColumn) {
    const auto result = ParseBounded(R"({"a":})", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kMalformedJson);
    EXPECT_THAT(result.error().message, StartsWith("Malformed JSON at line 1, column 6"));
}

TEST(ParseBoundedTest, MultiLineInputReportsTheRightLine) {
    const auto result = ParseBounded("{\n  \"a\": 1,\n  \"b\": }\n", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kMalformedJson);
    EXPECT_THAT(result.error().message, StartsWith("Malformed JSON at line 3, column 8"));
}

TEST(ParseBoundedTest, EmptyInputIsMalformed) {
    const auto result = ParseBounded("", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kMalformedJson);
    EXPECT_THAT(result.error().message, StartsWith("Malformed JSON at line 1, column 1"));
}

TEST(ParseBoundedTest, WhitespaceOnlyInputIsMalformed) {
    const auto result = ParseBounded("  \n ", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kMalformedJson);
    EXPECT_THAT(result.error().message, HasSubstr("line 2, column"));
}

TEST(ParseBoundedTest, TrailingGarbageIsMalformed) {
    const auto result = ParseBounded("{} x", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kMalformedJson);
    EXPECT_EQ(result.error().message,
              "Malformed JSON at line 1, column 4: unexpected data after the JSON value");
}

TEST(ParseBoundedTest, SecondDocumentIsTrailingGarbage) {
    const auto result = ParseBounded("{}{}", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kMalformedJson);
    EXPECT_THAT(result.error().message, HasSubstr("unexpected data after the JSON value"));
}

TEST(ParseBoundedTest, TruncatedDocumentIsMalformed) {
    const auto result = ParseBounded(R"({"a": [1, 2)", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kMalformedJson);
    EXPECT_THAT(result.error().message, StartsWith("Malformed JSON at line 1, column"));
}

TEST(ParseBoundedTest, RejectsTrailingCommasCommentsAndBareWords) {
    for (const std::string_view text : {"[1,]", R"({"a":1,})", "{/*c*/}", "[nul]", "{'a':1}"}) {
        const auto result = ParseBounded(text, {});

        ASSERT_FALSE(result.has_value()) << text;
        EXPECT_EQ(result.error().code, ErrorCode::kMalformedJson) << text;
        EXPECT_THAT(result.error().message, StartsWith("Malformed JSON at line 1, column")) << text;
    }
}

TEST(ParseBoundedTest, RejectsInvalidUtf8) {
    const auto result = ParseBounded("[\"\xff\"]", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kMalformedJson);
}

// --- Depth ---------------------------------------------------------------------------------

TEST(ParseBoundedTest, SixtyFiveNestedArraysExceedTheDepthLimit) {
    const auto result = ParseBounded(Nested(65, "[", "]"), {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message,
                StartsWith("JSON nesting exceeds 64 levels at line 1, column 65"));
}

TEST(ParseBoundedTest, SixtyFiveNestedObjectsExceedTheDepthLimit) {
    const auto result = ParseBounded(Nested(65, R"({"k":)", "}"), {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("JSON nesting exceeds 64 levels at line 1"));
}

TEST(ParseBoundedTest, SixtyFourNestedLevelsAreAccepted) {
    const auto arrays = ParseBounded(Nested(64, "[", "]"), {});
    const auto objects = ParseBounded(Nested(64, R"({"k":)", "}"), {});

    ASSERT_TRUE(arrays.has_value()) << arrays.error().message;
    ASSERT_TRUE(objects.has_value()) << objects.error().message;
    const boost::json::value* inner = &*arrays;
    std::size_t depth = 0;
    while (inner->is_array()) {
        inner = &inner->as_array().at(0);
        ++depth;
    }
    EXPECT_EQ(depth, 64U);
    EXPECT_EQ(inner->as_int64(), 1);
}

TEST(ParseBoundedTest, DepthLimitIsConfigurable) {
    const ParseLimits limits{.max_depth = 3, .max_array_items = 1000};

    const auto too_deep = ParseBounded("[[[[1]]]]", limits);
    const auto fine = ParseBounded("[[[1]]]", limits);

    ASSERT_FALSE(too_deep.has_value());
    EXPECT_EQ(too_deep.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(too_deep.error().message, StartsWith("JSON nesting exceeds 3 levels at line 1"));
    EXPECT_TRUE(fine.has_value());
}

// --- Array length --------------------------------------------------------------------------

TEST(ParseBoundedTest, ArrayOf1001ItemsIsRejected) {
    const auto result = ParseBounded(ArrayOf(1001), {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("JSON array exceeds 1000 items at line 1"));
}

TEST(ParseBoundedTest, ArrayOf1001StringsOrObjectsIsRejected) {
    const auto strings = ParseBounded(ArrayOf(1001, R"("s")"), {});
    const auto objects = ParseBounded(ArrayOf(1001, R"({"a":1})"), {});
    const auto arrays = ParseBounded(ArrayOf(1001, "[]"), {});

    ASSERT_FALSE(strings.has_value());
    EXPECT_THAT(strings.error().message, HasSubstr("1000 items"));
    ASSERT_FALSE(objects.has_value());
    EXPECT_THAT(objects.error().message, HasSubstr("1000 items"));
    ASSERT_FALSE(arrays.has_value());
    EXPECT_THAT(arrays.error().message, HasSubstr("1000 items"));
}

TEST(ParseBoundedTest, ArrayOf1000ItemsIsAccepted) {
    const auto result = ParseBounded(ArrayOf(1000), {});

    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(result->as_array().size(), 1000U);
}

TEST(ParseBoundedTest, InnerArrayOverTheLimitIsRejectedEvenWhenTheOuterIsSmall) {
    const auto result = ParseBounded(R"({"items": [)" + ArrayOf(1001) + "]}", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, HasSubstr("1000 items"));
}

TEST(ParseBoundedTest, NestedArraysAreCountedPerArray) {
    // 2 × 900 leaves: each array stays within 1000 items though the total is 1800.
    const std::string inner = ArrayOf(900);
    const auto pair = ParseBounded("[" + inner + "," + inner + "]", {});
    // 1000 arrays of 1000 items each: one million leaves, no array over the limit.
    const auto square = ParseBounded(ArrayOf(1000, ArrayOf(1000)), {});

    ASSERT_TRUE(pair.has_value()) << pair.error().message;
    ASSERT_TRUE(square.has_value()) << square.error().message;
    EXPECT_EQ(square->as_array().size(), 1000U);
    EXPECT_EQ(square->as_array().at(999).as_array().size(), 1000U);
}

TEST(ParseBoundedTest, ObjectMembersAreNotArrayItems) {
    std::string text = "{";
    for (int i = 0; i < 1500; ++i) {
        text += (i > 0 ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
    }
    text += "}";

    const auto result = ParseBounded(text, {});

    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(result->as_object().size(), 1500U);
}

TEST(ParseBoundedTest, ArrayLimitIsConfigurable) {
    const ParseLimits limits{.max_depth = 64, .max_array_items = 2};

    const auto too_long = ParseBounded("[1,2,3]", limits);

    ASSERT_FALSE(too_long.has_value());
    EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(too_long.error().message, StartsWith("JSON array exceeds 2 items at line 1"));
    EXPECT_TRUE(ParseBounded("[1,2]", limits).has_value());
}

// --- Numbers -------------------------------------------------------------------------------

// Found by tests/fuzz/json_fuzz (corpus regression-json-1e400): 1e400 read as infinity, which
// serializes as 1e99999 and cannot be parsed back.
TEST(ParseBoundedTest, NumbersBeyondDoubleRangeAreRejected) {
    for (const std::string_view text : {"1e400", "[1, -1e400]", R"({"a": 1.5e309})"}) {
        const auto result = ParseBounded(text, ParseLimits{});
        ASSERT_FALSE(result.has_value()) << text;
        EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << text;
        EXPECT_THAT(result.error().message, StartsWith("JSON number out of range")) << text;
    }
}

TEST(ParseBoundedTest, LargeFiniteAndTinyNumbersAreAccepted) {
    const auto result =
        ParseBounded("[1.7976931348623157e308, 1e-400, 18446744073709551616]", ParseLimits{});
    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(result->as_array().size(), 3U);
}

// --- Duplicate keys ------------------------------------------------------------------------

TEST(ParseBoundedTest, DuplicateTopLevelKeyIsRejectedByName) {
    const auto result = ParseBounded(R"({"a": 1, "a": 2})", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("Duplicate JSON object key 'a' at line 1"));
}

TEST(ParseBoundedTest, DuplicateNestedKeyIsRejectedByName) {
    const auto result = ParseBounded("{\"outer\": {\n\"x\": 1,\n\"x\": 2}}", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("Duplicate JSON object key 'x' at line 3"));
}

TEST(ParseBoundedTest, DuplicateKeyAfterANestedObjectIsRejected) {
    const auto result = ParseBounded(R"({"a": {"b": 1}, "a": 2})", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("Duplicate JSON object key 'a'"));
}

TEST(ParseBoundedTest, EscapedSpellingOfTheSameKeyIsADuplicate) {
    const auto result = ParseBounded(R"({"ab": 1, "\u0061b": 2})", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("Duplicate JSON object key 'ab'"));
}

TEST(ParseBoundedTest, DuplicateKeyInsideAnArrayElementIsRejected) {
    const auto result = ParseBounded(R"([{"a": 1}, {"b": 1, "b": 2}])", {});

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("Duplicate JSON object key 'b'"));
}

TEST(ParseBoundedTest, SameKeyInSiblingAndNestedObjectsIsFine) {
    const auto siblings = ParseBounded(R"([{"a": 1}, {"a": 2}])", {});
    const auto nested = ParseBounded(R"({"a": {"a": {"a": 1}}, "b": {"a": 2}})", {});

    ASSERT_TRUE(siblings.has_value()) << siblings.error().message;
    ASSERT_TRUE(nested.has_value()) << nested.error().message;
    EXPECT_EQ(siblings->as_array().at(1).as_object().at("a").as_int64(), 2);
    EXPECT_EQ(nested->as_object().at("b").as_object().at("a").as_int64(), 2);
}

TEST(ParseBoundedTest, KeysThatDifferOnlyInCaseAreDistinct) {
    const auto result = ParseBounded(R"({"a": 1, "A": 2})", {});

    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(result->as_object().size(), 2U);
}

// --- Success -------------------------------------------------------------------------------

TEST(ParseBoundedTest, ParsesAValidDocument) {
    const auto result =
        ParseBounded(R"({"name": "Zoë", "n": -3, "big": 18446744073709551615, "f": 1.5,)"
                     R"( "ok": true, "none": null, "list": [1, "two", {"three": 3}]})",
                     {});

    ASSERT_TRUE(result.has_value()) << result.error().message;
    const auto& object = result->as_object();
    EXPECT_EQ(object.at("name").as_string(), "Zoë");
    EXPECT_EQ(object.at("n").as_int64(), -3);
    EXPECT_EQ(object.at("big").as_uint64(), 18446744073709551615ULL);
    EXPECT_DOUBLE_EQ(object.at("f").as_double(), 1.5);
    EXPECT_TRUE(object.at("ok").as_bool());
    EXPECT_TRUE(object.at("none").is_null());
    EXPECT_EQ(object.at("list").as_array().at(2).as_object().at("three").as_int64(), 3);
}

TEST(ParseBoundedTest, ReadsOnlyTheGivenView) {
    constexpr std::string_view kBuffer = R"({"a": 1} trailing)";

    const auto result = ParseBounded(kBuffer.substr(0, 8), {});

    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(result->as_object().at("a").as_int64(), 1);
}

TEST(ParseBoundedTest, AcceptsScalarDocumentsAndSurroundingWhitespace) {
    const auto number = ParseBounded(" 42 \n", {});
    const auto text = ParseBounded(R"("hi")", {});
    const auto empty_object = ParseBounded("\t{}\r\n", {});

    ASSERT_TRUE(number.has_value()) << number.error().message;
    EXPECT_EQ(number->as_int64(), 42);
    ASSERT_TRUE(text.has_value());
    EXPECT_EQ(text->as_string(), "hi");
    ASSERT_TRUE(empty_object.has_value());
    EXPECT_TRUE(empty_object->as_object().empty());
}

}  // namespace
}  // namespace junction::json
