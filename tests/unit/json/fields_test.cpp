#include "junction/json/fields.hpp"

#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

namespace junction::json {
namespace {

boost::json::object Object(std::string_view text) {
    return boost::json::parse(text).as_object();
}

std::string Repeat(std::string_view unit, std::size_t times) {
    std::string out;
    for (std::size_t i = 0; i < times; ++i) {
        out += unit;
    }
    return out;
}

const StringRule kDefaultRule{};

// --- RequiredString / OptionalString -------------------------------------------------------

TEST(FieldReaderTest, MissingRequiredFieldIsReported) {
    const auto object = Object(R"({"other": "x"})");
    FieldReader reader(object);

    const std::optional<std::string> value = reader.RequiredString("username", kDefaultRule);

    EXPECT_EQ(value, std::nullopt);
    EXPECT_FALSE(reader.Ok());
    const Error error = reader.ToError();
    ASSERT_EQ(error.fields.size(), 1U);
    EXPECT_EQ(error.fields[0].field, "username");
    EXPECT_EQ(error.fields[0].message, "is required");
}

TEST(FieldReaderTest, WrongTypeIsReported) {
    for (const std::string_view text : {R"({"username": 5})",
                                        R"({"username": null})",
                                        R"({"username": ["a"]})",
                                        R"({"username": {"a": 1}})",
                                        R"({"username": true})"}) {
        const auto object = Object(text);
        FieldReader reader(object);

        EXPECT_EQ(reader.RequiredString("username", kDefaultRule), std::nullopt) << text;

        const Error error = reader.ToError();
        ASSERT_EQ(error.fields.size(), 1U) << text;
        EXPECT_EQ(error.fields[0].field, "username");
        EXPECT_EQ(error.fields[0].message, "must be a string");
    }
}

TEST(FieldReaderTest, OptionalStringWithWrongTypeIsReported) {
    const auto object = Object(R"({"nickname": 1})");
    FieldReader reader(object);

    EXPECT_EQ(reader.OptionalString("nickname", kDefaultRule), std::nullopt);

    ASSERT_EQ(reader.ToError().fields.size(), 1U);
    EXPECT_EQ(reader.ToError().fields[0].message, "must be a string");
}

TEST(FieldReaderTest, TooLongIsReportedWithTheLimit) {
    const auto object = Object(R"({"name": ")" + std::string(256, 'a') + R"("})");
    FieldReader reader(object);

    EXPECT_EQ(reader.RequiredString("name", kDefaultRule), std::nullopt);

    ASSERT_EQ(reader.ToError().fields.size(), 1U);
    EXPECT_EQ(reader.ToError().fields[0].field, "name");
    EXPECT_EQ(reader.ToError().fields[0].message, "must be at most 255 characters");
}

TEST(FieldReaderTest, LengthIsCountedInCodePointsNotBytes) {
    const auto at_limit = Object(R"({"name": ")" + Repeat("é", 255) + R"("})");  // 510 bytes
    const auto over_limit = Object(R"({"name": ")" + Repeat("é", 256) + R"("})");
    FieldReader accepting(at_limit);
    FieldReader rejecting(over_limit);

    const auto accepted = accepting.RequiredString("name", kDefaultRule);
    const auto rejected = rejecting.RequiredString("name", kDefaultRule);

    ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(accepted->size(), 510U);
    EXPECT_TRUE(accepting.Ok());
    EXPECT_EQ(rejected, std::nullopt);
    ASSERT_EQ(rejecting.ToError().fields.size(), 1U);
    EXPECT_EQ(rejecting.ToError().fields[0].message, "must be at most 255 characters");
}

TEST(FieldReaderTest, FourByteCharactersCountOnce) {
    const StringRule rule{.min_length = 0, .max_length = 3, .trimmed = false};
    const auto three = Object(R"({"e": "😀😀😀"})");
    const auto four = Object(R"({"e": "😀😀😀😀"})");
    FieldReader accepting(three);
    FieldReader rejecting(four);

    EXPECT_EQ(accepting.RequiredString("e", rule), "😀😀😀");
    EXPECT_EQ(rejecting.RequiredString("e", rule), std::nullopt);
    EXPECT_EQ(rejecting.ToError().fields.at(0).message, "must be at most 3 characters");
}

TEST(FieldReaderTest, EmptyStringBreaksMinimumLengthOne) {
    const StringRule rule{.min_length = 1, .max_length = 255, .trimmed = false};
    const auto object = Object(R"({"name": ""})");
    FieldReader reader(object);

    EXPECT_EQ(reader.RequiredString("name", rule), std::nullopt);

    ASSERT_EQ(reader.ToError().fields.size(), 1U);
    EXPECT_EQ(reader.ToError().fields[0].message, "must not be empty");
}

TEST(FieldReaderTest, ShortStringBreaksLargerMinimum) {
    const StringRule rule{.min_length = 3, .max_length = 255, .trimmed = false};
    const auto object = Object(R"({"name": "éé"})");
    FieldReader reader(object);

    EXPECT_EQ(reader.RequiredString("name", rule), std::nullopt);

    ASSERT_EQ(reader.ToError().fields.size(), 1U);
    EXPECT_EQ(reader.ToError().fields[0].message, "must be at least 3 characters");
}

TEST(FieldReaderTest, TrimmedRuleRejectsSurroundingWhitespace) {
    const StringRule rule{.min_length = 1, .max_length = 255, .trimmed = true};
    for (const std::string_view text : {R"({"name": " bob"})",
                                        R"({"name": "bob "})",
                                        R"({"name": "bob\t"})",
                                        R"({"name": "\nbob"})",
                                        R"({"name": " "})"}) {
        const auto object = Object(text);
        FieldReader reader(object);

        EXPECT_EQ(reader.RequiredString("name", rule), std::nullopt) << text;

        ASSERT_EQ(reader.ToError().fields.size(), 1U) << text;
        EXPECT_EQ(reader.ToError().fields[0].message, "must not start or end with whitespace")
            << text;
    }
}

TEST(FieldReaderTest, TrimmedRuleAllowsInnerWhitespace) {
    const StringRule rule{.min_length = 1, .max_length = 255, .trimmed = true};
    const auto object = Object(R"({"name": "Bob de Vries"})");
    FieldReader reader(object);

    EXPECT_EQ(reader.RequiredString("name", rule), "Bob de Vries");
    EXPECT_TRUE(reader.Ok());
}

TEST(FieldReaderTest, UntrimmedRuleKeepsWhitespace) {
    const auto object = Object(R"({"name": " bob "})");
    FieldReader reader(object);

    EXPECT_EQ(reader.RequiredString("name", kDefaultRule), " bob ");
    EXPECT_TRUE(reader.Ok());
}

TEST(FieldReaderTest, AbsentOptionalStringIsNotAnError) {
    const auto object = Object(R"({})");
    FieldReader reader(object);

    EXPECT_EQ(reader.OptionalString("nickname", kDefaultRule), std::nullopt);
    EXPECT_TRUE(reader.Ok());
    EXPECT_TRUE(reader.ToError().fields.empty());
}

TEST(FieldReaderTest, ReadsValidStrings) {
    const auto object = Object(R"({"username": "alice", "nickname": "", "extra": 1})");
    FieldReader reader(object);

    EXPECT_EQ(reader.RequiredString("username", kDefaultRule), "alice");
    EXPECT_EQ(reader.OptionalString("nickname", kDefaultRule), "");
    EXPECT_TRUE(reader.Ok());
}

// --- OptionalEnum --------------------------------------------------------------------------

TEST(FieldReaderTest, EnumValueOutsideTheAllowedSetIsReported) {
    const auto object = Object(R"({"role": "root"})");
    FieldReader reader(object);

    EXPECT_EQ(reader.OptionalEnum("role", {"admin", "member"}), std::nullopt);

    ASSERT_EQ(reader.ToError().fields.size(), 1U);
    EXPECT_EQ(reader.ToError().fields[0].field, "role");
    EXPECT_EQ(reader.ToError().fields[0].message, "must be one of: admin member");
}

TEST(FieldReaderTest, EnumIsCaseSensitive) {
    const auto object = Object(R"({"role": "Admin"})");
    FieldReader reader(object);

    EXPECT_EQ(reader.OptionalEnum("role", {"admin", "member"}), std::nullopt);
    EXPECT_FALSE(reader.Ok());
}

TEST(FieldReaderTest, EnumOfWrongTypeIsReported) {
    const auto object = Object(R"({"role": 1})");
    FieldReader reader(object);

    EXPECT_EQ(reader.OptionalEnum("role", {"admin", "member"}), std::nullopt);

    ASSERT_EQ(reader.ToError().fields.size(), 1U);
    EXPECT_EQ(reader.ToError().fields[0].message, "must be one of: admin member");
}

TEST(FieldReaderTest, EnumAbsentOrAllowed) {
    const auto absent = Object(R"({})");
    const auto present = Object(R"({"role": "member"})");
    FieldReader absent_reader(absent);
    FieldReader present_reader(present);

    EXPECT_EQ(absent_reader.OptionalEnum("role", {"admin", "member"}), std::nullopt);
    EXPECT_EQ(present_reader.OptionalEnum("role", {"admin", "member"}), "member");
    EXPECT_TRUE(absent_reader.Ok());
    EXPECT_TRUE(present_reader.Ok());
}

// --- Collecting errors ---------------------------------------------------------------------

TEST(FieldReaderTest, CollectsEveryProblemInOrder) {
    const auto object = Object(R"({"username": 7, "role": "x"})");
    FieldReader reader(object);

    EXPECT_EQ(reader.RequiredString("username", kDefaultRule), std::nullopt);
    EXPECT_EQ(reader.RequiredString("email", kDefaultRule), std::nullopt);
    EXPECT_EQ(reader.OptionalEnum("role", {"admin"}), std::nullopt);
    reader.AddError("password", "is too weak");

    const Error error = reader.ToError();
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(error.message, "Request body is invalid");
    ASSERT_EQ(error.fields.size(), 4U);
    EXPECT_EQ(error.fields[0].field, "username");
    EXPECT_EQ(error.fields[0].message, "must be a string");
    EXPECT_EQ(error.fields[1].field, "email");
    EXPECT_EQ(error.fields[1].message, "is required");
    EXPECT_EQ(error.fields[2].field, "role");
    EXPECT_EQ(error.fields[2].message, "must be one of: admin");
    EXPECT_EQ(error.fields[3].field, "password");
    EXPECT_EQ(error.fields[3].message, "is too weak");
}

TEST(FieldReaderTest, AddErrorAloneMakesTheReaderFail) {
    const auto object = Object(R"({})");
    FieldReader reader(object);
    ASSERT_TRUE(reader.Ok());

    reader.AddError("a.b", "is wrong");

    EXPECT_FALSE(reader.Ok());
    ASSERT_EQ(reader.ToError().fields.size(), 1U);
    EXPECT_EQ(reader.ToError().fields[0].field, "a.b");
}

// --- RequireObject -------------------------------------------------------------------------

TEST(RequireObjectTest, RejectsEveryNonObject) {
    for (const std::string_view text : {"[]", "null", "1", R"("x")", "true"}) {
        const boost::json::value body = boost::json::parse(text);

        const auto result = RequireObject(body);

        ASSERT_FALSE(result.has_value()) << text;
        EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(result.error().message, "Request body must be a JSON object");
    }
}

TEST(RequireObjectTest, ReturnsTheObjectItself) {
    const boost::json::value body = boost::json::parse(R"({"a": 1})");

    const auto result = RequireObject(body);

    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, &body.as_object());
}

}  // namespace
}  // namespace junction::json
