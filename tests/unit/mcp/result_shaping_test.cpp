#include "junction/mcp/result_shaping.hpp"

#include <string>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace junction::mcp {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
constexpr std::string_view kTooMany = "This is too many to display effectively.";
constexpr std::string_view kGuidanceText =
    "Narrow the request: search by name or ID, use filters, or paginate.";

connectors::ParameterSpec Parameter(std::string name, std::string in, std::string description) {
    return connectors::ParameterSpec{
        .name = std::move(name), .in = std::move(in), .description = std::move(description)};
}

// An action with every kind of narrowing parameter, plus some that must be ignored.
connectors::ActionSpec ListAction() {
    connectors::ActionSpec action;
    action.id = "listIssues";
    action.parameters = {Parameter("owner", "path", "Account owner."),
                         Parameter("per_page", "query", "Results per page (max 100)."),
                         Parameter("page", "query", "Page number."),
                         Parameter("state", "query", "open, closed or all."),
                         Parameter("filter", "query", ""),
                         Parameter("sortBy", "query", "Sort field."),
                         Parameter("Q", "query", "Search text."),
                         Parameter("limit", "header", "Not a query parameter.")};
    return action;
}

connectors::ActionSpec BareAction() {
    connectors::ActionSpec action;
    action.id = "getThings";
    action.parameters = {Parameter("id", "path", "Thing id.")};
    return action;
}

// Boost.JSON 1.81 compares a value with string_view but not with std::string.
value Json(const std::string& text) {
    return value(std::string_view(text));
}

object Output(value result) {
    return object{{"success", true}, {"statusCode", 200}, {"result", std::move(result)}};
}

array Items(std::size_t n) {
    array items;
    for (std::size_t i = 0; i < n; ++i) {
        items.push_back(object{{"id", i}, {"name", Json("item " + std::to_string(i))}});
    }
    return items;
}

object Shape(value result, const connectors::ActionSpec& action = ListAction()) {
    return ShapeExecuteOutput(Output(std::move(result)), action);
}

void ExpectUnchanged(const value& result) {
    EXPECT_EQ(Shape(result), Output(result)) << boost::json::serialize(result);
}

TEST(ResultShapingTest, ResultsWithoutListsOrLongValuesAreUntouched) {
    ExpectUnchanged(object{{"id", 1}, {"user", object{{"login", "octocat"}}}, {"ok", true}});
    ExpectUnchanged(value(nullptr));
    ExpectUnchanged(value(42));
    ExpectUnchanged(value("plain text body"));
    ExpectUnchanged(object{});
    ExpectUnchanged(object{{"labels", array{}}});
    const object no_result{{"success", true}, {"statusCode", 204}};
    EXPECT_EQ(ShapeExecuteOutput(no_result, ListAction()), no_result);
}

TEST(ResultShapingTest, ListOf25IsUnchanged) {
    ExpectUnchanged(Items(25));
    ExpectUnchanged(object{{"issues", Items(25)}, {"total", 25}});
}

TEST(ResultShapingTest, ListOf26IsCutTo25WithMetadata) {
    const object shaped = Shape(Items(26));
    EXPECT_EQ(shaped.at("success"), true);
    EXPECT_EQ(shaped.at("statusCode"), 200);
    ASSERT_EQ(shaped.at("result").as_array().size(), 25U);
    EXPECT_EQ(shaped.at("result").as_array().back(), Items(25).back());
    EXPECT_EQ(shaped.at("metadata"),
              value(object{{"originalCount", 26},
                           {"displayedCount", 25},
                           {"truncated", true},
                           {"paginationHint", "Showing first 25 of 26 items."}}));
}

TEST(ResultShapingTest, ListOf50UnderAKeyIsCutTo25WithMetadata) {
    const object shaped = Shape(object{{"total_count", 50}, {"items", Items(50)}});
    EXPECT_EQ(shaped.at("result").at("total_count"), 50);
    EXPECT_EQ(shaped.at("result").at("items").as_array().size(), 25U);
    EXPECT_EQ(shaped.at("metadata").at("originalCount"), 50);
    EXPECT_EQ(shaped.at("metadata").at("displayedCount"), 25);
    EXPECT_EQ(shaped.at("metadata").at("paginationHint"), "Showing first 25 of 50 items.");
    EXPECT_FALSE(shaped.at("metadata").as_object().contains("truncatedPaths"));
}

