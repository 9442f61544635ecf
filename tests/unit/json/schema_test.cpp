#include "junction/json/schema.hpp"

#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace junction::json {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr std::string_view kUserSchema = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["user"],
  "properties": {
    "user": {"$ref": "#/definitions/user"},
    "tags": {"type": "array", "items": {"type": "string"}}
  },
  "definitions": {
    "user": {
      "type": "object",
      "required": ["name"],
      "properties": {
        "name": {"type": "string", "maxLength": 5, "pattern": "^[a-z]+$"},
        "age": {"type": "integer"}
      }
    }
  }
})";

SchemaValidator CompileUserSchema() {
    auto compiled = SchemaValidator::Compile(boost::json::parse(kUserSchema));
    EXPECT_TRUE(compiled.has_value()) << compiled.error().message;
    return std::move(*compiled);
}

std::vector<FieldError> Validate(const SchemaValidator& validator, std::string_view document) {
    return validator.Validate(boost::json::parse(document));
}

auto ErrorAt(std::string_view field, std::string_view message_part) {
    return AllOf(Field(&FieldError::field, std::string(field)),
                 Field(&FieldError::message, HasSubstr(std::string(message_part))));
}

// --- Invalid schemas -----------------------------------------------------------------------

TEST(SchemaValidatorTest, UnknownTypeNameIsAnInvalidSchema) {
    const auto result = SchemaValidator::Compile(boost::json::parse(R"({"type": "notatype"})"));

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("Invalid JSON Schema: "));
    EXPECT_THAT(result.error().message, HasSubstr("notatype"));
}

TEST(SchemaValidatorTest, MalformedKeywordValuesAreInvalidSchemas) {
    for (const std::string_view text : {R"({"type": 5})",
                                        R"({"maxLength": -1})",
                                        R"({"required": "name"})",
                                        R"({"properties": 5})",
                                        "5"}) {
        const auto result = SchemaValidator::Compile(boost::json::parse(text));

        ASSERT_FALSE(result.has_value()) << text;
        EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << text;
        EXPECT_THAT(result.error().message, StartsWith("Invalid JSON Schema: ")) << text;
    }
}

TEST(SchemaValidatorTest, DanglingRefIsAnInvalidSchema) {
    const auto result = SchemaValidator::Compile(boost::json::parse(
        R"({"properties": {"a": {"$ref": "#/definitions/missing"}}, "definitions": {}})"));

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("Invalid JSON Schema: "));
}

// --- Invalid documents ---------------------------------------------------------------------

TEST(SchemaValidatorTest, MissingRequiredPropertyIsReportedAtTheProperty) {
    const SchemaValidator validator = CompileUserSchema();

    const auto root = Validate(validator, R"({})");
    const auto nested = Validate(validator, R"({"user": {}})");

    EXPECT_THAT(root, Contains(ErrorAt("user", "is required")));
    ASSERT_EQ(nested.size(), 1U);  // the enclosing "Failed to validate ... 'user'" is dropped
    EXPECT_THAT(nested, Contains(ErrorAt("user.name", "is required")));
}

TEST(SchemaValidatorTest, MaxLengthViolationThroughRefHasDottedPath) {
    const SchemaValidator validator = CompileUserSchema();

    const auto errors = Validate(validator, R"({"user": {"name": "abcdefg"}})");

    EXPECT_THAT(errors, Contains(ErrorAt("user.name", "no more than 5 characters")));
}

TEST(SchemaValidatorTest, PatternViolationHasDottedPath) {
    const SchemaValidator validator = CompileUserSchema();

    const auto errors = Validate(validator, R"({"user": {"name": "BOB"}})");

    EXPECT_THAT(errors, Contains(ErrorAt("user.name", "pattern")));
}

TEST(SchemaValidatorTest, TypeViolationsAreStrict) {
    const SchemaValidator validator = CompileUserSchema();

    const auto string_age = Validate(validator, R"({"user": {"name": "bob", "age": "3"}})");
    const auto float_age = Validate(validator, R"({"user": {"name": "bob", "age": 1.5}})");
    const auto array_root = Validate(validator, R"([])");

    EXPECT_THAT(string_age, Contains(ErrorAt("user.age", "type")));
    EXPECT_THAT(float_age, Contains(ErrorAt("user.age", "type")));
    EXPECT_THAT(array_root, Contains(ErrorAt("", "type")));
}

TEST(SchemaValidatorTest, ArrayItemPathUsesTheIndex) {
    const SchemaValidator validator = CompileUserSchema();

    const auto errors = Validate(validator, R"({"user": {"name": "bob"}, "tags": ["a", 2]})");

    EXPECT_THAT(errors, Contains(ErrorAt("tags.1", "type")));
}

// --- Valid documents -----------------------------------------------------------------------

TEST(SchemaValidatorTest, ValidDocumentHasNoErrors) {
    const SchemaValidator validator = CompileUserSchema();

    EXPECT_THAT(Validate(validator, R"({"user": {"name": "bob", "age": 3}})"), IsEmpty());
    EXPECT_THAT(Validate(validator, R"({"user": {"name": "abcde"}, "tags": [], "x": 1})"),
                IsEmpty());
}

TEST(SchemaValidatorTest, EmptySchemaAcceptsAnything) {
    auto compiled = SchemaValidator::Compile(boost::json::parse("{}"));
    ASSERT_TRUE(compiled.has_value()) << compiled.error().message;

    EXPECT_THAT(compiled->Validate(boost::json::parse(R"([1, {"a": null}])")), IsEmpty());
    EXPECT_THAT(compiled->Validate(boost::json::parse("null")), IsEmpty());
}

TEST(SchemaValidatorTest, MovedValidatorKeepsValidating) {
    SchemaValidator original = CompileUserSchema();

    const SchemaValidator moved(std::move(original));

    EXPECT_THAT(Validate(moved, R"({"user": {"name": "bob"}})"), IsEmpty());
    EXPECT_THAT(Validate(moved, R"({"user": {"name": "BOB"}})"),
                Contains(ErrorAt("user.name", "pattern")));
}

}  // namespace
}  // namespace junction::json
