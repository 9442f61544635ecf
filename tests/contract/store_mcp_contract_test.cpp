// The MCP half of the store contract (servers and sessions); like the rest, every test runs on
// SQLite and on PostgreSQL.
#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store_fixture.hpp"

namespace junction::storage {
namespace {

using contract::At;
using contract::BackendNames;
using contract::Backends;
using contract::kAlice;
using contract::kBob;
using contract::McpServer;

McpSessionRow Session(std::string id_hash, std::string server_id, std::int64_t used_ms) {
    return McpSessionRow{.id_hash = std::move(id_hash),
                         .server_id = std::move(server_id),
                         .user_id = std::string(kAlice),
                         .principal = "token:token-hash-1",
                         .protocol_version = "2025-06-18",
                         .created_at = At(used_ms),
                         .last_used_at = At(used_ms)};
}

template <class Backend>
class McpStoreContractTest : public contract::StoreContractTest<Backend> {
protected:
    void SetUp() override {
        contract::StoreContractTest<Backend>::SetUp();
        this->SeedUser(std::string(kAlice), "alice");
        this->SeedUser(std::string(kBob), "bob");
    }

    void SeedServer(const McpServerRow& server) {
        const auto created = this->TheStore().CreateMcpServer(server);
        ASSERT_TRUE(created.has_value()) << created.error().message << created.error().detail;
    }

    void SeedSession(const McpSessionRow& session, std::size_t max = 100) {
        const auto created = this->TheStore().CreateMcpSession(session, max, At(0));
        ASSERT_TRUE(created.has_value()) << created.error().message << created.error().detail;
    }

