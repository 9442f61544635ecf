// Master-key rotation storage (SealedValueStore and the settings compare-and-swap); like the
// rest of the contract, every test runs on SQLite and on PostgreSQL.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store_fixture.hpp"

namespace junction::storage {

// For EXPECT_EQ on count vectors (found by argument-dependent lookup, so not in the anonymous
// namespace).
bool operator==(const KeyIdCount& a, const KeyIdCount& b) {
    return a.key_id == b.key_id && a.rows == b.rows;
}
void PrintTo(const KeyIdCount& count, std::ostream* out) {
    *out << "{key " << count.key_id << ": " << count.rows << "}";
}

namespace {

using contract::At;
using contract::BackendNames;
using contract::Backends;
using contract::Credential;
using contract::kAlice;

constexpr std::string_view kConfigA = "eeeeeeeeeeeeeeeeeeeeeee1";
constexpr std::string_view kConfigB = "eeeeeeeeeeeeeeeeeeeeeee2";

std::string CredentialId(int n) {
    return "ddddddddddddddddddddddd" + std::to_string(n);
}

std::vector<std::string> RowIds(const std::vector<SealedValue>& values) {
    std::vector<std::string> ids;
    ids.reserve(values.size());
    for (const auto& value : values) {
        ids.push_back(value.row_id);
    }
    return ids;
}

template <class Backend>
class StoreKeysContractTest : public contract::StoreContractTest<Backend> {
protected:
    void SetUp() override {
        contract::StoreContractTest<Backend>::SetUp();
        this->SeedUser(std::string(kAlice), "alice");
    }

    /// Credential n, sealed (text "sealed-<n>") under `key_id`.
    void SeedCredential(int n, std::uint32_t key_id) {
        CredentialRow row = Credential(CredentialId(n), std::string(kAlice), "hubspot", 500 + n);
        row.secret = "sealed-" + std::to_string(n);
        row.key_id = key_id;
        const auto created = this->TheStore().CreateCredential(row);
        ASSERT_TRUE(created.has_value()) << (created ? "" : created.error().message);
    }

    void SeedAuthConfig(std::string_view id, std::string connector, std::uint32_t key_id) {
        const auto created = this->TheStore().CreateAuthConfig(
            AuthConfigRow{.id = std::string(id),
                          .connector_id = std::move(connector),
                          .name = "app",
                          .client_id = "cid",
                          .client_secret = "client-" + std::string(id),
                          .key_id = key_id,
                          .created_at = At(100),
                          .updated_at = At(100)});
        ASSERT_TRUE(created.has_value()) << (created ? "" : created.error().message);
    }

    void SeedFlow(std::string_view id, std::uint32_t key_id) {
        const auto created =
            this->TheStore().CreateOAuthFlow(OAuthFlowRow{.id = std::string(id),
                                                          .token_hash = "token-" + std::string(id),
                                                          .user_id = std::string(kAlice),
                                                          .connector_id = "slack",
                                                          .auth_config_id = std::string(kConfigA),
                                                          .secret = "flow-" + std::string(id),
                                                          .key_id = key_id,
                                                          .created_at = At(1000),
                                                          .expires_at = At(600000)},
                                             At(1000));
        ASSERT_TRUE(created.has_value()) << (created ? "" : created.error().message);
    }

    std::vector<SealedValue> NotUnder(SealedColumn column,
                                      std::uint32_t key_id,
                                      const std::string& after,
                                      std::size_t limit) {
        auto listed = this->TheStore().ListSealedValuesNotUnder(column, key_id, after, limit);
        EXPECT_TRUE(listed.has_value()) << (listed ? "" : listed.error().detail);
        return listed.value_or(std::vector<SealedValue>{});
    }

