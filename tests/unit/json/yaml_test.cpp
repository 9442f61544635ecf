#include "junction/json/yaml.hpp"

#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace junction::json {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(YamlToJsonTest, InvalidYamlNamesTheLine) {
    const auto result = YamlToJson("a: 1\nb: 2\n  c: 3\n");

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("Invalid YAML at line 3: "));
}

// Found by tests/fuzz/catalog_fuzz (corpus regression-catalog-invalid-utf8): yaml-cpp passed
// stray continuation bytes through, and valijson's maxLength check then read out of bounds.
TEST(YamlToJsonTest, TextThatIsNotUtf8IsInvalid) {
    for (const std::string_view text : {"name: Fuzz\xac\xac\xac\n",
                                        "name: \"\xc3\"\n",
                                        "\xff: 1\n",
                                        "- \xed\xa0\x80\n",
                                        "- \xf4\x90\x80\x80\n",
                                        "- \xc0\xaf\n"}) {
        const auto result = YamlToJson(text);
        ASSERT_FALSE(result.has_value()) << text;
        EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
        EXPECT_THAT(result.error().message, HasSubstr("not valid UTF-8"));
    }
}

// Found by tests/fuzz/catalog_fuzz (corpus regression-catalog-alias-cycle): an alias inside
// its own anchor recursed until the stack overflowed.
TEST(YamlToJsonTest, AnAliasInsideItselfIsInvalid) {
    const auto result = YamlToJson("a: &a [1]\nb: &b [t, *b]\n");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, HasSubstr("nested deeper than 256 levels"));
}

TEST(YamlToJsonTest, AliasesThatExpandTooFarAreInvalid) {
    std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int level = 1; level < 8; ++level) {
        const std::string previous = "*l" + std::to_string(level - 1);
        text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
        for (int i = 0; i < 10; ++i) {
            text += (i == 0 ? "" : ", ") + previous;
        }
        text += "]\n";
    }
    const auto result = YamlToJson(text);  // 10^8 values once expanded
    ASSERT_FALSE(result.has_value());
    EXPECT_THAT(result.error().message, HasSubstr("aliases expand too far"));
}

TEST(YamlToJsonTest, NestingIsLimited) {
    const auto deep = [](std::size_t levels) {
        return std::string(levels, '[') + std::string(levels, ']') + "\n";
    };
    EXPECT_TRUE(YamlToJson(deep(200)).has_value());
    const auto result = YamlToJson(deep(300));
    ASSERT_FALSE(result.has_value());
    EXPECT_THAT(result.error().message, HasSubstr("nested deeper than 256 levels"));
}

TEST(YamlToJsonTest, Utf8TextIsKept) {
    const auto result = YamlToJson("caf\xc3\xa9: \"\xe2\x82\xac \xf0\x9f\x98\x80\"\n");
    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(result->at("caf\xc3\xa9").as_string(), "\xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(YamlToJsonTest, UnclosedFlowSequenceIsInvalid) {
    const auto result = YamlToJson("name: x\nlist: [1, 2\n");

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("Invalid YAML at line"));
    EXPECT_THAT(result.error().message, HasSubstr("flow"));
}

TEST(YamlToJsonTest, StrayFlowEndIsInvalid) {
    const auto result = YamlToJson("a: 1\n]\n");

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("Invalid YAML at line 2: "));
}

TEST(YamlToJsonTest, NonScalarMapKeyIsInvalid) {
    const auto result = YamlToJson("? [a, b]\n: c\n");

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(result.error().message, StartsWith("Invalid YAML at line 1"));
}