TEST(ResultShapingTest, ListOf51BecomesGuidance) {
    const object shaped = Shape(object{{"total_count", 51}, {"issues", Items(51)}});
    EXPECT_EQ(shaped.size(), 6U);
    EXPECT_EQ(shaped.at("needsRefinement"), true);
    EXPECT_EQ(shaped.at("message"), Json("Found 51 issues items. " + std::string(kTooMany)));
    EXPECT_EQ(shaped.at("guidance"), Json(std::string(kGuidanceText)));
    EXPECT_EQ(shaped.at("suggestions"),
              value(array{"Set 'per_page' to ask for fewer items per call.",
                          "Use 'page' to fetch the results page by page.",
                          "Use 'filter' to filter the results.",
                          "Use 'sortBy' to sort the results so the ones you need come first.",
                          "Use 'Q' to search for the item by name or keyword."}))
        << boost::json::serialize(shaped.at("suggestions"));
    EXPECT_EQ(shaped.at("searchInstructions"),
              "You can search using:\n"
              "- per_page (query): Results per page (max 100).\n"
              "- page (query): Page number.\n"
              "- filter (query)\n"
              "- sortBy (query): Sort field.\n"
              "- Q (query): Search text.");
    EXPECT_EQ(shaped.at("samples"), value(Items(3)));
}

TEST(ResultShapingTest, TopLevelArrayOf51NamesNoKey) {
    const object shaped = Shape(Items(51));
    EXPECT_EQ(shaped.at("message"), Json("Found 51 items. " + std::string(kTooMany)));
}

TEST(ResultShapingTest, SizeParametersGetTheirOwnSuggestion) {
    connectors::ActionSpec action;
    action.parameters = {Parameter("limit", "query", ""),
                         Parameter("cursor", "query", ""),
                         Parameter("filter[status]", "query", ""),
                         Parameter("offset", "query", ""),
                         Parameter("count", "query", ""),
                         Parameter("page_size", "query", ""),
                         Parameter("search", "query", ""),
                         Parameter("query", "query", ""),
                         Parameter("sort", "query", ""),
                         Parameter("counter", "query", ""),
                         Parameter("pageToken", "query", "")};
    const object shaped = Shape(Items(60), action);
    EXPECT_EQ(shaped.at("suggestions").as_array().size(), 9U);
    EXPECT_EQ(shaped.at("suggestions").as_array().at(0),
              "Set 'limit' to ask for fewer items per call.");
    EXPECT_THAT(std::string(shaped.at("searchInstructions").as_string()),
                ::testing::Not(::testing::HasSubstr("counter")));
}

TEST(ResultShapingTest, GuidanceWithoutNarrowingParametersPointsElsewhere) {
    const object shaped = Shape(Items(51), BareAction());
    ASSERT_EQ(shaped.at("suggestions").as_array().size(), 2U);
    EXPECT_THAT(std::string(shaped.at("suggestions").as_array().at(0).as_string()),
                ::testing::HasSubstr("get_connector_resources_alloy"));
    EXPECT_THAT(std::string(shaped.at("searchInstructions").as_string()),
                ::testing::StartsWith("This action has no search, filter or pagination"));
}

TEST(ResultShapingTest, SamplesKeepFirstFiveScalarsOfTheFirstThreeItems) {
    array items;
    items.push_back(object{{"a", 1},
                           {"nested", object{{"x", 1}}},
                           {"b", "two"},
                           {"none", nullptr},
                           {"c", true},
                           {"list", array{1}},
                           {"d", 4.5},
                           {"e", "five"},
                           {"f", "six"}});
    items.push_back(array{1, array{2}, "three", object{}, 4, 5, 6, 7});
    items.push_back(Json(std::string(6000, 'x')));
    items.push_back(object{{"fourth", 4}});
    for (int i = 0; i < 60; ++i) {
        items.push_back(i);
    }
    const object shaped = Shape(items);
    const array& samples = shaped.at("samples").as_array();
    ASSERT_EQ(samples.size(), 3U);
    EXPECT_EQ(samples[0],
              value(object{{"a", 1}, {"b", "two"}, {"c", true}, {"d", 4.5}, {"e", "five"}}));
    EXPECT_EQ(samples[1], value(array{1, "three", 4, 5, 6}));
    EXPECT_EQ(samples[2], Json(std::string(5120, 'x') + std::string(kEllipsis)));
}

