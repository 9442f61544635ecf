// CachingStore over both drivers: what a node caches, when its own writes and other nodes'
// writes take effect (API.md §1.4: at once locally, within the TTL elsewhere), and the combined
// rate-limit check. Two "nodes" are two CachingStores on one database, each with its own
// connection pool, sharing one manual clock.

#include "junction/storage/caching_store.hpp"

#include <functional>
#include <span>
#include <utility>

#include <gtest/gtest.h>

#include "store_fixture.hpp"

namespace junction::storage::contract {
namespace {

using namespace std::chrono_literals;

/// Only moves when told to.
class ManualClock final : public Clock {
public:
    [[nodiscard]] TimePoint Now() const override { return now_; }
    void Advance(std::chrono::milliseconds by) { now_ += by; }

private:
    TimePoint now_ = At(1'000'000);
};

/// A database that runs a hook once, right after the next session's work: a read has its row
/// but its caller has not seen it yet. A write in the hook is a write racing with that read.
class RacingDatabase final : public SqlDatabase {
public:
    explicit RacingDatabase(std::unique_ptr<SqlDatabase> inner) : inner_(std::move(inner)) {}

    void AfterNextSession(std::function<void()> hook) { hook_ = std::move(hook); }

    [[nodiscard]] Result<void> WithSession(const SessionWork& work) override {
        auto done = inner_->WithSession(work);
        // Taken first: the hook's own write must not run the hook again.
        if (auto hook = std::exchange(hook_, nullptr)) {
            hook();
        }
        return done;
    }
    [[nodiscard]] Result<void> WithTransaction(const SessionWork& work) override {
        return inner_->WithTransaction(work);
    }
    [[nodiscard]] Result<void> TakeTransactionLock(SqlSession& session,
                                                   std::int64_t lock_id) override {
        return inner_->TakeTransactionLock(session, lock_id);
    }
    [[nodiscard]] std::span<const Migration> Migrations() const override {
        return inner_->Migrations();
    }

private:
    std::unique_ptr<SqlDatabase> inner_;
    std::function<void()> hook_;
};

template <class Backend>
class CachingStoreTest : public StoreContractTest<Backend> {
protected:
    void SetUp() override {
        StoreContractTest<Backend>::SetUp();
        node_a_ = std::make_unique<CachingStore>(
            std::make_unique<SqlStore>(this->RawDatabase()), clock_, CacheOptions{.ttl = 1000ms});
        node_b_ = std::make_unique<CachingStore>(
            std::make_unique<SqlStore>(this->RawDatabase()), clock_, CacheOptions{.ttl = 1000ms});
        alice_ = this->SeedUser(std::string(kAlice), "alice");
        key_ = this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb1", std::string(kAlice), "user");
        // An admin key of someone else, so revoking alice's key is never the last admin key.
        this->SeedUser(std::string(kBob), "bob");
        this->SeedKey("bbbbbbbbbbbbbbbbbbbbbbb2", std::string(kBob), "admin");
    }