TEST(YamlToJsonTest, PlainScalarsAreTyped) {
    const auto result = YamlToJson(
        "int: 42\nneg: -7\nplus: +5\nleading_zero: 007\nfloat: 1.5\nexp: 1e3\nhalf: .5\n"
        "yes_bool: true\nno_bool: False\nnull_word: null\ntilde: ~\nempty:\ntext: hello\n");

    ASSERT_TRUE(result.has_value()) << result.error().message;
    const auto& object = result->as_object();
    EXPECT_EQ(object.at("int").as_int64(), 42);
    EXPECT_EQ(object.at("neg").as_int64(), -7);
    EXPECT_EQ(object.at("plus").as_int64(), 5);
    EXPECT_EQ(object.at("leading_zero").as_int64(), 7);
    EXPECT_DOUBLE_EQ(object.at("float").as_double(), 1.5);
    EXPECT_DOUBLE_EQ(object.at("exp").as_double(), 1000.0);
    EXPECT_DOUBLE_EQ(object.at("half").as_double(), 0.5);
    EXPECT_EQ(object.at("yes_bool"), boost::json::value(true));
    EXPECT_EQ(object.at("no_bool"), boost::json::value(false));
    EXPECT_TRUE(object.at("null_word").is_null());
    EXPECT_TRUE(object.at("tilde").is_null());
    EXPECT_TRUE(object.at("empty").is_null());
    EXPECT_EQ(object.at("text").as_string(), "hello");
}

TEST(YamlToJsonTest, Yaml11BooleanWordsStayStrings) {
    const auto result = YamlToJson("a: yes\nb: no\nc: on\nd: off\n");

    ASSERT_TRUE(result.has_value()) << result.error().message;
    const auto& object = result->as_object();
    EXPECT_EQ(object.at("a").as_string(), "yes");
    EXPECT_EQ(object.at("b").as_string(), "no");
    EXPECT_EQ(object.at("c").as_string(), "on");
    EXPECT_EQ(object.at("d").as_string(), "off");
}

TEST(YamlToJsonTest, QuotedScalarsStayStrings) {
    const auto result =
        YamlToJson("a: '42'\nb: \"true\"\nc: 'null'\nd: \"1.5\"\ne: ''\nf: \"~\"\n");

    ASSERT_TRUE(result.has_value()) << result.error().message;
    const auto& object = result->as_object();
    EXPECT_EQ(object.at("a").as_string(), "42");
    EXPECT_EQ(object.at("b").as_string(), "true");
    EXPECT_EQ(object.at("c").as_string(), "null");
    EXPECT_EQ(object.at("d").as_string(), "1.5");
    EXPECT_EQ(object.at("e").as_string(), "");
    EXPECT_EQ(object.at("f").as_string(), "~");
}

TEST(YamlToJsonTest, NumberLikeTextStaysAString) {
    const auto result = YamlToJson("version: 1.2.3\nport: 80a\nphone: +1-555\n");

    ASSERT_TRUE(result.has_value()) << result.error().message;
    const auto& object = result->as_object();
    EXPECT_EQ(object.at("version").as_string(), "1.2.3");
    EXPECT_EQ(object.at("port").as_string(), "80a");
    EXPECT_EQ(object.at("phone").as_string(), "+1-555");
}

TEST(YamlToJsonTest, NestedMapsAndSequences) {
    const auto result = YamlToJson(
        "id: slack\n"
        "auth:\n"
        "  type: oauth2\n"
        "  scopes:\n"
        "    - chat:write\n"
        "    - channels:read\n"
        "resources:\n"
        "  - id: chat\n"
        "    actions: [{id: post, timeoutMs: 5000}, {id: list}]\n");

    ASSERT_TRUE(result.has_value()) << result.error().message;
    const auto& object = result->as_object();
    EXPECT_EQ(object.at("id").as_string(), "slack");
    const auto& scopes = object.at("auth").as_object().at("scopes").as_array();
    ASSERT_EQ(scopes.size(), 2U);
    EXPECT_EQ(scopes[0].as_string(), "chat:write");
    EXPECT_EQ(scopes[1].as_string(), "channels:read");
    const auto& actions =
        object.at("resources").as_array().at(0).as_object().at("actions").as_array();
    ASSERT_EQ(actions.size(), 2U);
    EXPECT_EQ(actions[0].as_object().at("timeoutMs").as_int64(), 5000);
    EXPECT_EQ(actions[1].as_object().at("id").as_string(), "list");
}