TEST(ResultShapingTest, LongestArrayIsPrimaryAndTiesGoToTheFirstKey) {
    // Equal lengths: "first" (first in the object's order) is primary; "second" is an other array.
    const object shaped =
        Shape(object{{"short", Items(2)}, {"zfirst", Items(30)}, {"asecond", Items(30)}});
    EXPECT_EQ(shaped.at("metadata").at("originalCount"), 30);
    EXPECT_EQ(shaped.at("result").at("zfirst").as_array().size(), 25U);
    EXPECT_EQ(shaped.at("result").at("asecond").as_array().size(), 25U);
    EXPECT_EQ(shaped.at("metadata").at("truncatedPaths"), value(array{"/result/asecond"}));

    const object refine = Shape(object{{"zfirst", Items(51)}, {"asecond", Items(51)}});
    EXPECT_EQ(refine.at("message"), Json("Found 51 zfirst items. " + std::string(kTooMany)));

    const object longest = Shape(object{{"small", Items(3)}, {"big", Items(52)}});
    EXPECT_EQ(longest.at("message"), Json("Found 52 big items. " + std::string(kTooMany)));
}

TEST(ResultShapingTest, NestedArraysAreCappedAndListedAsEscapedPointers) {
    array matrix;
    matrix.push_back(array{1});
    matrix.push_back(Items(26));
    object first{{"tags", Items(30)}, {"matrix", matrix}};
    const object result{{"items", array{first, object{{"tags", Items(25)}}}},
                        {"a/b", object{{"c~d", Items(40)}}}};
    const object shaped = Shape(result);
    EXPECT_EQ(
        shaped.at("metadata"),
        value(object{
            {"truncatedPaths",
             array{"/result/items/0/tags", "/result/items/0/matrix/1", "/result/a~1b/c~0d"}}}));
    EXPECT_EQ(shaped.at("result").at("items").at(0).at("tags").as_array().size(), 25U);
    EXPECT_EQ(shaped.at("result").at("items").at(0).at("matrix").at(1).as_array().size(), 25U);
    EXPECT_EQ(shaped.at("result").at("a/b").at("c~d").as_array().size(), 25U);
    EXPECT_EQ(shaped.at("result").at("items").at(1).at("tags").as_array().size(), 25U);
}

TEST(ResultShapingTest, PrimaryCutAndOtherArraysShareOneMetadata) {
    const object shaped = Shape(array{
        Items(30), Items(1), Items(1), Items(1), Items(1), Items(1), Items(1), Items(1), Items(1),
        Items(1),  Items(1), Items(1), Items(1), Items(1), Items(1), Items(1), Items(1), Items(1),
        Items(1),  Items(1), Items(1), Items(1), Items(1), Items(1), Items(1), Items(1)});
    EXPECT_EQ(shaped.at("metadata").at("originalCount"), 26);
    EXPECT_EQ(shaped.at("metadata").at("truncatedPaths"), value(array{"/result/0"}));
}

TEST(ResultShapingTest, LongStringsAreCutAtACharacterBoundary) {
    const std::string a5119(5119, 'a');
    const auto shaped_string = [](std::string text) {
        return std::string(Shape(Json(text)).at("result").as_string());
    };
    EXPECT_EQ(shaped_string(std::string(5120, 'a')), std::string(5120, 'a'));  // at the limit
    EXPECT_EQ(shaped_string(std::string(5121, 'a')),
              std::string(5120, 'a') + std::string(kEllipsis));
    // "é" (2 bytes) at 5119-5120 straddles the limit: dropped whole.
    EXPECT_EQ(shaped_string(a5119 + "\xC3\xA9"), a5119 + std::string(kEllipsis));
    // "é" ending exactly at 5120 is kept.
    EXPECT_EQ(shaped_string(std::string(5118, 'a') + "\xC3\xA9" + "b"),
              std::string(5118, 'a') + "\xC3\xA9" + std::string(kEllipsis));
    // "€" (3 bytes) at 5118-5120 and "😀" (4 bytes) at 5117-5120.
    EXPECT_EQ(shaped_string(std::string(5118, 'a') + "\xE2\x82\xAC"),
              std::string(5118, 'a') + std::string(kEllipsis));
    EXPECT_EQ(shaped_string(std::string(5117, 'a') + "\xF0\x9F\x98\x80"),
              std::string(5117, 'a') + std::string(kEllipsis));
    // Anywhere in the result, inside lists too; keys are left alone.
    const std::string long_key(6000, 'k');
    const object shaped = Shape(object{{long_key, array{Json(std::string(6000, 'v'))}}});
    EXPECT_EQ(shaped.at("result").at(long_key).at(0),
              Json(std::string(5120, 'v') + std::string(kEllipsis)));
    EXPECT_FALSE(shaped.contains("metadata"));
}