    std::vector<KeyIdCount> Counts(SealedColumn column) {
        auto counts = this->TheStore().CountSealedValuesByKeyId(column);
        EXPECT_TRUE(counts.has_value()) << (counts ? "" : counts.error().detail);
        return counts.value_or(std::vector<KeyIdCount>{});
    }
};

TYPED_TEST_SUITE(StoreKeysContractTest, Backends, BackendNames);

// ---------------------------------------------------------------------------------------------
// Listing and counting

TYPED_TEST(StoreKeysContractTest, ListsValuesNotUnderAKeyInRowIdOrderPagedByRowId) {
    // Inserted out of id order, so the order comes from the query.
    this->SeedCredential(4, 1);
    this->SeedCredential(2, 2);
    this->SeedCredential(1, 1);
    this->SeedCredential(5, 2);
    this->SeedCredential(3, 7);

    const auto first = this->NotUnder(SealedColumn::kCredentialSecret, 2, "", 2);
    ASSERT_EQ(RowIds(first), (std::vector<std::string>{CredentialId(1), CredentialId(3)}));
    EXPECT_EQ(first[0].sealed, "sealed-1");
    EXPECT_EQ(first[0].key_id, 1U);
    EXPECT_EQ(first[1].sealed, "sealed-3");
    EXPECT_EQ(first[1].key_id, 7U);

    const auto second = this->NotUnder(SealedColumn::kCredentialSecret, 2, first[1].row_id, 2);
    EXPECT_EQ(RowIds(second), (std::vector<std::string>{CredentialId(4)}));
    EXPECT_TRUE(this->NotUnder(SealedColumn::kCredentialSecret, 2, CredentialId(4), 2).empty());
    EXPECT_TRUE(this->NotUnder(SealedColumn::kAuthConfigClientSecret, 2, "", 10).empty());
    EXPECT_TRUE(this->NotUnder(SealedColumn::kOAuthFlowSecret, 2, "", 10).empty());
}

TYPED_TEST(StoreKeysContractTest, CountsValuesPerKeyIdForEveryColumn) {
    EXPECT_TRUE(this->Counts(SealedColumn::kCredentialSecret).empty());
    this->SeedCredential(1, 3);
    this->SeedCredential(2, 1);
    this->SeedCredential(3, 3);
    this->SeedAuthConfig(kConfigA, "slack", 1);
    this->SeedAuthConfig(kConfigB, "github", 2);
    this->SeedFlow("fffffffffffffffffffffff1", 2);

    EXPECT_EQ(this->Counts(SealedColumn::kCredentialSecret),
              (std::vector<KeyIdCount>{{.key_id = 1, .rows = 1}, {.key_id = 3, .rows = 2}}));
    EXPECT_EQ(this->Counts(SealedColumn::kAuthConfigClientSecret),
              (std::vector<KeyIdCount>{{.key_id = 1, .rows = 1}, {.key_id = 2, .rows = 1}}));
    EXPECT_EQ(this->Counts(SealedColumn::kOAuthFlowSecret),
              (std::vector<KeyIdCount>{{.key_id = 2, .rows = 1}}));
}

// ---------------------------------------------------------------------------------------------
// Compare-and-swap

TYPED_TEST(StoreKeysContractTest, ReplacingACredentialSecretKeepsItsVersionAndTimestamps) {
    this->SeedCredential(1, 1);

    const auto replaced = this->TheStore().ReplaceSealedValue(
        SealedColumn::kCredentialSecret,
        "sealed-1",
        SealedValue{.row_id = CredentialId(1), .sealed = "resealed-1", .key_id = 2});

    ASSERT_TRUE(replaced.has_value()) << replaced.error().detail;
    EXPECT_TRUE(*replaced);
    const auto found = this->TheStore().FindCredential(CredentialId(1));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->secret, "resealed-1");
    EXPECT_EQ(found->key_id, 2U);
    EXPECT_EQ(found->version, 1) << "rotation must not look like a refresh";
    EXPECT_EQ(ToUnixMillis(found->updated_at), 501);
    EXPECT_EQ(this->Counts(SealedColumn::kCredentialSecret),
              (std::vector<KeyIdCount>{{.key_id = 2, .rows = 1}}));
}

TYPED_TEST(StoreKeysContractTest, AConcurrentRefreshMakesTheReplacementANoOp) {
    this->SeedCredential(1, 1);
    const auto listed = this->NotUnder(SealedColumn::kCredentialSecret, 2, "", 10);
    ASSERT_EQ(listed.size(), 1U);

    // A token refresh re-seals the row between the rotation's read and its write.
    ASSERT_EQ(this->TheStore().UpdateCredentialSecret(
                  CredentialSecretUpdate{.credential_id = CredentialId(1),
                                         .expected_version = 1,
                                         .secret = "refreshed",
                                         .key_id = 2}),
              true);
    const auto replaced = this->TheStore().ReplaceSealedValue(
        SealedColumn::kCredentialSecret,
        listed[0].sealed,
        SealedValue{.row_id = CredentialId(1), .sealed = "resealed-1", .key_id = 2});

    ASSERT_TRUE(replaced.has_value());
    EXPECT_FALSE(*replaced);
    const auto found = this->TheStore().FindCredential(CredentialId(1));
    EXPECT_EQ(found->secret, "refreshed");
    EXPECT_EQ(found->version, 2);
    // The refresh's version check still works after a rotation wrote the row.
    ASSERT_EQ(this->TheStore().ReplaceSealedValue(
                  SealedColumn::kCredentialSecret,
                  "refreshed",
                  SealedValue{.row_id = CredentialId(1), .sealed = "resealed-2", .key_id = 3}),
              true);
    EXPECT_EQ(this->TheStore().UpdateCredentialSecret(
                  CredentialSecretUpdate{.credential_id = CredentialId(1),
                                         .expected_version = 2,
                                         .secret = "refreshed-again",
                                         .key_id = 3}),
              true);
}

TYPED_TEST(StoreKeysContractTest, ReplacingAGoneRowReportsFalse) {
    const auto replaced = this->TheStore().ReplaceSealedValue(
        SealedColumn::kCredentialSecret,
        "sealed-1",
        SealedValue{.row_id = CredentialId(9), .sealed = "x", .key_id = 2});

    ASSERT_TRUE(replaced.has_value());
    EXPECT_FALSE(*replaced);
}

TYPED_TEST(StoreKeysContractTest, AuthConfigSecretsAreReplacedOnlyWhileUnchanged) {
    this->SeedAuthConfig(kConfigA, "slack", 1);
    this->SeedAuthConfig(kConfigB, "github", 1);

    EXPECT_EQ(this->TheStore().ReplaceSealedValue(
                  SealedColumn::kAuthConfigClientSecret,
                  "client-" + std::string(kConfigA),
                  SealedValue{.row_id = std::string(kConfigA), .sealed = "new-a", .key_id = 2}),
              true);
    EXPECT_EQ(this->TheStore().ReplaceSealedValue(
                  SealedColumn::kAuthConfigClientSecret,
                  "stale",
                  SealedValue{.row_id = std::string(kConfigB), .sealed = "new-b", .key_id = 2}),
              false);

    const auto a = this->TheStore().FindAuthConfig(kConfigA);
    EXPECT_EQ(a->client_secret, "new-a");
    EXPECT_EQ(a->key_id, 2U);
    EXPECT_EQ(ToUnixMillis(a->updated_at), 100);
    const auto b = this->TheStore().FindAuthConfig(kConfigB);
    EXPECT_EQ(b->client_secret, "client-" + std::string(kConfigB));
    EXPECT_EQ(b->key_id, 1U);
    EXPECT_EQ(RowIds(this->NotUnder(SealedColumn::kAuthConfigClientSecret, 2, "", 10)),
              (std::vector<std::string>{std::string(kConfigB)}));
}

TYPED_TEST(StoreKeysContractTest, OAuthFlowSecretsAreReplacedOnlyWhileUnchanged) {
    this->SeedAuthConfig(kConfigA, "slack", 1);
    this->SeedFlow("fffffffffffffffffffffff1", 1);

    EXPECT_EQ(this->TheStore().ReplaceSealedValue(
                  SealedColumn::kOAuthFlowSecret,
                  "stale",
                  SealedValue{.row_id = "fffffffffffffffffffffff1", .sealed = "x", .key_id = 2}),
              false);
    EXPECT_EQ(this->TheStore().ReplaceSealedValue(
                  SealedColumn::kOAuthFlowSecret,
                  "flow-fffffffffffffffffffffff1",
                  SealedValue{.row_id = "fffffffffffffffffffffff1", .sealed = "y", .key_id = 2}),
              true);

    EXPECT_EQ(this->RawColumn("SELECT secret FROM oauth_flows"), (std::vector<std::string>{"y"}));
    EXPECT_EQ(this->Counts(SealedColumn::kOAuthFlowSecret),
              (std::vector<KeyIdCount>{{.key_id = 2, .rows = 1}}));
}

// ---------------------------------------------------------------------------------------------
// Settings

TYPED_TEST(StoreKeysContractTest, SettingsAreFoundAndReplacedOnlyWhileUnchanged) {
    auto& store = this->TheStore();
    const auto absent = store.FindSetting("jwt_secret");
    ASSERT_TRUE(absent.has_value());
    EXPECT_EQ(*absent, std::nullopt);
    EXPECT_EQ(store.ReplaceSetting("jwt_secret", "old", "new", At(2000)), false)
        << "nothing to replace";
    ASSERT_EQ(store.PutSettingIfAbsent("jwt_secret", "old", At(1000)), "old");

    EXPECT_EQ(store.ReplaceSetting("jwt_secret", "stale", "new", At(2000)), false);
    EXPECT_EQ(store.FindSetting("jwt_secret").value(), std::optional<std::string>("old"));
    EXPECT_EQ(store.ReplaceSetting("jwt_secret", "old", "new", At(2000)), true);
    EXPECT_EQ(store.FindSetting("jwt_secret").value(), std::optional<std::string>("new"));
    EXPECT_EQ(this->RawColumn("SELECT updated_at FROM settings WHERE name = 'jwt_secret'"),
              (std::vector<std::string>{"2000"}));
}

}  // namespace
}  // namespace junction::storage
