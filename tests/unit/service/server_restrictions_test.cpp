// ServerRestrictions (API.md §3.8, §4.5) and ServerSlug (§1.3) against the built-in catalog.
#include "junction/service/server_restrictions.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "junction/service/mcp_server_service.hpp"

namespace junction::service {
namespace {

const connectors::Catalog& TheCatalog() {
    static const connectors::Catalog catalog = [] {
        auto loaded = connectors::Catalog::Load(connectors::BuiltInCatalog(), {});
        EXPECT_TRUE(loaded.has_value());
        return std::move(*loaded);
    }();
    return catalog;
}

ServerRestrictions Parsed(std::string_view json) {
    auto parsed = ServerRestrictions::Parse(boost::json::parse(json), TheCatalog());
    EXPECT_TRUE(parsed.has_value()) << json;
    return parsed ? std::move(*parsed) : ServerRestrictions{};
}

TEST(ServerSlugTest, FollowsTheSlugRule) {
    EXPECT_EQ(ServerSlug("Production Server"), "production-server");
    EXPECT_EQ(ServerSlug("a__b--c  d"), "a-b-c-d");
    EXPECT_EQ(ServerSlug("Trailing_"), "trailing");
    EXPECT_EQ(ServerSlug("!!!"), "");
    EXPECT_EQ(ServerSlug(std::string(59, 'a') + " bcd"), std::string(59, 'a'));
    EXPECT_EQ(ServerSlug(std::string(100, 'x')).size(), 60U);
}

TEST(ServerRestrictionsTest, NoneAllowsEverything) {
    const auto none = Parsed("null");
    EXPECT_FALSE(none.HasRestrictions());
    EXPECT_EQ(boost::json::serialize(none.Normalized()), "{}");
    EXPECT_TRUE(none.ConnectorAllowed("slack"));
    EXPECT_TRUE(none.ActionAllowed("slack", "chat_delete"));
    EXPECT_TRUE(none.UserAllowed("68c3229752345278627ae373"));
    EXPECT_FALSE(Parsed("{}").HasRestrictions());
}

TEST(ServerRestrictionsTest, AnEmptyAllowlistAllowsNothingAndCounts) {
    const auto empty = Parsed(R"({"connectors":{"mode":"allowlist"}})");
    EXPECT_TRUE(empty.HasRestrictions());
    EXPECT_FALSE(empty.ConnectorAllowed("slack"));
    EXPECT_FALSE(empty.ActionAllowed("slack", "chat_delete"));
    // An empty blocklist restricts nothing.
    EXPECT_FALSE(Parsed(R"({"users":{"mode":"blocklist","blockedIds":[]}})").HasRestrictions());
}

TEST(ServerRestrictionsTest, ActionEntriesMatchBareAndQualified) {
    const auto blocked = Parsed(
        R"({"actions":{"mode":"blocklist","blockedActions":["chat_delete","slack.chat_update"]}})");
    EXPECT_FALSE(blocked.ActionAllowed("slack", "chat_delete"));
    EXPECT_FALSE(blocked.ActionAllowed("slack", "chat_update"));
    EXPECT_TRUE(blocked.ActionAllowed("slack", "chat_postMessage"));

    const auto allowed = Parsed(
        R"({"connectors":{"mode":"blocklist","blockedIds":["github"]},
            "actions":{"mode":"allowlist","allowedActions":["slack.chat_postMessage"]}})");
    EXPECT_TRUE(allowed.ActionAllowed("slack", "chat_postMessage"));
    EXPECT_FALSE(allowed.ActionAllowed("slack", "chat_update"));
    EXPECT_FALSE(allowed.ConnectorAllowed("github"));
    EXPECT_TRUE(allowed.ConnectorAllowed("slack"));
}

TEST(ServerRestrictionsTest, UsersByList) {
    const auto users = Parsed(
        R"({"users":{"mode":"allowlist","allowedIds":["68c3229752345278627ae373"],"blockedIds":[]}})");
    EXPECT_TRUE(users.UserAllowed("68c3229752345278627ae373"));
    EXPECT_FALSE(users.UserAllowed("68c3229752345278627ae374"));
}

TEST(ServerRestrictionsTest, NormalizedTextRoundTripsThroughFromStored) {
    const auto parsed = Parsed(
        R"({"users":{"mode":"blocklist","blockedIds":["68c3229752345278627ae373"]},
            "connectors":{"mode":"allowlist","allowedIds":["slack"]}})");
    const std::string text = boost::json::serialize(parsed.Normalized());
    EXPECT_EQ(
        text,
        R"({"connectors":{"mode":"allowlist","allowedIds":["slack"],"blockedIds":[]},)"
        R"("users":{"mode":"blocklist","allowedIds":[],"blockedIds":["68c3229752345278627ae373"]}})");
    auto stored = ServerRestrictions::FromStored(text);
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(boost::json::serialize(stored->Normalized()), text);
    // Stored ids are not checked against the catalog (it may have changed since).
    EXPECT_TRUE(ServerRestrictions::FromStored(
                    R"({"connectors":{"mode":"allowlist","allowedIds":["gone"]}})")
                    .has_value());
    const auto broken = ServerRestrictions::FromStored("{not json");
    ASSERT_FALSE(broken.has_value());
    EXPECT_EQ(broken.error().code, ErrorCode::kInternal);
}

TEST(ServerRestrictionsTest, ProblemsAreFieldErrorsAndUnknownIdsAreListed) {
    const auto parsed = ServerRestrictions::Parse(
        boost::json::parse(R"({"connectors":{"mode":"allowlist","allowedIds":["nope"]},
                               "users":{"mode":"blocklist","allowedIds":["x"]}})"),
        TheCatalog());
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    ASSERT_EQ(parsed.error().fields.size(), 3U);
    EXPECT_EQ(parsed.error().fields[0].field, "restrictions.connectors.allowedIds");
    EXPECT_EQ(parsed.error().fields[1].field, "restrictions.users.allowedIds");
    EXPECT_EQ(parsed.error().fields[2].message, "must be empty when mode is blocklist");
    EXPECT_EQ(boost::json::serialize(parsed.error().extra.at("unknown")), R"(["nope"])");
}

}  // namespace
}  // namespace junction::service