// `levels` nested arrays around a 1: levels = 1 is [1].
value NestedArrays(int levels) {
    value v = 1;
    for (int i = 0; i < levels; ++i) {
        v = array{std::move(v)};
    }
    return v;
}

TEST(ResultShapingTest, ContainersDeeperThanTenLevelsAreReplaced) {
    ExpectUnchanged(NestedArrays(10));  // result is level 1; the innermost array is level 10

    const object shaped = Shape(NestedArrays(12));
    const value* at = &shaped.at("result");
    for (int level = 1; level <= 10; ++level) {
        ASSERT_TRUE(at->is_array()) << level;
        at = &at->as_array().at(0);
    }
    EXPECT_EQ(*at, "[truncated: depth limit]");  // level 11, i.e. /result/0/0/0/0/0/0/0/0/0/0

    value objects = object{{"leaf", "x"}};
    for (int i = 0; i < 10; ++i) {
        objects = object{{"k", std::move(objects)}};
    }
    const object shaped_objects = Shape(objects);  // 11 levels of objects
    const value* node = &shaped_objects.at("result");
    for (int level = 1; level <= 10; ++level) {
        node = &node->at("k");
    }
    EXPECT_EQ(*node, "[truncated: depth limit]");
    EXPECT_FALSE(shaped_objects.contains("metadata"));
}

TEST(ResultShapingTest, ArraysBelowTheDepthLimitAreNotListed) {
    value deep = Items(30);
    for (int i = 0; i < 10; ++i) {
        deep = object{{"k", std::move(deep)}};
    }
    const object shaped = Shape(object{{"x", 1}, {"deep", deep}});
    EXPECT_FALSE(shaped.contains("metadata"));
}

// A result object of `members` strings of `bytes` bytes each (under the string limit).
object Strings(std::size_t members, std::size_t bytes) {
    object result;
    for (std::size_t i = 0; i < members; ++i) {
        result["k" + std::to_string(i)] = Json(std::string(bytes, 'x'));
    }
    return result;
}

TEST(ResultShapingTest, OutputOver256KiBBecomesGuidance) {
    // Exactly 262,144 bytes stays; one more byte turns into guidance.
    object result = Strings(65, 4000);
    const std::size_t size = boost::json::serialize(Output(result)).size();
    ASSERT_LT(size, kShapeMaxOutputBytes);
    const std::size_t missing = kShapeMaxOutputBytes - size;
    const std::size_t pad = missing - std::string_view(R"(,"pad":"")").size();
    ASSERT_LT(pad, kShapeMaxStringBytes);
    result["pad"] = Json(std::string(pad, 'p'));
    ASSERT_EQ(boost::json::serialize(Output(result)).size(), kShapeMaxOutputBytes);
    ExpectUnchanged(result);

    result["pad"].as_string().push_back('p');
    const object shaped = Shape(result);
    EXPECT_EQ(shaped.at("needsRefinement"), true);
    EXPECT_EQ(shaped.at("message"), "The result is too large to display (262145 bytes).");
    EXPECT_EQ(shaped.at("guidance"), Json(std::string(kGuidanceText)));
    EXPECT_EQ(shaped.at("samples"), value(array{}));
    EXPECT_EQ(shaped.at("suggestions").as_array().size(), 5U);
}

TEST(ResultShapingTest, TooLargeAfterShapingMeasuresTheShapedOutput) {
    // 25 items of 6 strings of 6,000 bytes: cut to 5,120 + "…" each, still > 256 KiB.
    array items;
    for (int i = 0; i < 25; ++i) {
        object item{{"id", i}};
        for (int j = 0; j < 6; ++j) {
            item["s" + std::to_string(j)] = std::string(6000, 'y');
        }
        items.push_back(std::move(item));
    }
    object bounded_output = Output(items);
    // What step 4 leaves: every string cut.
    for (auto& item : bounded_output.at("result").as_array()) {
        for (auto& member : item.as_object()) {
            if (member.value().is_string()) {
                member.value() = Json(std::string(5120, 'y') + std::string(kEllipsis));
            }
        }
    }
    const std::size_t expected = boost::json::serialize(bounded_output).size();
    const object shaped = Shape(items);
    EXPECT_EQ(shaped.at("message"),
              Json("The result is too large to display (" + std::to_string(expected) + " bytes)."));
    const array& samples = shaped.at("samples").as_array();
    ASSERT_EQ(samples.size(), 3U);
    EXPECT_EQ(samples[0].as_object().size(), 5U);
    EXPECT_EQ(samples[0].at("id"), 0);
}

}  // namespace
}  // namespace junction::mcp