    std::vector<std::string> SessionIds() {
        return this->RawColumn("SELECT id_hash FROM mcp_sessions ORDER BY id_hash");
    }
};

TYPED_TEST_SUITE(McpStoreContractTest, Backends, BackendNames);

TYPED_TEST(McpStoreContractTest, CreatedServerRoundTripsAllFields) {
    auto server = McpServer("prod-a1b2c3d4", kAlice, "Prod");
    server.is_public = true;
    server.restrictions = R"({"users":{"mode":"blocklist","allowedIds":[],"blockedIds":[]}})";
    server.token_expires_in_days = 30;
    server.token_expires_at = At(1000 + 30LL * 86400000);
    server.updated_at = At(1500);
    this->SeedServer(server);

    const auto found = this->TheStore().FindMcpServer("prod-a1b2c3d4");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, server.id);
    EXPECT_EQ(found->owner_user_id, kAlice);
    EXPECT_EQ(found->name, "Prod");
    EXPECT_EQ(found->name_key, "prod");
    EXPECT_EQ(found->description, "desc");
    EXPECT_EQ(found->custom_instructions, "be nice");
    EXPECT_EQ(found->mode, "connectivity");
    EXPECT_TRUE(found->is_public);
    EXPECT_EQ(found->restrictions, server.restrictions);
    EXPECT_EQ(found->token_hash, "token-hash-1");
    EXPECT_EQ(found->token_expires_in_days, 30);
    EXPECT_EQ(found->token_expires_at, server.token_expires_at);
    EXPECT_EQ(found->created_at, At(1000));
    EXPECT_EQ(found->updated_at, At(1500));
}

TYPED_TEST(McpStoreContractTest, NullExpiryRoundTrips) {
    this->SeedServer(McpServer("prod-1", kAlice, "Prod"));
    const auto found = this->TheStore().FindMcpServer("prod-1");
    ASSERT_TRUE(found.has_value());
    EXPECT_FALSE(found->token_expires_in_days.has_value());
    EXPECT_FALSE(found->token_expires_at.has_value());
    EXPECT_FALSE(found->is_public);
}

TYPED_TEST(McpStoreContractTest, UnknownServerIsNotFound) {
    const auto found = this->TheStore().FindMcpServer("nope-12345678");
    ASSERT_FALSE(found.has_value());
    EXPECT_EQ(found.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(found.error().message, "Server 'nope-12345678' not found");
}

TYPED_TEST(McpStoreContractTest, ServerOfAnUnknownOwnerIsNotFound) {
    const auto created =
        this->TheStore().CreateMcpServer(McpServer("x-1", "ccccccccccccccccccccccc9", "X"));
    ASSERT_FALSE(created.has_value());
    EXPECT_EQ(created.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(McpStoreContractTest, NamesAreUniquePerOwnerCaseInsensitively) {
    this->SeedServer(McpServer("prod-1", kAlice, "Prod Server"));

    const auto again = this->TheStore().CreateMcpServer(McpServer("prod-2", kAlice, "PROD server"));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(again.error().message, "A server named 'PROD server' already exists");

    // Another owner may use the same name.
    this->SeedServer(McpServer("prod-3", kBob, "Prod Server"));
    EXPECT_FALSE(this->TheStore().FindMcpServer("prod-2").has_value());
}

TYPED_TEST(McpStoreContractTest, ATakenIdIsAConflictNamingTheId) {
    this->SeedServer(McpServer("prod-1", kAlice, "Prod"));
    const auto again = this->TheStore().CreateMcpServer(McpServer("prod-1", kBob, "Other"));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    const auto* field = again.error().extra.if_contains("field");
    ASSERT_NE(field, nullptr);
    EXPECT_EQ(field->as_string(), "serverId");
}

TYPED_TEST(McpStoreContractTest, ListIsPerOwnerNewestFirstWithTotal) {
    this->SeedServer(McpServer("a-1", kAlice, "A", 1000));
    this->SeedServer(McpServer("b-1", kAlice, "B", 3000));
    this->SeedServer(McpServer("c-1", kAlice, "C", 2000));
    this->SeedServer(McpServer("d-1", kAlice, "D", 3000));  // tie with b-1: id descending
    this->SeedServer(McpServer("e-1", kBob, "E", 4000));

    const auto all = this->TheStore().ListMcpServers(kAlice, PageRequest{});
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(all->total, 4);
    std::vector<std::string> ids;
    for (const auto& server : all->items) {
        ids.push_back(server.id);
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"d-1", "b-1", "c-1", "a-1"}));

    const auto page = this->TheStore().ListMcpServers(kAlice, PageRequest{.limit = 2, .offset = 1});
    ASSERT_TRUE(page.has_value());
    EXPECT_EQ(page->total, 4);
    ASSERT_EQ(page->items.size(), 2U);
    EXPECT_EQ(page->items[0].id, "b-1");
    EXPECT_EQ(page->items[1].id, "c-1");

    const auto none = this->TheStore().ListMcpServers("ccccccccccccccccccccccc9", PageRequest{});
    ASSERT_TRUE(none.has_value());
    EXPECT_EQ(none->total, 0);
    EXPECT_TRUE(none->items.empty());
}

TYPED_TEST(McpStoreContractTest, UpdateReplacesTheEditableFieldsOnly) {
    this->SeedServer(McpServer("prod-1", kAlice, "Prod"));
    auto changed = McpServer("prod-1", kAlice, "Renamed");
    changed.description = "new";
    changed.custom_instructions = "";
    changed.is_public = true;
    changed.restrictions = R"({"connectors":{"mode":"allowlist","allowedIds":[],"blockedIds":[]}})";
    changed.token_hash = "must-not-change";
    changed.token_expires_in_days = 5;
    changed.created_at = At(9);
    changed.updated_at = At(7000);
    ASSERT_TRUE(this->TheStore().UpdateMcpServer(changed).has_value());

    const auto found = this->TheStore().FindMcpServer("prod-1");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->name, "Renamed");
    EXPECT_EQ(found->name_key, "renamed");
    EXPECT_EQ(found->description, "new");
    EXPECT_EQ(found->custom_instructions, "");
    EXPECT_TRUE(found->is_public);
    EXPECT_EQ(found->restrictions, changed.restrictions);
    EXPECT_EQ(found->token_hash, "token-hash-1");
    EXPECT_FALSE(found->token_expires_in_days.has_value());
    EXPECT_EQ(found->created_at, At(1000));
    EXPECT_EQ(found->updated_at, At(7000));
}

TYPED_TEST(McpStoreContractTest, RenamingOntoATakenNameIsAConflict) {
    this->SeedServer(McpServer("a-1", kAlice, "A"));
    this->SeedServer(McpServer("b-1", kAlice, "B"));
    const auto renamed = this->TheStore().UpdateMcpServer(McpServer("b-1", kAlice, "a"));
    ASSERT_FALSE(renamed.has_value());
    EXPECT_EQ(renamed.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(renamed.error().message, "A server named 'a' already exists");
    // Changing only the case of its own name is fine.
    EXPECT_TRUE(this->TheStore().UpdateMcpServer(McpServer("b-1", kAlice, "b")).has_value());
}

TYPED_TEST(McpStoreContractTest, WritesToAnUnknownServerAreNotFound) {
    const auto server = McpServer("nope-1", kAlice, "Nope");
    const auto updated = this->TheStore().UpdateMcpServer(server);
    ASSERT_FALSE(updated.has_value());
    EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
    const auto rotated = this->TheStore().RotateMcpServerToken(server);
    ASSERT_FALSE(rotated.has_value());
    EXPECT_EQ(rotated.error().code, ErrorCode::kNotFound);
    const auto deleted = this->TheStore().DeleteMcpServer("nope-1");
    ASSERT_FALSE(deleted.has_value());
    EXPECT_EQ(deleted.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(deleted.error().message, "Server 'nope-1' not found");
}

TYPED_TEST(McpStoreContractTest, RotationReplacesTheTokenAndDeletesOnlyThatServersSessions) {
    this->SeedServer(McpServer("a-1", kAlice, "A"));
    this->SeedServer(McpServer("b-1", kAlice, "B"));
    this->SeedSession(Session("s1", "a-1", 1000));
    this->SeedSession(Session("s2", "a-1", 1000));
    this->SeedSession(Session("s3", "b-1", 1000));

    auto rotated = McpServer("a-1", kAlice, "ignored");
    rotated.token_hash = "token-hash-2";
    rotated.token_expires_in_days = 7;
    rotated.token_expires_at = At(5000 + 7LL * 86400000);
    rotated.updated_at = At(5000);
    ASSERT_TRUE(this->TheStore().RotateMcpServerToken(rotated).has_value());

    const auto found = this->TheStore().FindMcpServer("a-1");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->name, "A");
    EXPECT_EQ(found->token_hash, "token-hash-2");
    EXPECT_EQ(found->token_expires_in_days, 7);
    EXPECT_EQ(found->token_expires_at, rotated.token_expires_at);
    EXPECT_EQ(found->updated_at, At(5000));
    EXPECT_EQ(this->SessionIds(), (std::vector<std::string>{"s3"}));

    // Rotating back to no expiry clears both columns.
    rotated.token_expires_in_days = std::nullopt;
    rotated.token_expires_at = std::nullopt;
    ASSERT_TRUE(this->TheStore().RotateMcpServerToken(rotated).has_value());
    const auto cleared = this->TheStore().FindMcpServer("a-1");
    ASSERT_TRUE(cleared.has_value());
    EXPECT_FALSE(cleared->token_expires_in_days.has_value());
    EXPECT_FALSE(cleared->token_expires_at.has_value());
}

TYPED_TEST(McpStoreContractTest, DeletingAServerDeletesItsSessions) {
    this->SeedServer(McpServer("a-1", kAlice, "A"));
    this->SeedServer(McpServer("b-1", kAlice, "B"));
    this->SeedSession(Session("s1", "a-1", 1000));
    this->SeedSession(Session("s2", "b-1", 1000));

    ASSERT_TRUE(this->TheStore().DeleteMcpServer("a-1").has_value());
    EXPECT_FALSE(this->TheStore().FindMcpServer("a-1").has_value());
    EXPECT_EQ(this->SessionIds(), (std::vector<std::string>{"s2"}));
    // The name is free again.
    this->SeedServer(McpServer("a-2", kAlice, "A"));
}

TYPED_TEST(McpStoreContractTest, DeletingAUserDeletesItsServersAndSessions) {
    this->SeedServer(McpServer("a-1", kAlice, "A"));
    this->SeedServer(McpServer("b-1", kBob, "B"));
    this->SeedSession(Session("s1", "a-1", 1000));
    auto bobs_session_on_alice_server = Session("s2", "a-1", 1000);
    bobs_session_on_alice_server.user_id = std::string(kBob);
    this->SeedSession(bobs_session_on_alice_server);
    auto alices_session_on_bob_server = Session("s3", "b-1", 1000);
    this->SeedSession(alices_session_on_bob_server);
    auto bobs_session = Session("s4", "b-1", 1000);
    bobs_session.user_id = std::string(kBob);
    this->SeedSession(bobs_session);

    ASSERT_TRUE(this->TheStore().DeleteUser(kAlice, At(9000)).has_value());
    EXPECT_FALSE(this->TheStore().FindMcpServer("a-1").has_value());
    EXPECT_TRUE(this->TheStore().FindMcpServer("b-1").has_value());
    // s1, s2 died with Alice's server; s3 was Alice's session on Bob's server.
    EXPECT_EQ(this->SessionIds(), (std::vector<std::string>{"s4"}));
}

TYPED_TEST(McpStoreContractTest, TouchRefreshesLastUseAndHonoursTheIdleCutoff) {
    this->SeedServer(McpServer("a-1", kAlice, "A"));
    this->SeedSession(Session("s1", "a-1", 1000));

    const auto touched = this->TheStore().TouchMcpSession("s1", At(500), At(4000));
    ASSERT_TRUE(touched.has_value());
    EXPECT_EQ(touched->id_hash, "s1");
    EXPECT_EQ(touched->server_id, "a-1");
    EXPECT_EQ(touched->user_id, kAlice);
    EXPECT_EQ(touched->principal, "token:token-hash-1");
    EXPECT_EQ(touched->protocol_version, "2025-06-18");
    EXPECT_EQ(touched->created_at, At(1000));
    EXPECT_EQ(touched->last_used_at, At(4000));
    EXPECT_EQ(this->RawColumn("SELECT last_used_at FROM mcp_sessions"),
              (std::vector<std::string>{"4000"}));

    // Used at exactly the cutoff still counts; idle since before it does not.
    EXPECT_TRUE(this->TheStore().TouchMcpSession("s1", At(4000), At(5000)).has_value());
    const auto idle = this->TheStore().TouchMcpSession("s1", At(5001), At(9000));
    ASSERT_FALSE(idle.has_value());
    EXPECT_EQ(idle.error().code, ErrorCode::kNotFound);

    const auto unknown = this->TheStore().TouchMcpSession("nope", At(0), At(9000));
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(McpStoreContractTest, CountIgnoresIdleSessionsAndCreateForgetsThem) {
    this->SeedServer(McpServer("a-1", kAlice, "A"));
    this->SeedSession(Session("s1", "a-1", 1000));
    this->SeedSession(Session("s2", "a-1", 2000));
    this->SeedSession(Session("s3", "a-1", 3000));

    const auto live = this->TheStore().CountMcpSessions(At(2000));
    ASSERT_TRUE(live.has_value());
    EXPECT_EQ(*live, 2);

    ASSERT_TRUE(
        this->TheStore().CreateMcpSession(Session("s4", "a-1", 4000), 100, At(2500)).has_value());
    EXPECT_EQ(this->SessionIds(), (std::vector<std::string>{"s3", "s4"}));
}

TYPED_TEST(McpStoreContractTest, CreateEvictsTheLeastRecentlyUsedPastTheMaximum) {
    this->SeedServer(McpServer("a-1", kAlice, "A"));
    this->SeedSession(Session("s1", "a-1", 1000), 3);
    this->SeedSession(Session("s2", "a-1", 2000), 3);
    this->SeedSession(Session("s3", "a-1", 3000), 3);
    // s1 becomes the most recently used one.
    ASSERT_TRUE(this->TheStore().TouchMcpSession("s1", At(0), At(3500)).has_value());

    this->SeedSession(Session("s4", "a-1", 4000), 3);
    EXPECT_EQ(this->SessionIds(), (std::vector<std::string>{"s1", "s3", "s4"}));

    // Lowering the maximum evicts several at once, never the new session.
    this->SeedSession(Session("s5", "a-1", 100), 2);
    EXPECT_EQ(this->SessionIds(), (std::vector<std::string>{"s4", "s5"}));
}

TYPED_TEST(McpStoreContractTest, DeleteSessionOnceThenNotFound) {
    this->SeedServer(McpServer("a-1", kAlice, "A"));
    this->SeedSession(Session("s1", "a-1", 1000));
    ASSERT_TRUE(this->TheStore().DeleteMcpSession("s1").has_value());
    const auto again = this->TheStore().DeleteMcpSession("s1");
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(McpStoreContractTest, SessionForAnUnknownServerIsRefused) {
    const auto created =
        this->TheStore().CreateMcpSession(Session("s1", "nope-1", 1000), 10, At(0));
    ASSERT_FALSE(created.has_value());
    EXPECT_EQ(created.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace junction::storage