    ManualClock clock_;
    std::unique_ptr<CachingStore> node_a_;
    std::unique_ptr<CachingStore> node_b_;
    UserRow alice_;
    ApiKeyRow key_;
};

TYPED_TEST_SUITE(CachingStoreTest, Backends, BackendNames);

TYPED_TEST(CachingStoreTest, ARevokedKeyIsRefusedAtOnceLocallyAndWithinTheTtlElsewhere) {
    auto& a = *this->node_a_;
    auto& b = *this->node_b_;
    ASSERT_TRUE(a.FindApiKeyByHash(this->key_.key_hash).has_value());
    ASSERT_TRUE(b.FindApiKeyByHash(this->key_.key_hash).has_value());

    ASSERT_TRUE(a.RevokeApiKey(this->key_.id, this->clock_.Now()).has_value());
    EXPECT_TRUE(a.FindApiKeyByHash(this->key_.key_hash)->revoked_at.has_value());
    // Node B still serves its copy until the TTL runs out, and not a moment longer.
    this->clock_.Advance(999ms);
    EXPECT_FALSE(b.FindApiKeyByHash(this->key_.key_hash)->revoked_at.has_value());
    this->clock_.Advance(1ms);
    EXPECT_TRUE(b.FindApiKeyByHash(this->key_.key_hash)->revoked_at.has_value());
}

TYPED_TEST(CachingStoreTest, ATokenEpochBumpIsSeenAtOnceLocallyAndWithinTheTtlElsewhere) {
    auto& a = *this->node_a_;
    auto& b = *this->node_b_;
    ASSERT_EQ(a.FindUserById(kAlice)->token_epoch, 0);
    ASSERT_EQ(a.FindUserByUsername("alice")->token_epoch, 0);
    ASSERT_EQ(b.FindUserById(kAlice)->token_epoch, 0);

    ASSERT_EQ(a.BumpTokenEpoch(kAlice), 1);
    EXPECT_EQ(a.FindUserById(kAlice)->token_epoch, 1);
    EXPECT_EQ(a.FindUserByUsername("alice")->token_epoch, 1);
    this->clock_.Advance(999ms);
    EXPECT_EQ(b.FindUserById(kAlice)->token_epoch, 0);
    this->clock_.Advance(1ms);
    EXPECT_EQ(b.FindUserById(kAlice)->token_epoch, 1);
}

TYPED_TEST(CachingStoreTest, ReadsWithinTheTtlComeFromMemory) {
    auto& a = *this->node_a_;
    ASSERT_EQ(a.FindUserById(kAlice)->full_name, "Full alice");
    ASSERT_EQ(a.FindUserByUsername("alice")->id, kAlice);
    // Another node renames alice: this node keeps its copies for the TTL.
    auto renamed = this->alice_;
    renamed.full_name = "Alice Renamed";
    ASSERT_TRUE(this->node_b_->UpdateUser(renamed).has_value());
    EXPECT_EQ(a.FindUserById(kAlice)->full_name, "Full alice");
    EXPECT_EQ(this->node_b_->FindUserById(kAlice)->full_name, "Alice Renamed");
    this->clock_.Advance(1000ms);
    EXPECT_EQ(a.FindUserById(kAlice)->full_name, "Alice Renamed");
    EXPECT_EQ(a.FindUserByUsername("alice")->full_name, "Alice Renamed");
}

TYPED_TEST(CachingStoreTest, AClockThatGoesBackExpiresEntries) {
    auto& a = *this->node_a_;
    ASSERT_TRUE(a.FindApiKeyByHash(this->key_.key_hash).has_value());
    ASSERT_TRUE(this->node_b_->RevokeApiKey(this->key_.id, this->clock_.Now()).has_value());
    this->clock_.Advance(-1ms);
    EXPECT_TRUE(a.FindApiKeyByHash(this->key_.key_hash)->revoked_at.has_value());
}

TYPED_TEST(CachingStoreTest, DeletingAUserForgetsItsRowsKeysCredentialsAndServersAtOnce) {
    auto& a = *this->node_a_;
    ASSERT_TRUE(
        a.CreateCredential(Credential("ccccccccccccccccccccccc1", std::string(kAlice), "s", 5000))
            .has_value());
    ASSERT_TRUE(a.CreateMcpServer(McpServer("prod-1", kAlice, "Prod")).has_value());
    ASSERT_TRUE(a.FindUserById(kAlice).has_value());
    ASSERT_TRUE(a.FindUserByUsername("alice").has_value());
    ASSERT_TRUE(a.FindApiKeyByHash(this->key_.key_hash).has_value());
    ASSERT_TRUE(a.FindCredential("ccccccccccccccccccccccc1").has_value());
    ASSERT_TRUE(a.FindMcpServer("prod-1").has_value());

    ASSERT_TRUE(a.DeleteUser(kAlice, this->clock_.Now()).has_value());
    EXPECT_EQ(a.FindUserById(kAlice).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(a.FindUserByUsername("alice").error().code, ErrorCode::kNotFound);
    EXPECT_EQ(a.FindApiKeyByHash(this->key_.key_hash).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(a.FindCredential("ccccccccccccccccccccccc1").error().code, ErrorCode::kNotFound);
    EXPECT_EQ(a.FindMcpServer("prod-1").error().code, ErrorCode::kNotFound);  // cascaded
}

TYPED_TEST(CachingStoreTest, McpServerReadsWithinTheTtlComeFromMemory) {
    auto& a = *this->node_a_;
    auto& b = *this->node_b_;
    const auto server = McpServer("prod-1", kAlice, "Prod");
    ASSERT_TRUE(b.CreateMcpServer(server).has_value());
    ASSERT_EQ(a.FindMcpServer("prod-1")->token_hash, "token-hash-1");
    // Another node rotates the token: this node keeps its copy for the TTL, not a moment longer.
    auto rotated = server;
    rotated.token_hash = "token-hash-2";
    ASSERT_TRUE(b.RotateMcpServerToken(rotated).has_value());
    this->clock_.Advance(999ms);
    EXPECT_EQ(a.FindMcpServer("prod-1")->token_hash, "token-hash-1");
    this->clock_.Advance(1ms);
    EXPECT_EQ(a.FindMcpServer("prod-1")->token_hash, "token-hash-2");
    // And a deletion elsewhere is seen within the TTL too.
    ASSERT_TRUE(b.DeleteMcpServer("prod-1").has_value());
    EXPECT_TRUE(a.FindMcpServer("prod-1").has_value());
    this->clock_.Advance(1000ms);
    EXPECT_EQ(a.FindMcpServer("prod-1").error().code, ErrorCode::kNotFound);
}

TYPED_TEST(CachingStoreTest, AnUnknownServerIsNotCached) {
    auto& a = *this->node_a_;
    EXPECT_EQ(a.FindMcpServer("prod-1").error().code, ErrorCode::kNotFound);
    ASSERT_TRUE(this->node_b_->CreateMcpServer(McpServer("prod-1", kAlice, "Prod")).has_value());
    EXPECT_TRUE(a.FindMcpServer("prod-1").has_value());  // at once, no TTL to wait out
}

TYPED_TEST(CachingStoreTest, EachLocalServerWriteIsSeenAtOnce) {
    auto& a = *this->node_a_;
    auto& b = *this->node_b_;
    auto server = McpServer("prod-1", kAlice, "Prod");
    ASSERT_TRUE(a.CreateMcpServer(server).has_value());
    ASSERT_EQ(a.FindMcpServer("prod-1")->restrictions, "{}");

    server.restrictions = R"({"connectors":{"mode":"allowlist","allowedIds":[],"blockedIds":[]}})";
    server.updated_at = At(2000);
    ASSERT_TRUE(a.UpdateMcpServer(server).has_value());
    EXPECT_EQ(a.FindMcpServer("prod-1")->restrictions, server.restrictions);

    server.token_hash = "token-hash-2";
    ASSERT_TRUE(a.RotateMcpServerToken(server).has_value());
    EXPECT_EQ(a.FindMcpServer("prod-1")->token_hash, "token-hash-2");

    ASSERT_TRUE(a.DeleteMcpServer("prod-1").has_value());
    EXPECT_EQ(a.FindMcpServer("prod-1").error().code, ErrorCode::kNotFound);

    // B creates the id anew and deletes it; then A creates it again: A's own create is seen,
    // not the row B's server left in A's cache.
    ASSERT_TRUE(b.CreateMcpServer(McpServer("prod-1", kBob, "From B")).has_value());
    ASSERT_EQ(a.FindMcpServer("prod-1")->owner_user_id, kBob);
    ASSERT_TRUE(b.DeleteMcpServer("prod-1").has_value());
    ASSERT_TRUE(a.CreateMcpServer(McpServer("prod-1", kAlice, "From A")).has_value());
    EXPECT_EQ(a.FindMcpServer("prod-1")->owner_user_id, kAlice);
}

TYPED_TEST(CachingStoreTest, AServerReadThatRacedWithALocalWriteIsNotCached) {
    auto racing = std::make_unique<RacingDatabase>(this->RawDatabase());
    RacingDatabase& database = *racing;
    CachingStore a(
        std::make_unique<SqlStore>(std::move(racing)), this->clock_, CacheOptions{.ttl = 1000ms});
    auto server = McpServer("prod-1", kAlice, "Prod");
    ASSERT_TRUE(a.CreateMcpServer(server).has_value());

    // The token is rotated through this node while a read holds the old row.
    server.token_hash = "token-hash-2";
    database.AfterNextSession([&] { ASSERT_TRUE(a.RotateMcpServerToken(server).has_value()); });
    EXPECT_EQ(a.FindMcpServer("prod-1")->token_hash, "token-hash-1");  // read before the write
    // The next read does not get that row from memory: it reads the rotated one.
    EXPECT_EQ(a.FindMcpServer("prod-1")->token_hash, "token-hash-2");
}

TYPED_TEST(CachingStoreTest, CredentialWritesInvalidateAndOAuthRowsAreNeverCached) {
    auto& a = *this->node_a_;
    auto& b = *this->node_b_;
    const std::string key_cred = "ccccccccccccccccccccccc1";
    ASSERT_TRUE(
        a.CreateCredential(Credential(key_cred, std::string(kAlice), "s", 5000)).has_value());
    ASSERT_TRUE(a.FindCredential(key_cred).has_value());
    ASSERT_TRUE(a.MarkCredentialExpired(key_cred, this->clock_.Now()).has_value());
    EXPECT_EQ(a.FindCredential(key_cred)->status, "expired");
    ASSERT_TRUE(a.DeleteCredential(kAlice, key_cred, std::nullopt).has_value());
    EXPECT_EQ(a.FindCredential(key_cred).error().code, ErrorCode::kNotFound);

    // An OAuth2 credential refreshed by another node: this node reads the new version at once.
    auto oauth = Credential("ccccccccccccccccccccccc2", std::string(kAlice), "g", 5000);
    oauth.authentication_type = "oauth2";
    ASSERT_TRUE(a.CreateCredential(oauth).has_value());
    ASSERT_EQ(a.FindCredential(oauth.id)->version, oauth.version);
    ASSERT_TRUE(b.UpdateCredentialSecret(CredentialSecretUpdate{.credential_id = oauth.id,
                                                                .expected_version = oauth.version,
                                                                .secret = "bmV3",
                                                                .key_id = 1})
                    .value_or(false));
    EXPECT_EQ(a.FindCredential(oauth.id)->version, oauth.version + 1);
}

TYPED_TEST(CachingStoreTest, AFullCacheStartsOverAndStaysCorrect) {
    CachingStore small(std::make_unique<SqlStore>(this->RawDatabase()),
                       this->clock_,
                       CacheOptions{.ttl = 1000ms, .max_entries = 1});
    for (int round = 0; round < 2; ++round) {
        EXPECT_EQ(small.FindUserById(kAlice)->username, "alice");
        EXPECT_EQ(small.FindUserById(kBob)->username, "bob");
    }
    EXPECT_EQ(small.FindUserById(kCarol).error().code, ErrorCode::kNotFound);
}

TYPED_TEST(CachingStoreTest, TouchKeepsTheCachedRowInStep) {
    auto& a = *this->node_a_;
    ASSERT_FALSE(a.FindApiKeyByHash(this->key_.key_hash)->last_used_at.has_value());
    ASSERT_TRUE(a.TouchApiKey(this->key_.id, At(1'234'000)).has_value());
    EXPECT_EQ(a.FindApiKeyByHash(this->key_.key_hash)->last_used_at, At(1'234'000));
}

TYPED_TEST(CachingStoreTest, HitRateLimitUnlessCountsOnlyWhenTheGuardLetsItThrough) {
    auto& store = this->TheStore();
    // The guard key has 2 hits in its window; the hit key 3 in its previous window.
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(store.HitRateLimit("guard", 60000, 60000).has_value());
    }
    ASSERT_TRUE(store.HitRateLimit("guard", 0, 60000).has_value());
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(store.HitRateLimit("key", 0, 60000).has_value());
    }
    const RateLimitWindow guard{.key = "guard", .window_start_ms = 60000, .window_ms = 60000};
    const RateLimitWindow hit{.key = "key", .window_start_ms = 60000, .window_ms = 60000};

    WindowCounts seen;
    const auto blocked = store.HitRateLimitUnless(
        guard,
        [&](const WindowCounts& counts) {
            seen = counts;
            return true;
        },
        hit);
    ASSERT_TRUE(blocked.has_value());
    EXPECT_EQ(seen.current, 2);
    EXPECT_EQ(seen.previous, 1);
    EXPECT_EQ(blocked->guard.current, 2);
    EXPECT_FALSE(blocked->hit.has_value());
    EXPECT_EQ(store.PeekRateLimit("key", 60000, 60000)->current, 0);  // nothing counted

    for (int expected = 1; expected <= 2; ++expected) {
        const auto passed = store.HitRateLimitUnless(
            guard, [](const WindowCounts& /*counts*/) { return false; }, hit);
        ASSERT_TRUE(passed.has_value());
        ASSERT_TRUE(passed->hit.has_value());
        EXPECT_EQ(passed->hit->current, expected);
        EXPECT_EQ(passed->hit->previous, 3);
    }
    EXPECT_EQ(store.PeekRateLimit("guard", 60000, 60000)->current, 2);  // the guard only peeks
}

}  // namespace
}  // namespace junction::storage::contract