TEST(YamlToJsonTest, TopLevelSequenceAndScalar) {
    const auto sequence = YamlToJson("- 1\n- two\n- null\n");
    const auto scalar = YamlToJson("17");

    ASSERT_TRUE(sequence.has_value()) << sequence.error().message;
    ASSERT_EQ(sequence->as_array().size(), 3U);
    EXPECT_EQ(sequence->as_array()[0].as_int64(), 1);
    EXPECT_EQ(sequence->as_array()[1].as_string(), "two");
    EXPECT_TRUE(sequence->as_array()[2].is_null());
    ASSERT_TRUE(scalar.has_value());
    EXPECT_EQ(scalar->as_int64(), 17);
}

TEST(YamlToJsonTest, EmptyDocumentIsNull) {
    const auto result = YamlToJson("");

    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_TRUE(result->is_null());
}

TEST(YamlToJsonTest, NumericKeysBecomeStringKeys) {
    const auto result = YamlToJson("200: ok\n404: missing\n");

    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(result->as_object().at("200").as_string(), "ok");
    EXPECT_EQ(result->as_object().at("404").as_string(), "missing");
}

TEST(JsonToYamlTest, StringsThatWouldReadAsOtherTypesAreQuoted) {
    const boost::json::value document = boost::json::parse(R"({
        "strings": ["true", "False", "null", "~", "", "123", "-4", "1.5", ".5", "1e5", "0x1F",
                    "yes", "a: b", "#c", " lead", "trail ", "x, y", "[z]", "{w}", "- item",
                    "two\nlines", "tab\there", "quote \"q\"", "é ü", "-", "|", "*ref",
                    "> folded", "? key", "=x", "...", "a #b", "url: https://x.test/a?b=c&d",
                    "notes:read", "ctl\u0001\u007f", "back\\slash", "%x", "@y", "!z",
                    "trailing:", "x-y", "(a) [b]"],
        "flow": ["notes:read", "https://api.github.com/x", "a b", "x, y", "k: v"],
        "deep": [[1, [2, {"a": [{"b": {"c": [3, 4, {"d": "e"}]}}]}]], {"k": [[]]}],
        "numbers": [0, -7, 9007199254740993, 18446744073709551615, 0.1, 1.5e300, 1.0],
        "literals": [true, false, null],
        "": {"empty": {}, "list": [], "nested": [{"a": [1, {"b": "c"}]}]},
        "123": "key that looks like a number"})");

    const std::string yaml = JsonToYaml(document);
    const auto read_back = YamlToJson(yaml);

    ASSERT_TRUE(read_back.has_value()) << read_back.error().message << "\n" << yaml;
    EXPECT_EQ(*read_back, document) << yaml;
}

// Found by tests/fuzz/catalog_fuzz (corpus regression-catalog-long-key): a key whose escapes
// made it longer than YAML's 1024-character implicit key was written as one and did not parse.
TEST(JsonToYamlTest, LongKeysAreWrittenAsExplicitKeys) {
    const std::string control_key(400, '\x19');
    const std::string long_key(1500, 'k');
    const boost::json::value value{
        {control_key, 1},
        {"nested",
         boost::json::object{{long_key, boost::json::array{1, boost::json::object{{"a", 2}}}}}},
        {"list", boost::json::array{boost::json::object{{long_key, "v"}, {"b", nullptr}}}}};
    const std::string yaml = JsonToYaml(value);
    EXPECT_THAT(yaml, HasSubstr("? \""));
    const auto back = YamlToJson(yaml);
    ASSERT_TRUE(back.has_value()) << back.error().message << "\n" << yaml;
    EXPECT_EQ(*back, value);
}

TEST(JsonToYamlTest, ShortScalarMapsAndListsUseFlowStyle) {
    const boost::json::value document = boost::json::parse(
        R"({"type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}})");

    EXPECT_EQ(JsonToYaml(document),
              "type: object\nrequired: [title]\nproperties:\n  title: {type: string}\n");
}

}  // namespace
}  // namespace junction::json
