#include "junction/mcp/action_search.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace junction::mcp {
namespace {

using ::testing::ElementsAre;

const connectors::Catalog& BuiltIn() {
    static const connectors::Catalog catalog = [] {
        auto loaded = connectors::Catalog::Load(connectors::BuiltInCatalog(), {});
        EXPECT_TRUE(loaded.has_value()) << (loaded ? "" : loaded.error().message);
        return loaded ? std::move(*loaded) : connectors::Catalog{};
    }();
    return catalog;
}

const ActionSearchIndex& BuiltInIndex() {
    static const ActionSearchIndex index(BuiltIn());
    return index;
}

bool AllowAll(std::string_view /*connector*/, std::string_view /*action*/) {
    return true;
}

std::string Top(const std::vector<ActionMatch>& matches) {
    return matches.empty() ? std::string("<none>")
                           : matches.front().connector->id + "/" + matches.front().action->id;
}

std::vector<std::string> Ids(const std::vector<ActionMatch>& matches) {
    std::vector<std::string> ids;
    for (const auto& match : matches) {
        ids.push_back(match.connector->id + "/" + match.action->id);
    }
    return ids;
}

// A connector file with one resource; `actions` is the YAML list under `actions:`.
std::string Connector(std::string_view id, std::string_view name, std::string_view actions) {
    return "id: " + std::string(id) + "\nname: " + std::string(name) +
           "\ncategories: [test]\nbase_url: https://api.example.com\nallowed_hosts: "
           "[api.example.com]\n"
           "auth:\n  - type: bearer\nresources:\n  - name: things\n    actions:\n" +
           std::string(actions);
}

connectors::Catalog LoadCatalog(const std::vector<std::pair<std::string, std::string>>& files) {
    std::vector<connectors::CatalogSource> sources;
    for (const auto& [id, text] : files) {
        sources.push_back(
            connectors::CatalogSource{.name = "connectors/" + id + ".yaml", .text = text});
    }
    auto loaded = connectors::Catalog::Load(sources, {});
    EXPECT_TRUE(loaded.has_value()) << (loaded ? "" : loaded.error().message);
    return loaded ? std::move(*loaded) : connectors::Catalog{};
}

// Two connectors whose actions read the same apart from their ids.
constexpr std::string_view kTwinActions =
    "      - {id: gety, displayName: Fetch widget, httpMethod: GET, path: /y}\n"
    "      - {id: getx, displayName: Fetch widget, httpMethod: GET, path: /x}\n";

TEST(ActionSearchWordsTest, SplitsCamelCaseUnderscoresAndKeepsTheCompound) {
    EXPECT_THAT(ActionSearchIndex::DocumentWordsForTest("chat_postMessage"),
                ElementsAre("chat", "post", "message", "postmessage"));
    EXPECT_THAT(ActionSearchIndex::DocumentWordsForTest("getURLInfo"),
                ElementsAre("get", "url", "info", "geturlinfo"));
    EXPECT_THAT(ActionSearchIndex::DocumentWordsForTest("GitHub"),
                ElementsAre("git", "hub", "github"));
    EXPECT_THAT(ActionSearchIndex::DocumentWordsForTest("issues/create-comment"),
                ElementsAre("issue", "create", "comment"));
}

TEST(ActionSearchWordsTest, GoalIsLowercasedSplitStopWordsDroppedAndStemmed) {
    EXPECT_THAT(ActionSearchIndex::GoalWordsForTest("Send a Slack message to the #general channel"),
                ElementsAre("send", "slack", "message", "general", "channel"));
    EXPECT_THAT(ActionSearchIndex::GoalWordsForTest("list MESSAGES, replies and messages"),
                ElementsAre("list", "message", "reply"));
    // Plural stemming leaves "ss" and short words alone.
    EXPECT_THAT(ActionSearchIndex::GoalWordsForTest("address bus gas"),
                ElementsAre("address", "bus", "gas"));
    // The goal is not camelCase-split (API.md §4.5); the document's compound word matches it.
    EXPECT_THAT(ActionSearchIndex::GoalWordsForTest("chat_postMessage"),
                ElementsAre("chat", "postmessage"));
    EXPECT_THAT(ActionSearchIndex::GoalWordsForTest("the of and to a"), ElementsAre());
    EXPECT_THAT(ActionSearchIndex::GoalWordsForTest("héllo"), ElementsAre("h", "llo"));
}

TEST(ActionSearchTest, SlackMessageFindsChatPostMessageFirst) {
    const auto matches = BuiltInIndex().Search("send a slack message", AllowAll);
    EXPECT_EQ(Top(matches), "slack/chat_postMessage");
}

TEST(ActionSearchTest, GithubIssueFindsCreateIssueFirst) {
    EXPECT_EQ(Top(BuiltInIndex().Search("create github issue", AllowAll)), "github/createIssue");
    EXPECT_EQ(Top(BuiltInIndex().Search("Create a GitHub issue", AllowAll)), "github/createIssue");
}

TEST(ActionSearchTest, PluralGoalMatchesSingularAction) {
    const auto matches = BuiltInIndex().Search("github issues", AllowAll);
    ASSERT_FALSE(matches.empty());
    EXPECT_EQ(matches.front().connector->id, "github");
    EXPECT_THAT(matches.front().action->id, ::testing::HasSubstr("Issue"));
}

TEST(ActionSearchTest, ActionIdInTheGoalMatchesThroughTheCompoundWord) {
    EXPECT_EQ(Top(BuiltInIndex().Search("chat_postMessage", AllowAll)), "slack/chat_postMessage");
}

TEST(ActionSearchTest, StopWordsOnlyOrUnknownWordsFindNothing) {
    EXPECT_TRUE(BuiltInIndex().Search("the and of to a", AllowAll).empty());
    EXPECT_TRUE(BuiltInIndex().Search("", AllowAll).empty());
    EXPECT_TRUE(BuiltInIndex().Search("  ,;!  ", AllowAll).empty());
    EXPECT_TRUE(BuiltInIndex().Search("zzqxv", AllowAll).empty());
}

TEST(ActionSearchTest, ReturnsAtMostLimitWithPositiveScoresBestFirst) {
    const auto matches = BuiltInIndex().Search("list messages", AllowAll);
    ASSERT_EQ(matches.size(), 10U);  // default limit
    for (std::size_t i = 0; i < matches.size(); ++i) {
        EXPECT_GT(matches[i].score, 0.0);
        if (i > 0) {
            EXPECT_GE(matches[i - 1].score, matches[i].score);
        }
    }
    EXPECT_EQ(BuiltInIndex().Search("list messages", AllowAll, 3).size(), 3U);
    EXPECT_TRUE(BuiltInIndex().Search("list messages", AllowAll, 0).empty());
    const auto all = BuiltInIndex().Search("list messages", AllowAll, 100'000);
    EXPECT_GT(all.size(), 10U);
    EXPECT_LT(all.size(), BuiltInIndex().DocumentCount());  // only actions with a match
}

TEST(ActionSearchTest, FilteredActionsNeverAppearNorTakeSlots) {
    const auto unfiltered = BuiltInIndex().Search("send message", AllowAll, 3);
    ASSERT_EQ(unfiltered.size(), 3U);
    const std::string hidden_connector = unfiltered.front().connector->id;
    std::size_t calls = 0;
    const auto filtered = BuiltInIndex().Search(
        "send message",
        [&](std::string_view connector, std::string_view /*action*/) {
            ++calls;
            return connector != hidden_connector;
        },
        3);
    ASSERT_EQ(filtered.size(), 3U);  // hidden actions did not consume the top 3
    for (const auto& match : filtered) {
        EXPECT_NE(match.connector->id, hidden_connector);
    }
    EXPECT_GE(calls, 3U);
    EXPECT_TRUE(BuiltInIndex()
                    .Search("send message",
                            [](std::string_view /*c*/, std::string_view /*a*/) { return false; })
                    .empty());
}

TEST(ActionSearchTest, EqualScoresAreOrderedByConnectorThenActionId) {
    const auto catalog = LoadCatalog({{"beta", Connector("beta", "Beta", kTwinActions)},
                                      {"alpha", Connector("alpha", "Alpha", kTwinActions)}});
    const ActionSearchIndex index(catalog);
    const auto matches = index.Search("widget", AllowAll);
    EXPECT_THAT(Ids(matches), ElementsAre("alpha/getx", "alpha/gety", "beta/getx", "beta/gety"));
    ASSERT_EQ(matches.size(), 4U);
    EXPECT_DOUBLE_EQ(matches[0].score, matches[3].score);
}

TEST(ActionSearchTest, FieldWeightsRankDisplayNameAboveDescription) {
    const auto catalog = LoadCatalog({{"acme",
                                       Connector("acme",
                                                 "Acme",
                                                 "      - {id: one, displayName: Invoice, "
                                                 "description: Sends a thing, httpMethod: "
                                                 "GET, path: /1}\n"
                                                 "      - {id: two, displayName: Thing, "
                                                 "description: Sends an invoice, "
                                                 "httpMethod: GET, path: /2}\n")}});
    const ActionSearchIndex index(catalog);
    EXPECT_THAT(Ids(index.Search("invoice", AllowAll)), ElementsAre("acme/one", "acme/two"));
}

TEST(ActionSearchTest, NamingALargeConnectorStillFavoursItsActions) {
    // "big" names 40 actions; counted per action its idf would be ~0.04 and acme's stronger
    // "widget" match (a shorter display name) would win. Counted per connector it decides.
    std::string big_actions =
        "      - {id: widget, displayName: Widget for another purpose, httpMethod: GET, path: "
        "/w}\n";
    for (int i = 0; i < 39; ++i) {
        big_actions += "      - {id: other" + std::to_string(i) +
                       ", displayName: Other, httpMethod: GET, path: /o}\n";
    }
    const auto catalog = LoadCatalog(
        {{"big", Connector("big", "Big", big_actions)},
         {"acme",
          Connector("acme",
                    "Acme",
                    "      - {id: widget, displayName: Widget, httpMethod: GET, path: /w}\n")}});
    const ActionSearchIndex index(catalog);
    EXPECT_THAT(Ids(index.Search("big widget", AllowAll, 2)),
                ElementsAre("big/widget", "acme/widget"));
    EXPECT_THAT(Ids(index.Search("widget", AllowAll, 2)), ElementsAre("acme/widget", "big/widget"));
}

TEST(ActionSearchTest, LongDescriptionsDoNotDiluteDisplayNameHits) {
    // Lengths are normalised per field (BM25F): "a"'s long description leaves its display-name
    // hit worth exactly as much as "b"'s, so the two tie and the action id decides.
    const auto catalog =
        LoadCatalog({{"acme",
                      Connector("acme",
                                "Acme",
                                "      - {id: a, displayName: Invoice, description: "
                                "Lorem ipsum dolor sit amet consectetur adipiscing "
                                "elit sed eiusmod tempor incididunt labore dolore "
                                "magna aliqua, httpMethod: GET, path: /a}\n"
                                "      - {id: b, displayName: Invoice, httpMethod: "
                                "GET, path: /b}\n"
                                "      - {id: c, displayName: Other, httpMethod: "
                                "GET, path: /c}\n")}});
    const ActionSearchIndex index(catalog);
    const auto matches = index.Search("invoice", AllowAll);
    EXPECT_THAT(Ids(matches), ElementsAre("acme/a", "acme/b"));
    ASSERT_EQ(matches.size(), 2U);
    EXPECT_DOUBLE_EQ(matches[0].score, matches[1].score);
}

TEST(ActionSearchTest, EmptyCatalogFindsNothing) {
    const connectors::Catalog empty;
    const ActionSearchIndex index(empty);
    EXPECT_EQ(index.DocumentCount(), 0U);
    EXPECT_TRUE(index.Search("anything", AllowAll).empty());
}

TEST(DiscoveryOutputTest, RendersMatchesAsApiSection45) {
    const auto matches = BuiltInIndex().Search("send a slack message", AllowAll, 2);
    ASSERT_EQ(matches.size(), 2U);
    const auto output = DiscoveryOutput("send a slack message", matches);
    EXPECT_EQ(output.at("goal"), "send a slack message");
    EXPECT_EQ(output.at("count"), 2);
    EXPECT_EQ(output.at("message"),
              "Found 2 matching actions. Call get_action_details_alloy for parameters.");
    const auto& first = output.at("matches").as_array().at(0).as_object();
    EXPECT_EQ(first.size(), 8U);
    EXPECT_EQ(first.at("connectorId"), "slack");
    EXPECT_EQ(first.at("connectorName"), "Slack");
    EXPECT_EQ(first.at("actionId"), "chat_postMessage");
    EXPECT_EQ(first.at("displayName"), "Post message");
    EXPECT_EQ(first.at("description"), "Sends a message to a channel, private group or DM.");
    EXPECT_EQ(first.at("httpMethod"), "post");
    EXPECT_EQ(first.at("path"), "/chat.postMessage");
    EXPECT_GT(first.at("score").as_double(), 0.0);
    const double score = first.at("score").as_double();
    EXPECT_DOUBLE_EQ(score * 1000.0, std::round(score * 1000.0));  // three decimals
}

TEST(DiscoveryOutputTest, NoMatchSuggestsListConnectors) {
    const auto output = DiscoveryOutput("zzqxv", {});
    EXPECT_EQ(output.at("count"), 0);
    EXPECT_TRUE(output.at("matches").as_array().empty());
    EXPECT_THAT(std::string(output.at("message").as_string()),
                ::testing::HasSubstr("list_connectors_alloy"));
}

TEST(DiscoveryOutputTest, TinyScoresStayPositive) {
    const auto* slack = BuiltIn().Find("slack");
    ASSERT_NE(slack, nullptr);
    const ActionMatch match{
        .connector = slack, .action = slack->FindAction("chat_postMessage"), .score = 1e-9};
    const auto output = DiscoveryOutput("x", std::span<const ActionMatch>(&match, 1));
    EXPECT_DOUBLE_EQ(output.at("matches").as_array().at(0).at("score").as_double(), 0.001);
}

}  // namespace
}  // namespace junction::mcp
