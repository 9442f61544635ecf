// One contract, two backends (DESIGN.md §13): every test runs on SQLite and on PostgreSQL.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store_fixture.hpp"

namespace junction::storage {
namespace {

using contract::At;
using contract::BackendNames;
using contract::Backends;
using contract::Credential;
using contract::kAlice;
using contract::kBob;
using contract::kCarol;
using contract::StoreContractTest;

TYPED_TEST_SUITE(StoreContractTest, Backends, BackendNames);

TYPED_TEST(StoreContractTest, UnknownUserIsNotFoundById) {
    const auto found = this->TheStore().FindUserById("000000000000000000000000");
    ASSERT_FALSE(found.has_value());
    EXPECT_EQ(found.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(found.error().message, "User '000000000000000000000000' not found");
}

TYPED_TEST(StoreContractTest, UnknownUserIsNotFoundByUsername) {
    const auto found = this->TheStore().FindUserByUsername("nobody");
    ASSERT_FALSE(found.has_value());
    EXPECT_EQ(found.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(found.error().message, "User 'nobody' not found");
}

TYPED_TEST(StoreContractTest, CreatedUserIsFoundByIdAndUsername) {
    const UserRow alice = this->SeedUser(std::string(kAlice), "alice@example.com", 1234);

    const auto by_id = this->TheStore().FindUserById(kAlice);
    ASSERT_TRUE(by_id.has_value());
    EXPECT_EQ(by_id->username, "alice@example.com");
    EXPECT_EQ(by_id->full_name, "Full alice@example.com");
    EXPECT_EQ(ToUnixMillis(by_id->created_at), 1234);
    const auto by_name = this->TheStore().FindUserByUsername("alice@example.com");
    ASSERT_TRUE(by_name.has_value());
    EXPECT_EQ(by_name->id, alice.id);
}

TYPED_TEST(StoreContractTest, DuplicateUsernameIsAConflictAndChangesNothing) {
    this->SeedUser(std::string(kAlice), "alice");
    const auto again = this->TheStore().CreateUser(UserRow{
        .id = std::string(kBob), .username = "alice", .created_at = At(1), .updated_at = At(1)});
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(again.error().message, "Username 'alice' already exists");
    EXPECT_EQ(*this->TheStore().CountUsers(), 1);
    EXPECT_FALSE(this->TheStore().FindUserById(kBob).has_value());
}

TYPED_TEST(StoreContractTest, UsernamesAreCaseSensitive) {
    this->SeedUser(std::string(kAlice), "alice");
    EXPECT_TRUE(this->TheStore()
                    .CreateUser(UserRow{.id = std::string(kBob), .username = "Alice"})
                    .has_value());
}

TYPED_TEST(StoreContractTest, ListUsersPagesInCreationOrderWithTotal) {
    this->SeedUser(std::string(kCarol), "carol", 3000);
    this->SeedUser(std::string(kAlice), "alice", 1000);
    this->SeedUser(std::string(kBob), "bob", 2000);

    const auto all = this->TheStore().ListUsers(PageRequest{.limit = 1000, .offset = 0});
    ASSERT_TRUE(all.has_value());
    ASSERT_EQ(all->items.size(), 3U);
    EXPECT_EQ(all->items[0].username, "alice");
    EXPECT_EQ(all->items[1].username, "bob");
    EXPECT_EQ(all->items[2].username, "carol");
    EXPECT_EQ(all->total, 3);

    const auto page = this->TheStore().ListUsers(PageRequest{.limit = 1, .offset = 1});
    ASSERT_TRUE(page.has_value());
    ASSERT_EQ(page->items.size(), 1U);
    EXPECT_EQ(page->items[0].username, "bob");
    EXPECT_EQ(page->total, 3);
}

TYPED_TEST(StoreContractTest, UpdateUserChangesFieldsAndKeepsId) {
    UserRow alice = this->SeedUser(std::string(kAlice), "alice");
    alice.username = "alice2";
    alice.full_name = "Alice Two";
    alice.updated_at = At(9999);
    ASSERT_TRUE(this->TheStore().UpdateUser(alice).has_value());

    const auto found = this->TheStore().FindUserById(kAlice);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->username, "alice2");
    EXPECT_EQ(found->full_name, "Alice Two");
    EXPECT_EQ(ToUnixMillis(found->updated_at), 9999);
    EXPECT_EQ(ToUnixMillis(found->created_at), 1000);
}

TYPED_TEST(StoreContractTest, RenamingToATakenUsernameIsAConflict) {
    this->SeedUser(std::string(kAlice), "alice");
    UserRow bob = this->SeedUser(std::string(kBob), "bob");
    bob.username = "alice";
    const auto updated = this->TheStore().UpdateUser(bob);
    ASSERT_FALSE(updated.has_value());
    EXPECT_EQ(updated.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(updated.error().message, "Username 'alice' already exists");
    EXPECT_EQ(this->TheStore().FindUserById(kBob)->username, "bob");
}

TYPED_TEST(StoreContractTest, UpdatingAnUnknownUserIsNotFound) {
    const auto updated =
        this->TheStore().UpdateUser(UserRow{.id = std::string(kAlice), .username = "x"});
    ASSERT_FALSE(updated.has_value());
    EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(StoreContractTest, TokenEpochStartsAtZeroAndEachBumpAddsOne) {
    this->SeedUser(std::string(kAlice), "alice");
    this->SeedUser(std::string(kBob), "bob");
    EXPECT_EQ(this->TheStore().FindUserById(kAlice)->token_epoch, 0);

    EXPECT_EQ(this->TheStore().BumpTokenEpoch(kAlice), 1);
    EXPECT_EQ(this->TheStore().BumpTokenEpoch(kAlice), 2);
    EXPECT_EQ(this->TheStore().FindUserById(kAlice)->token_epoch, 2);
    EXPECT_EQ(this->TheStore().FindUserByUsername("alice")->token_epoch, 2);
    EXPECT_EQ(this->TheStore().FindUserById(kBob)->token_epoch, 0);  // only the one user

    // A rename keeps the epoch (UpdateUser does not write it).
    auto renamed = *this->TheStore().FindUserById(kAlice);
    renamed.username = "alice2";
    renamed.token_epoch = 0;
    ASSERT_TRUE(this->TheStore().UpdateUser(renamed).has_value());
    EXPECT_EQ(this->TheStore().FindUserById(kAlice)->token_epoch, 2);

    const auto unknown = this->TheStore().BumpTokenEpoch("000000000000000000000000");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(unknown.error().message, "User '000000000000000000000000' not found");
}

TYPED_TEST(StoreContractTest, DeleteUserCascadesToItsApiKeys) {
    this->SeedUser(std::string(kAlice), "alice");
    this->SeedUser(std::string(kBob), "bob");
    this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb1", std::string(kAlice), "admin");
    this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb2", std::string(kBob), "user");

    ASSERT_TRUE(this->TheStore().DeleteUser(kBob, At(5000)).has_value());

    EXPECT_FALSE(this->TheStore().FindUserById(kBob).has_value());
    const auto key = this->TheStore().FindApiKeyByHash("hash-bbbbbbbbbbbbbbbbbbbbbbb2");
    ASSERT_FALSE(key.has_value());
    EXPECT_EQ(key.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(this->TheStore().FindApiKeyByHash("hash-bbbbbbbbbbbbbbbbbbbbbbb1").has_value());
}

TYPED_TEST(StoreContractTest, DeletingTheOwnerOfTheLastAdminKeyIsRefused) {
    this->SeedUser(std::string(kAlice), "alice");
    this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb1", std::string(kAlice), "admin");

    const auto deleted = this->TheStore().DeleteUser(kAlice, At(5000));
    ASSERT_FALSE(deleted.has_value());
    EXPECT_EQ(deleted.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(deleted.error().message,
              "Deleting this user would remove the last active admin API key");
    EXPECT_TRUE(this->TheStore().FindUserById(kAlice).has_value());
}

TYPED_TEST(StoreContractTest, DeletingAnUnknownUserIsNotFound) {
    const auto deleted = this->TheStore().DeleteUser(kAlice, At(1));
    ASSERT_FALSE(deleted.has_value());
    EXPECT_EQ(deleted.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(deleted.error().message, "User 'aaaaaaaaaaaaaaaaaaaaaaa1' not found");
}

TYPED_TEST(StoreContractTest, ApiKeyForAnUnknownOwnerIsNotFound) {
    const auto created =
        this->TheStore().CreateApiKey(ApiKeyRow{.id = "bbbbbbbbbbbbbbbbbbbbbbb1",
                                                .name = "k",
                                                .role = "user",
                                                .owner_user_id = std::string(kAlice),
                                                .key_hash = "h",
                                                .prefix = "p"});
    ASSERT_FALSE(created.has_value());
    EXPECT_EQ(created.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(created.error().message, "User 'aaaaaaaaaaaaaaaaaaaaaaa1' not found");
}

TYPED_TEST(StoreContractTest, ApiKeyRoundTripsAllFields) {
    this->SeedUser(std::string(kAlice), "alice");
    this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb1", std::string(kAlice), "user", At(70000));

    const auto key = this->TheStore().FindApiKeyByHash("hash-bbbbbbbbbbbbbbbbbbbbbbb1");
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(key->id, "bbbbbbbbbbbbbbbbbbbbbbb1");
    EXPECT_EQ(key->role, "user");
    EXPECT_EQ(key->owner_user_id, kAlice);
    EXPECT_EQ(key->prefix, "bbbbbbbb");
    EXPECT_EQ(ToUnixMillis(key->created_at), 2000);
    ASSERT_TRUE(key->expires_at.has_value());
    EXPECT_EQ(ToUnixMillis(*key->expires_at), 70000);
    EXPECT_FALSE(key->last_used_at.has_value());
    EXPECT_FALSE(key->revoked_at.has_value());

    ASSERT_TRUE(this->TheStore().TouchApiKey("bbbbbbbbbbbbbbbbbbbbbbb1", At(3000)).has_value());
    EXPECT_EQ(
        ToUnixMillis(
            *this->TheStore().FindApiKeyByHash("hash-bbbbbbbbbbbbbbbbbbbbbbb1")->last_used_at),
        3000);
}

TYPED_TEST(StoreContractTest, RevokedKeysLeaveTheListAndCannotBeRevokedTwice) {
    this->SeedUser(std::string(kAlice), "alice");
    this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb1", std::string(kAlice), "admin");
    this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb2", std::string(kAlice), "user");

    ASSERT_TRUE(this->TheStore().RevokeApiKey("bbbbbbbbbbbbbbbbbbbbbbb2", At(4000)).has_value());

    const auto listed = this->TheStore().ListApiKeys(PageRequest{});
    ASSERT_TRUE(listed.has_value());
    ASSERT_EQ(listed->items.size(), 1U);
    EXPECT_EQ(listed->items[0].id, "bbbbbbbbbbbbbbbbbbbbbbb1");
    EXPECT_EQ(listed->total, 1);
    EXPECT_EQ(ToUnixMillis(
                  *this->TheStore().FindApiKeyByHash("hash-bbbbbbbbbbbbbbbbbbbbbbb2")->revoked_at),
              4000);

    const auto again = this->TheStore().RevokeApiKey("bbbbbbbbbbbbbbbbbbbbbbb2", At(5000));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(again.error().message, "API key 'bbbbbbbbbbbbbbbbbbbbbbb2' not found");
}

TYPED_TEST(StoreContractTest, TheLastActiveAdminKeyCannotBeRevoked) {
    this->SeedUser(std::string(kAlice), "alice");
    this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb1", std::string(kAlice), "admin");
    this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb2", std::string(kAlice), "admin", At(100));  // expired

    const auto revoked = this->TheStore().RevokeApiKey("bbbbbbbbbbbbbbbbbbbbbbb1", At(4000));
    ASSERT_FALSE(revoked.has_value());
    EXPECT_EQ(revoked.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(revoked.error().message, "Cannot revoke the last active admin API key");
    EXPECT_EQ(*this->TheStore().CountActiveAdminKeys(At(4000)), 1);
    EXPECT_EQ(*this->TheStore().CountActiveAdminKeys(At(50)), 2);
}

TYPED_TEST(StoreContractTest, ConcurrentRevocationsNeverRemoveEveryAdminKey) {
    this->SeedUser(std::string(kAlice), "alice");
    this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb1", std::string(kAlice), "admin");
    this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb2", std::string(kAlice), "admin");

    std::atomic<int> succeeded{0};
    std::thread first([&] {
        succeeded +=
            this->TheStore().RevokeApiKey("bbbbbbbbbbbbbbbbbbbbbbb1", At(1)).has_value() ? 1 : 0;
    });
    std::thread second([&] {
        succeeded +=
            this->TheStore().RevokeApiKey("bbbbbbbbbbbbbbbbbbbbbbb2", At(1)).has_value() ? 1 : 0;
    });
    first.join();
    second.join();

    EXPECT_EQ(succeeded.load(), 1);
    EXPECT_EQ(*this->TheStore().CountActiveAdminKeys(At(1)), 1);
}

TYPED_TEST(StoreContractTest, ConcurrentCreatesOfOneUsernameLetExactlyOneWin) {
    std::atomic<int> created{0};
    std::atomic<int> conflicts{0};
    std::vector<std::thread> threads;
    threads.reserve(8);
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            const std::string id = "cccccccccccccccccccccc" + std::to_string(10 + i);
            const auto result = this->TheStore().CreateUser(UserRow{.id = id, .username = "same"});
            if (result) {
                ++created;
            } else if (result.error().code == ErrorCode::kAlreadyExists) {
                ++conflicts;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(created.load(), 1);
    EXPECT_EQ(conflicts.load(), 7);
}

TYPED_TEST(StoreContractTest, BootstrapCreatesTheFirstAdminKeyOnlyOnce) {
    const UserRow admin{
        .id = std::string(kAlice), .username = "admin", .created_at = At(1), .updated_at = At(1)};
    const ApiKeyRow key{.id = "bbbbbbbbbbbbbbbbbbbbbbb1",
                        .name = "bootstrap",
                        .role = "admin",
                        .key_hash = "h1",
                        .prefix = "p",
                        .created_at = At(1)};

    const auto first = this->TheStore().BootstrapAdminKey(admin, key, At(10));
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(*first);
    ApiKeyRow second_key = key;
    second_key.id = "bbbbbbbbbbbbbbbbbbbbbbb2";
    second_key.key_hash = "h2";
    const auto second = this->TheStore().BootstrapAdminKey(admin, second_key, At(10));
    ASSERT_TRUE(second.has_value());
    EXPECT_FALSE(*second);

    EXPECT_EQ(this->TheStore().FindApiKeyByHash("h1")->owner_user_id, kAlice);
    EXPECT_FALSE(this->TheStore().FindApiKeyByHash("h2").has_value());
    EXPECT_EQ(*this->TheStore().CountUsers(), 1);
}

TYPED_TEST(StoreContractTest, BootstrapReusesAnExistingUserWithTheAdminName) {
    this->SeedUser(std::string(kBob), "admin");
    const auto created =
        this->TheStore().BootstrapAdminKey(UserRow{.id = std::string(kAlice), .username = "admin"},
                                           ApiKeyRow{.id = "bbbbbbbbbbbbbbbbbbbbbbb1",
                                                     .name = "b",
                                                     .role = "admin",
                                                     .key_hash = "h1",
                                                     .prefix = "p"},
                                           At(10));
    ASSERT_TRUE(created.has_value());
    EXPECT_TRUE(*created);
    EXPECT_EQ(this->TheStore().FindApiKeyByHash("h1")->owner_user_id, kBob);
}

TYPED_TEST(StoreContractTest, RateLimitWindowsCountAndForgetOldWindows) {
    auto& store = this->TheStore();
    EXPECT_EQ(store.HitRateLimit("k", 60000, 60000)->current, 1);
    EXPECT_EQ(store.HitRateLimit("k", 60000, 60000)->current, 2);
    const auto next = store.HitRateLimit("k", 120000, 60000);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->current, 1);
    EXPECT_EQ(next->previous, 2);
    EXPECT_EQ(store.HitRateLimit("other", 120000, 60000)->current, 1);

    const auto peek = store.PeekRateLimit("k", 120000, 60000);
    ASSERT_TRUE(peek.has_value());
    EXPECT_EQ(peek->current, 1);
    EXPECT_EQ(peek->previous, 2);
    EXPECT_EQ(store.PeekRateLimit("k", 120000, 60000)->current, 1);  // peeking does not count

    const auto later = store.HitRateLimit("k", 240000, 60000);  // a gap: window 180000 is empty
    EXPECT_EQ(later->current, 1);
    EXPECT_EQ(later->previous, 0);
    EXPECT_EQ(store.PeekRateLimit("k", 120000, 60000)->current, 0);  // pruned
}

TYPED_TEST(StoreContractTest, CredentialsAreListedNewestFirstPerUserAndConnector) {
    this->SeedUser(std::string(kAlice), "alice");
    this->SeedUser(std::string(kBob), "bob");
    auto& store = this->TheStore();
    ASSERT_TRUE(store
                    .CreateCredential(
                        Credential("ddddddddddddddddddddddd1", std::string(kAlice), "slack", 100))
                    .has_value());
    ASSERT_TRUE(store
                    .CreateCredential(
                        Credential("ddddddddddddddddddddddd2", std::string(kAlice), "github", 300))
                    .has_value());
    ASSERT_TRUE(store
                    .CreateCredential(
                        Credential("ddddddddddddddddddddddd3", std::string(kAlice), "slack", 200))
                    .has_value());
    ASSERT_TRUE(store
                    .CreateCredential(
                        Credential("ddddddddddddddddddddddd4", std::string(kBob), "slack", 400))
                    .has_value());

    const auto all = store.ListCredentials(kAlice, std::nullopt, PageRequest{});
    ASSERT_TRUE(all.has_value());
    ASSERT_EQ(all->items.size(), 3U);
    EXPECT_EQ(all->items[0].id, "ddddddddddddddddddddddd2");
    EXPECT_EQ(all->items[1].id, "ddddddddddddddddddddddd3");
    EXPECT_EQ(all->items[2].id, "ddddddddddddddddddddddd1");
    EXPECT_EQ(all->items[0].secret, "c2VhbGVk");
    EXPECT_EQ(all->items[0].key_id, 1U);

    const auto slack =
        store.ListCredentials(kAlice, std::string("slack"), PageRequest{.limit = 1, .offset = 0});
    ASSERT_TRUE(slack.has_value());
    ASSERT_EQ(slack->items.size(), 1U);
    EXPECT_EQ(slack->items[0].id, "ddddddddddddddddddddddd3");
    EXPECT_EQ(slack->total, 2);
}

TYPED_TEST(StoreContractTest, OnlyTheOwnerDeletesACredential) {
    this->SeedUser(std::string(kAlice), "alice");
    this->SeedUser(std::string(kBob), "bob");
    auto& store = this->TheStore();
    ASSERT_TRUE(store
                    .CreateCredential(
                        Credential("ddddddddddddddddddddddd1", std::string(kAlice), "slack", 100))
                    .has_value());

    for (const auto& [user, connector] :
         std::vector<std::pair<std::string_view, std::optional<std::string>>>{
             {kBob, std::nullopt}, {kAlice, std::string("github")}}) {
        const auto refused = store.DeleteCredential(user, "ddddddddddddddddddddddd1", connector);
        ASSERT_FALSE(refused.has_value());
        EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
        EXPECT_EQ(refused.error().message, "Credential 'ddddddddddddddddddddddd1' not found");
    }
    EXPECT_TRUE(store.DeleteCredential(kAlice, "ddddddddddddddddddddddd1", std::string("slack"))
                    .has_value());
    EXPECT_EQ(store.ListCredentials(kAlice, std::nullopt, PageRequest{})->total, 0);
}

TYPED_TEST(StoreContractTest, CredentialsDieWithTheirUser) {
    this->SeedUser(std::string(kAlice), "alice");
    auto& store = this->TheStore();
    ASSERT_TRUE(store
                    .CreateCredential(
                        Credential("ddddddddddddddddddddddd1", std::string(kAlice), "slack", 100))
                    .has_value());
    ASSERT_TRUE(store.DeleteUser(kAlice, At(1)).has_value());
    EXPECT_EQ(store.ListCredentials(kAlice, std::nullopt, PageRequest{})->total, 0);
    const auto orphan = store.CreateCredential(
        Credential("ddddddddddddddddddddddd2", std::string(kAlice), "slack", 100));
    ASSERT_FALSE(orphan.has_value());
    EXPECT_EQ(orphan.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(StoreContractTest, MigrateIsIdempotentAndTheSchemaChecksOut) {
    EXPECT_TRUE(this->TheStore().Migrate().has_value());
    EXPECT_TRUE(this->TheStore().CheckSchema().has_value());
    EXPECT_TRUE(this->TheStore().Ping().has_value());
}

TYPED_TEST(StoreContractTest, ANewerSchemaIsRefused) {
    auto raw = this->RawDatabase();
    ASSERT_TRUE(raw->WithSession([](SqlSession& session) -> Result<void> {
                       auto rows = session.Query(
                           "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)",
                           {});
                       if (!rows) {
                           return Fail(std::move(rows.error()));
                       }
                       return Ok();
                   })
                    .has_value());

    const auto migrated = this->TheStore().Migrate();
    ASSERT_FALSE(migrated.has_value());
    EXPECT_EQ(migrated.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(
        migrated.error().message,
        "Database schema version 999 is newer than this binary supports (7); upgrade Junction");
    const auto checked = this->TheStore().CheckSchema();
    ASSERT_FALSE(checked.has_value());
    EXPECT_EQ(checked.error().message, "Database schema version 999, expected 7");
}

}  // namespace
}  // namespace junction::storage
