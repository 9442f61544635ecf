// The OAuth half of the store contract (auth configs, one-time flows, leases, versioned
// credential secrets); like the rest, every test runs on SQLite and on PostgreSQL.
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
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

constexpr int kRacers = 8;

constexpr std::string_view kSlackConfig = "eeeeeeeeeeeeeeeeeeeeeee1";
constexpr std::string_view kGithubConfig = "eeeeeeeeeeeeeeeeeeeeeee2";
constexpr std::string_view kFlow = "fffffffffffffffffffffff1";
constexpr std::string_view kCredential = "ddddddddddddddddddddddd1";
constexpr std::string_view kRedirect = "https://app.example.com/callback";

AuthConfigRow Config(std::string_view id,
                     std::string connector,
                     std::string name,
                     std::int64_t created_ms,
                     bool is_default = false) {
    return AuthConfigRow{.id = std::string(id),
                         .connector_id = std::move(connector),
                         .name = std::move(name),
                         .client_id = "client-" + std::string(id),
                         .client_secret = "c2VhbGVkLXNlY3JldA==",
                         .key_id = 7,
                         .scopes = R"(["chat:write","channels:read"])",
                         .extra_authorization_params = R"({"prompt":"consent"})",
                         .is_default = is_default,
                         .created_at = At(created_ms),
                         .updated_at = At(created_ms + 1)};
}

/// Alice's flow for slack (through kSlackConfig) whose one-time token expires at 61000.
OAuthFlowRow Flow(std::string_view id, std::string token_hash, std::int64_t expires_ms = 61000) {
    return OAuthFlowRow{.id = std::string(id),
                        .token_hash = std::move(token_hash),
                        .user_id = std::string(kAlice),
                        .connector_id = "slack",
                        .auth_config_id = std::string(kSlackConfig),
                        .redirect_uri = std::string(kRedirect),
                        .name = "Work Slack",
                        .secret = "c2VhbGVkLWZsb3c=",
                        .key_id = 3,
                        .created_at = At(1000),
                        .expires_at = At(expires_ms)};
}

/// Alice's authorization of `token_hash` for slack at `now_ms`, binding `state_hash` until
/// 600000.
OAuthFlowAuthorization Authorization(std::string token_hash,
                                     std::string state_hash,
                                     std::int64_t now_ms = 2000) {
    return OAuthFlowAuthorization{.token_hash = std::move(token_hash),
                                  .connector_id = "slack",
                                  .user_id = std::string(kAlice),
                                  .redirect_uri = std::nullopt,
                                  .state_hash = std::move(state_hash),
                                  .state_expires_at = At(600000),
                                  .now = At(now_ms)};
}

std::string ExtraText(const Error& error, std::string_view key) {
    const auto* value = error.extra.if_contains(key);
    if (value == nullptr || !value->is_string()) {
        return "<absent>";
    }
    return std::string(value->get_string());
}

std::optional<std::int64_t> ExtraInt(const Error& error, std::string_view key) {
    const auto* value = error.extra.if_contains(key);
    if (value == nullptr || !value->is_int64()) {
        return std::nullopt;
    }
    return value->get_int64();
}

/// Runs `work(i)` on kRacers threads released together; returns how many returned true.
template <class Work>
int Race(const Work& work) {
    std::atomic<bool> go{false};
    std::atomic<int> won{0};
    std::vector<std::thread> threads;
    threads.reserve(kRacers);
    for (int i = 0; i < kRacers; ++i) {
        threads.emplace_back([&, i] {
            while (!go.load()) {
                std::this_thread::yield();
            }
            if (work(i)) {
                ++won;
            }
        });
    }
    go = true;
    for (auto& thread : threads) {
        thread.join();
    }
    return won.load();
}

template <class Backend>
class StoreOAuthContractTest : public contract::StoreContractTest<Backend> {
protected:
    AuthConfigRow SeedConfig(const AuthConfigRow& config) {
        auto created = this->TheStore().CreateAuthConfig(config);
        EXPECT_TRUE(created.has_value()) << (created ? "" : created.error().message);
        return created.value_or(config);
    }

    /// Alice (and Bob), an auth config for slack and one for github.
    void SeedOAuthWorld() {
        this->SeedUser(std::string(kAlice), "alice");
        this->SeedUser(std::string(kBob), "bob");
        SeedConfig(Config(kSlackConfig, "slack", "Slack app", 100));
        SeedConfig(Config(kGithubConfig, "github", "GitHub app", 200));
    }

    void SeedFlow(const OAuthFlowRow& flow, std::int64_t now_ms = 1000) {
        const auto created = this->TheStore().CreateOAuthFlow(flow, At(now_ms));
        EXPECT_TRUE(created.has_value()) << (created ? "" : created.error().message);
    }

    std::vector<std::string> DefaultIds(const std::string& connector) {
        return this->RawColumn(
            "SELECT id FROM auth_configs WHERE is_default = 1 AND "
            "connector_id = '" +
            connector + "' ORDER BY id");
    }

    std::vector<std::string> FlowIds() {
        return this->RawColumn("SELECT id FROM oauth_flows ORDER BY id");
    }

    CredentialRow SeedOAuthCredential(std::string_view id,
                                      std::optional<std::string> auth_config_id) {
        CredentialRow credential = Credential(std::string(id), std::string(kAlice), "slack", 500);
        credential.authentication_type = "oauth2";
        credential.auth_config_id = std::move(auth_config_id);
        credential.token_expires_at = At(99000);
        const auto created = this->TheStore().CreateCredential(credential);
        EXPECT_TRUE(created.has_value()) << (created ? "" : created.error().message);
        return credential;
    }
};

TYPED_TEST_SUITE(StoreOAuthContractTest, Backends, BackendNames);

// ---------------------------------------------------------------------------------------------
// Auth configs

TYPED_TEST(StoreOAuthContractTest, AuthConfigRoundTripsEveryField) {
    AuthConfigRow config = Config(kSlackConfig, "slack", "Slack app", 1000, true);
    config.key_id = 42;
    config.extra_authorization_params = R"({"prompt":"consent","user_scope":"search:read"})";

    const auto created = this->TheStore().CreateAuthConfig(config);
    ASSERT_TRUE(created.has_value());
    const auto found = this->TheStore().FindAuthConfig(kSlackConfig);
    ASSERT_TRUE(found.has_value());

    for (const AuthConfigRow& row : {*created, *found}) {
        EXPECT_EQ(row.id, kSlackConfig);
        EXPECT_EQ(row.connector_id, "slack");
        EXPECT_EQ(row.name, "Slack app");
        EXPECT_EQ(row.client_id, "client-eeeeeeeeeeeeeeeeeeeeeee1");
        EXPECT_EQ(row.client_secret, "c2VhbGVkLXNlY3JldA==");
        EXPECT_EQ(row.key_id, 42U);
        EXPECT_EQ(row.scopes, R"(["chat:write","channels:read"])");
        EXPECT_EQ(row.extra_authorization_params,
                  R"({"prompt":"consent","user_scope":"search:read"})");
        EXPECT_TRUE(row.is_default);
        EXPECT_EQ(ToUnixMillis(row.created_at), 1000);
        EXPECT_EQ(ToUnixMillis(row.updated_at), 1001);
    }
}

TYPED_TEST(StoreOAuthContractTest, UnknownAuthConfigIsNotFound) {
    const auto found = this->TheStore().FindAuthConfig(kSlackConfig);
    ASSERT_FALSE(found.has_value());
    EXPECT_EQ(found.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(found.error().message, "Auth config 'eeeeeeeeeeeeeeeeeeeeeee1' not found");
}

TYPED_TEST(StoreOAuthContractTest, TheFirstAuthConfigOfAConnectorBecomesItsDefault) {
    const auto created =
        this->TheStore().CreateAuthConfig(Config(kSlackConfig, "slack", "first", 100, false));
    ASSERT_TRUE(created.has_value());
    EXPECT_TRUE(created->is_default);
    EXPECT_TRUE(this->TheStore().FindAuthConfig(kSlackConfig)->is_default);

    const auto second = this->TheStore().CreateAuthConfig(
        Config("eeeeeeeeeeeeeeeeeeeeeee3", "slack", "second", 200, false));
    ASSERT_TRUE(second.has_value());
    EXPECT_FALSE(second->is_default);

    const auto fallback = this->TheStore().FindDefaultAuthConfig("slack");
    ASSERT_TRUE(fallback.has_value());
    ASSERT_TRUE(fallback->has_value());
    EXPECT_EQ((*fallback)->id, kSlackConfig);
    EXPECT_EQ((*fallback)->name, "first");
}

TYPED_TEST(StoreOAuthContractTest, CreatingADefaultAuthConfigMovesTheDefault) {
    this->SeedConfig(Config(kSlackConfig, "slack", "one", 100));
    this->SeedConfig(Config(kGithubConfig, "github", "gh", 150));
    this->SeedConfig(Config("eeeeeeeeeeeeeeeeeeeeeee3", "slack", "two", 200, false));
    const AuthConfigRow three =
        this->SeedConfig(Config("eeeeeeeeeeeeeeeeeeeeeee4", "slack", "three", 300, true));
    EXPECT_TRUE(three.is_default);

    EXPECT_EQ(this->DefaultIds("slack"), std::vector<std::string>{"eeeeeeeeeeeeeeeeeeeeeee4"});
    EXPECT_FALSE(this->TheStore().FindAuthConfig(kSlackConfig)->is_default);
    const auto slack_default = this->TheStore().FindDefaultAuthConfig("slack");
    ASSERT_TRUE(slack_default.has_value() && slack_default->has_value());
    EXPECT_EQ((*slack_default)->id, "eeeeeeeeeeeeeeeeeeeeeee4");
    // Another connector's default is not touched.
    EXPECT_EQ(this->DefaultIds("github"), std::vector<std::string>{std::string(kGithubConfig)});
}

TYPED_TEST(StoreOAuthContractTest, AConnectorWithoutAuthConfigsHasNoDefault) {
    this->SeedConfig(Config(kSlackConfig, "slack", "one", 100));
    const auto none = this->TheStore().FindDefaultAuthConfig("github");
    ASSERT_TRUE(none.has_value());
    EXPECT_FALSE(none->has_value());
}

TYPED_TEST(StoreOAuthContractTest, DuplicateAuthConfigNameIsAConflictPerConnector) {
    this->SeedConfig(Config(kSlackConfig, "slack", "X", 100));

    // Asking for the default too: the refused row must not have moved it.
    const auto duplicate = this->TheStore().CreateAuthConfig(
        Config("eeeeeeeeeeeeeeeeeeeeeee3", "slack", "X", 200, true));
    ASSERT_FALSE(duplicate.has_value());
    EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(duplicate.error().message, "Connector 'slack' already has an auth config named 'X'");
    EXPECT_EQ(ExtraText(duplicate.error(), "field"), "name");
    EXPECT_EQ(this->DefaultIds("slack"), std::vector<std::string>{std::string(kSlackConfig)});
    EXPECT_EQ(this->TheStore().ListAuthConfigs(std::string("slack"), PageRequest{})->total, 1);

    const auto elsewhere =
        this->TheStore().CreateAuthConfig(Config(kGithubConfig, "github", "X", 300));
    ASSERT_TRUE(elsewhere.has_value());
    EXPECT_TRUE(elsewhere->is_default);
}

TYPED_TEST(StoreOAuthContractTest, AuthConfigsAreListedInCreationOrderWithFilterAndTotal) {
    this->SeedConfig(Config("eeeeeeeeeeeeeeeeeeeeeee5", "slack", "e", 3000));
    this->SeedConfig(Config("eeeeeeeeeeeeeeeeeeeeeee4", "github", "d", 1000));
    this->SeedConfig(Config("eeeeeeeeeeeeeeeeeeeeeee3", "slack", "c", 2000));
    this->SeedConfig(Config("eeeeeeeeeeeeeeeeeeeeeee2", "slack", "b", 2000));  // id breaks the tie
    this->SeedConfig(Config("eeeeeeeeeeeeeeeeeeeeeee1", "github", "a", 4000));

    const auto all = this->TheStore().ListAuthConfigs(std::nullopt, PageRequest{});
    ASSERT_TRUE(all.has_value());
    std::vector<std::string> names;
    for (const auto& row : all->items) {
        names.push_back(row.name);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"d", "b", "c", "e", "a"}));
    EXPECT_EQ(all->total, 5);

    const auto slack = this->TheStore().ListAuthConfigs(std::string("slack"),
                                                        PageRequest{.limit = 1, .offset = 1});
    ASSERT_TRUE(slack.has_value());
    ASSERT_EQ(slack->items.size(), 1U);
    EXPECT_EQ(slack->items[0].name, "c");
    EXPECT_EQ(slack->items[0].connector_id, "slack");
    EXPECT_EQ(slack->total, 3);

    const auto past_the_end = this->TheStore().ListAuthConfigs(
        std::string("github"), PageRequest{.limit = 10, .offset = 2});
    ASSERT_TRUE(past_the_end.has_value());
    EXPECT_TRUE(past_the_end->items.empty());
    EXPECT_EQ(past_the_end->total, 2);

    EXPECT_EQ(this->TheStore().ListAuthConfigs(std::string("gitlab"), PageRequest{})->total, 0);
}

TYPED_TEST(StoreOAuthContractTest, UpdateAuthConfigReplacesTheMutableFields) {
    AuthConfigRow config = this->SeedConfig(Config(kSlackConfig, "slack", "old", 100));
    config.name = "new";
    config.client_id = "client-2";
    config.client_secret = "bmV3LXNlY3JldA==";
    config.key_id = 9;
    config.scopes = R"(["users:read"])";
    config.extra_authorization_params = "{}";
    config.updated_at = At(5000);
    config.created_at = At(4999);  // not mutable: ignored
    ASSERT_TRUE(this->TheStore().UpdateAuthConfig(config).has_value());

    const auto found = this->TheStore().FindAuthConfig(kSlackConfig);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->name, "new");
    EXPECT_EQ(found->connector_id, "slack");
    EXPECT_EQ(found->client_id, "client-2");
    EXPECT_EQ(found->client_secret, "bmV3LXNlY3JldA==");
    EXPECT_EQ(found->key_id, 9U);
    EXPECT_EQ(found->scopes, R"(["users:read"])");
    EXPECT_EQ(found->extra_authorization_params, "{}");
    EXPECT_TRUE(found->is_default);
    EXPECT_EQ(ToUnixMillis(found->created_at), 100);
    EXPECT_EQ(ToUnixMillis(found->updated_at), 5000);
}

TYPED_TEST(StoreOAuthContractTest, UpdatingAnAuthConfigToDefaultClearsTheOthers) {
    this->SeedConfig(Config(kSlackConfig, "slack", "one", 100));
    this->SeedConfig(Config(kGithubConfig, "github", "gh", 150));
    AuthConfigRow two = this->SeedConfig(Config("eeeeeeeeeeeeeeeeeeeeeee3", "slack", "two", 200));
    ASSERT_FALSE(two.is_default);

    two.is_default = true;
    ASSERT_TRUE(this->TheStore().UpdateAuthConfig(two).has_value());

    EXPECT_EQ(this->DefaultIds("slack"), std::vector<std::string>{"eeeeeeeeeeeeeeeeeeeeeee3"});
    EXPECT_FALSE(this->TheStore().FindAuthConfig(kSlackConfig)->is_default);
    EXPECT_EQ((*this->TheStore().FindDefaultAuthConfig("slack"))->id, "eeeeeeeeeeeeeeeeeeeeeee3");
    EXPECT_EQ(this->DefaultIds("github"), std::vector<std::string>{std::string(kGithubConfig)});
}

TYPED_TEST(StoreOAuthContractTest, UpdateKeepsTheStoredConnectorWhateverTheRowSays) {
    this->SeedConfig(Config(kSlackConfig, "slack", "one", 100));
    this->SeedConfig(Config(kGithubConfig, "github", "gh", 150));
    AuthConfigRow two = this->SeedConfig(Config("eeeeeeeeeeeeeeeeeeeeeee3", "slack", "two", 200));

    two.connector_id = "github";  // not mutable: the default moves within slack
    two.is_default = true;
    const auto updated = this->TheStore().UpdateAuthConfig(two);
    ASSERT_TRUE(updated.has_value()) << updated.error().message;

    EXPECT_EQ(this->TheStore().FindAuthConfig("eeeeeeeeeeeeeeeeeeeeeee3")->connector_id, "slack");
    EXPECT_EQ(this->DefaultIds("slack"), std::vector<std::string>{"eeeeeeeeeeeeeeeeeeeeeee3"});
    EXPECT_EQ(this->DefaultIds("github"), std::vector<std::string>{std::string(kGithubConfig)});
}

TYPED_TEST(StoreOAuthContractTest, UpdatingAnUnknownAuthConfigIsNotFoundAndChangesNothing) {
    this->SeedConfig(Config(kSlackConfig, "slack", "one", 100));

    const auto updated = this->TheStore().UpdateAuthConfig(
        Config("eeeeeeeeeeeeeeeeeeeeeee9", "slack", "ghost", 200, true));
    ASSERT_FALSE(updated.has_value());
    EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(updated.error().message, "Auth config 'eeeeeeeeeeeeeeeeeeeeeee9' not found");
    // The failed update asked to become the default: the real default must survive it.
    EXPECT_EQ(this->DefaultIds("slack"), std::vector<std::string>{std::string(kSlackConfig)});
}

TYPED_TEST(StoreOAuthContractTest, RenamingAnAuthConfigToATakenNameIsAConflict) {
    this->SeedConfig(Config(kSlackConfig, "slack", "X", 100));
    AuthConfigRow other = this->SeedConfig(Config("eeeeeeeeeeeeeeeeeeeeeee3", "slack", "Y", 200));

    other.name = "X";
    other.is_default = true;
    const auto renamed = this->TheStore().UpdateAuthConfig(other);
    ASSERT_FALSE(renamed.has_value());
    EXPECT_EQ(renamed.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(renamed.error().message, "Connector 'slack' already has an auth config named 'X'");
    EXPECT_EQ(ExtraText(renamed.error(), "field"), "name");
    EXPECT_EQ(this->TheStore().FindAuthConfig("eeeeeeeeeeeeeeeeeeeeeee3")->name, "Y");
    EXPECT_EQ(this->DefaultIds("slack"), std::vector<std::string>{std::string(kSlackConfig)});
}

TYPED_TEST(StoreOAuthContractTest, DeletingAnUnknownAuthConfigIsNotFound) {
    const auto deleted = this->TheStore().DeleteAuthConfig(kSlackConfig);
    ASSERT_FALSE(deleted.has_value());
    EXPECT_EQ(deleted.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(deleted.error().message, "Auth config 'eeeeeeeeeeeeeeeeeeeeeee1' not found");
}

TYPED_TEST(StoreOAuthContractTest, AnAuthConfigCannotBeDeletedWhileACredentialUsesIt) {
    this->SeedOAuthWorld();
    this->SeedOAuthCredential(kCredential, std::string(kSlackConfig));

    const auto refused = this->TheStore().DeleteAuthConfig(kSlackConfig);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(ExtraInt(refused.error(), "credentialCount"), std::optional<std::int64_t>(1));
    EXPECT_TRUE(this->TheStore().FindAuthConfig(kSlackConfig).has_value());

    ASSERT_TRUE(
        this->TheStore().DeleteCredential(kAlice, kCredential, std::string("slack")).has_value());
    ASSERT_TRUE(this->TheStore().DeleteAuthConfig(kSlackConfig).has_value());
    const auto gone = this->TheStore().FindAuthConfig(kSlackConfig);
    ASSERT_FALSE(gone.has_value());
    EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(this->TheStore().FindAuthConfig(kGithubConfig).has_value());
}

TYPED_TEST(StoreOAuthContractTest, ConcurrentFirstAuthConfigsLeaveExactlyOneDefault) {
    const int created = Race([&](int i) {
        const std::string id = "eeeeeeeeeeeeeeeeeeeeee" + std::to_string(10 + i);
        const auto result = this->TheStore().CreateAuthConfig(
            Config(id, "slack", "app " + std::to_string(i), 100 + i, i % 2 == 0));
        EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
        return result.has_value();
    });
    EXPECT_EQ(created, kRacers);
    EXPECT_EQ(this->DefaultIds("slack").size(), 1U);
    EXPECT_EQ(this->TheStore().ListAuthConfigs(std::string("slack"), PageRequest{})->total,
              kRacers);
}

// ---------------------------------------------------------------------------------------------
// OAuth flows

TYPED_TEST(StoreOAuthContractTest, AuthorizingConsumesTheTokenOnceAndBindsTheState) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1"));

    const auto flow = this->TheStore().AuthorizeOAuthFlow(Authorization("token-1", "state-1"));
    ASSERT_TRUE(flow.has_value()) << flow.error().message;
    EXPECT_EQ(flow->id, kFlow);
    EXPECT_EQ(flow->token_hash, "token-1");
    EXPECT_EQ(flow->state_hash, std::optional<std::string>("state-1"));
    EXPECT_EQ(flow->user_id, kAlice);
    EXPECT_EQ(flow->connector_id, "slack");
    EXPECT_EQ(flow->auth_config_id, kSlackConfig);
    EXPECT_EQ(flow->redirect_uri, std::optional<std::string>(kRedirect));
    EXPECT_EQ(flow->name, std::optional<std::string>("Work Slack"));
    EXPECT_EQ(flow->secret, "c2VhbGVkLWZsb3c=");
    EXPECT_EQ(flow->key_id, 3U);
    EXPECT_EQ(ToUnixMillis(flow->created_at), 1000);
    EXPECT_EQ(ToUnixMillis(flow->expires_at), 61000);
    ASSERT_TRUE(flow->state_expires_at.has_value());
    EXPECT_EQ(ToUnixMillis(*flow->state_expires_at), 600000);

    const auto again = this->TheStore().AuthorizeOAuthFlow(Authorization("token-1", "state-2"));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
    // The second attempt did not rebind the state either.
    EXPECT_TRUE(this->TheStore().CompleteOAuthFlow("state-1", "slack", At(3000)).has_value());
}

TYPED_TEST(StoreOAuthContractTest, AuthorizingWithTheBoundRedirectUriSucceeds) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1"));

    OAuthFlowAuthorization authorization = Authorization("token-1", "state-1");
    authorization.redirect_uri = std::string(kRedirect);
    const auto flow = this->TheStore().AuthorizeOAuthFlow(authorization);
    ASSERT_TRUE(flow.has_value());
    EXPECT_EQ(flow->id, kFlow);
}

TYPED_TEST(StoreOAuthContractTest, AnExpiredTokenCannotAuthorize) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1", 61000));

    const auto expired =
        this->TheStore().AuthorizeOAuthFlow(Authorization("token-1", "state-1", 61000));
    ASSERT_FALSE(expired.has_value());
    EXPECT_EQ(expired.error().code, ErrorCode::kNotFound);
    EXPECT_FALSE(this->TheStore()
                     .AuthorizeOAuthFlow(Authorization("token-1", "state-1", 90000))
                     .has_value());
    // A millisecond earlier it was still live.
    EXPECT_TRUE(this->TheStore()
                    .AuthorizeOAuthFlow(Authorization("token-1", "state-1", 60999))
                    .has_value());
}

TYPED_TEST(StoreOAuthContractTest, AMismatchedAuthorizationDoesNotConsumeTheToken) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1"));

    OAuthFlowAuthorization other_connector = Authorization("token-1", "state-1");
    other_connector.connector_id = "github";
    OAuthFlowAuthorization other_user = Authorization("token-1", "state-1");
    other_user.user_id = std::string(kBob);
    OAuthFlowAuthorization other_redirect = Authorization("token-1", "state-1");
    other_redirect.redirect_uri = "https://evil.example.com/callback";
    OAuthFlowAuthorization unknown_token = Authorization("token-2", "state-1");

    for (const auto& wrong : {other_connector, other_user, other_redirect, unknown_token}) {
        const auto refused = this->TheStore().AuthorizeOAuthFlow(wrong);
        ASSERT_FALSE(refused.has_value());
        EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
    }
    EXPECT_EQ(this->RawColumn("SELECT COUNT(*) FROM oauth_flows WHERE state_hash IS NOT NULL"),
              std::vector<std::string>{"0"});

    const auto flow = this->TheStore().AuthorizeOAuthFlow(Authorization("token-1", "state-1"));
    ASSERT_TRUE(flow.has_value());
    EXPECT_EQ(flow->id, kFlow);
}

TYPED_TEST(StoreOAuthContractTest, CompletingConsumesTheStateOnce) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1"));
    ASSERT_TRUE(
        this->TheStore().AuthorizeOAuthFlow(Authorization("token-1", "state-1")).has_value());

    const auto flow = this->TheStore().CompleteOAuthFlow("state-1", "slack", At(3000));
    ASSERT_TRUE(flow.has_value());
    EXPECT_EQ(flow->id, kFlow);
    EXPECT_EQ(flow->user_id, kAlice);
    EXPECT_EQ(flow->auth_config_id, kSlackConfig);
    EXPECT_EQ(flow->state_hash, std::optional<std::string>("state-1"));
    EXPECT_EQ(flow->redirect_uri, std::optional<std::string>(kRedirect));
    EXPECT_EQ(flow->secret, "c2VhbGVkLWZsb3c=");

    const auto again = this->TheStore().CompleteOAuthFlow("state-1", "slack", At(3001));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(StoreOAuthContractTest, AnUnknownOrUnauthorizedStateCannotComplete) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1"));

    const auto unknown = this->TheStore().CompleteOAuthFlow("state-1", "slack", At(3000));
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
    // The token is still good after the failed completion.
    EXPECT_TRUE(
        this->TheStore().AuthorizeOAuthFlow(Authorization("token-1", "state-1")).has_value());
}

TYPED_TEST(StoreOAuthContractTest, AnExpiredStateCannotComplete) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1"));
    ASSERT_TRUE(
        this->TheStore().AuthorizeOAuthFlow(Authorization("token-1", "state-1")).has_value());

    const auto expired = this->TheStore().CompleteOAuthFlow("state-1", "slack", At(600000));
    ASSERT_FALSE(expired.has_value());
    EXPECT_EQ(expired.error().code, ErrorCode::kNotFound);
    EXPECT_FALSE(this->TheStore().CompleteOAuthFlow("state-1", "slack", At(700000)).has_value());
    EXPECT_TRUE(this->TheStore().CompleteOAuthFlow("state-1", "slack", At(599999)).has_value());
}

TYPED_TEST(StoreOAuthContractTest, AnotherConnectorsStateIsNotFoundAndNotConsumed) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1"));
    ASSERT_TRUE(
        this->TheStore().AuthorizeOAuthFlow(Authorization("token-1", "state-1")).has_value());

    const auto refused = this->TheStore().CompleteOAuthFlow("state-1", "github", At(3000));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(this->TheStore().CompleteOAuthFlow("state-1", "slack", At(3000)).has_value());
}

TYPED_TEST(StoreOAuthContractTest, AFlowForAnUnknownAuthConfigOrUserIsNotFound) {
    this->SeedOAuthWorld();
    OAuthFlowRow no_config = Flow(kFlow, "token-1");
    no_config.auth_config_id = "eeeeeeeeeeeeeeeeeeeeeee9";
    OAuthFlowRow no_user = Flow(kFlow, "token-1");
    no_user.user_id = "aaaaaaaaaaaaaaaaaaaaaaa9";
    for (const auto& flow : {no_config, no_user}) {
        const auto created = this->TheStore().CreateOAuthFlow(flow, At(1000));
        ASSERT_FALSE(created.has_value());
        EXPECT_EQ(created.error().code, ErrorCode::kNotFound);
    }
    EXPECT_TRUE(this->FlowIds().empty());
}

TYPED_TEST(StoreOAuthContractTest, FlowsDieWithTheirAuthConfig) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1"));
    OAuthFlowRow github = Flow("fffffffffffffffffffffff2", "token-2");
    github.connector_id = "github";
    github.auth_config_id = std::string(kGithubConfig);
    this->SeedFlow(github);

    ASSERT_TRUE(this->TheStore().DeleteAuthConfig(kSlackConfig).has_value());

    EXPECT_EQ(this->FlowIds(), std::vector<std::string>{"fffffffffffffffffffffff2"});
    const auto orphan = this->TheStore().AuthorizeOAuthFlow(Authorization("token-1", "state-1"));
    ASSERT_FALSE(orphan.has_value());
    EXPECT_EQ(orphan.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(StoreOAuthContractTest, FlowsDieWithTheirUser) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1"));
    OAuthFlowRow bobs = Flow("fffffffffffffffffffffff2", "token-2");
    bobs.user_id = std::string(kBob);
    this->SeedFlow(bobs);

    ASSERT_TRUE(this->TheStore().DeleteUser(kAlice, At(5000)).has_value());

    EXPECT_EQ(this->FlowIds(), std::vector<std::string>{"fffffffffffffffffffffff2"});
    const auto orphan = this->TheStore().AuthorizeOAuthFlow(Authorization("token-1", "state-1"));
    ASSERT_FALSE(orphan.has_value());
    EXPECT_EQ(orphan.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(StoreOAuthContractTest, CreatingAFlowSweepsFlowsPastBothExpiries) {
    this->SeedOAuthWorld();
    // 1: never authorized, token expired at 5000: dead at 10000.
    this->SeedFlow(Flow("fffffffffffffffffffffff1", "token-1", 5000));
    // 2: token expired at 5000 but authorized with a state live until 20000: kept.
    this->SeedFlow(Flow("fffffffffffffffffffffff2", "token-2", 5000));
    OAuthFlowAuthorization live_state = Authorization("token-2", "state-2", 2000);
    live_state.state_expires_at = At(20000);
    ASSERT_TRUE(this->TheStore().AuthorizeOAuthFlow(live_state).has_value());
    // 3: authorized, but its state expired at 8000: dead.
    this->SeedFlow(Flow("fffffffffffffffffffffff3", "token-3", 5000));
    OAuthFlowAuthorization dead_state = Authorization("token-3", "state-3", 2000);
    dead_state.state_expires_at = At(8000);
    ASSERT_TRUE(this->TheStore().AuthorizeOAuthFlow(dead_state).has_value());
    // 4: token live until 50000: kept.
    this->SeedFlow(Flow("fffffffffffffffffffffff4", "token-4", 50000));
    EXPECT_EQ(this->FlowIds().size(), 4U);

    this->SeedFlow(Flow("fffffffffffffffffffffff5", "token-5", 70000), 10000);

    EXPECT_EQ(
        this->FlowIds(),
        (std::vector<std::string>{
            "fffffffffffffffffffffff2", "fffffffffffffffffffffff4", "fffffffffffffffffffffff5"}));
    EXPECT_TRUE(this->TheStore().CompleteOAuthFlow("state-2", "slack", At(10000)).has_value());
}

TYPED_TEST(StoreOAuthContractTest, ConcurrentAuthorizationsOfOneTokenLetExactlyOneWin) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1"));

    std::atomic<int> not_found{0};
    const int won = Race([&](int i) {
        const auto result = this->TheStore().AuthorizeOAuthFlow(
            Authorization("token-1", "state-" + std::to_string(i)));
        if (!result && result.error().code == ErrorCode::kNotFound) {
            ++not_found;
        }
        return result.has_value();
    });
    EXPECT_EQ(won, 1);
    EXPECT_EQ(not_found.load(), kRacers - 1);
}

TYPED_TEST(StoreOAuthContractTest, ConcurrentCompletionsOfOneStateLetExactlyOneWin) {
    this->SeedOAuthWorld();
    this->SeedFlow(Flow(kFlow, "token-1"));
    ASSERT_TRUE(
        this->TheStore().AuthorizeOAuthFlow(Authorization("token-1", "state-1")).has_value());

    std::atomic<int> not_found{0};
    const int won = Race([&](int /*i*/) {
        const auto result = this->TheStore().CompleteOAuthFlow("state-1", "slack", At(3000));
        if (!result && result.error().code == ErrorCode::kNotFound) {
            ++not_found;
        }
        return result.has_value();
    });
    EXPECT_EQ(won, 1);
    EXPECT_EQ(not_found.load(), kRacers - 1);
}

// ---------------------------------------------------------------------------------------------
// Leases

constexpr std::chrono::milliseconds kTtl{500};

TYPED_TEST(StoreOAuthContractTest, ALeaseIsExclusiveUntilItExpiresAndItsHolderRenewsIt) {
    auto& store = this->TheStore();
    EXPECT_EQ(store.TryAcquireLease("refresh:c1", "node-a", At(1000), kTtl), true);  // until 1500
    EXPECT_EQ(store.TryAcquireLease("refresh:c1", "node-b", At(1200), kTtl), false);
    EXPECT_EQ(store.TryAcquireLease("refresh:c1", "node-a", At(1300), kTtl), true);  // until 1800
    EXPECT_EQ(store.TryAcquireLease("refresh:c1", "node-b", At(1600), kTtl), false);
    EXPECT_EQ(store.TryAcquireLease("refresh:c2", "node-b", At(1600), kTtl), true);  // other key
    EXPECT_EQ(store.TryAcquireLease("refresh:c1", "node-b", At(1800), kTtl), true);  // expired
    EXPECT_EQ(store.TryAcquireLease("refresh:c1", "node-a", At(1900), kTtl), false);
}

TYPED_TEST(StoreOAuthContractTest, OnlyTheHolderReleasesALease) {
    auto& store = this->TheStore();
    ASSERT_EQ(store.TryAcquireLease("refresh:c1", "node-a", At(1000), kTtl), true);

    ASSERT_TRUE(store.ReleaseLease("refresh:c1", "node-b").has_value());
    EXPECT_EQ(store.TryAcquireLease("refresh:c1", "node-b", At(1100), kTtl), false);

    ASSERT_TRUE(store.ReleaseLease("refresh:c1", "node-a").has_value());
    EXPECT_EQ(store.TryAcquireLease("refresh:c1", "node-b", At(1100), kTtl), true);
    EXPECT_EQ(store.TryAcquireLease("refresh:c1", "node-a", At(1200), kTtl), false);
    EXPECT_TRUE(store.ReleaseLease("refresh:unknown", "node-a").has_value());
}

TYPED_TEST(StoreOAuthContractTest, ConcurrentAcquiresOfOneLeaseLetExactlyOneWin) {
    std::atomic<int> errors{0};
    const int won = Race([&](int i) {
        const auto acquired = this->TheStore().TryAcquireLease(
            "refresh:c1", "node-" + std::to_string(i), At(1000), kTtl);
        if (!acquired) {
            ++errors;
            return false;
        }
        return *acquired;
    });
    EXPECT_EQ(won, 1);
    EXPECT_EQ(errors.load(), 0);
}

// ---------------------------------------------------------------------------------------------
// Credentials: OAuth columns and optimistic secret updates

TYPED_TEST(StoreOAuthContractTest, FindCredentialRoundTripsTheOAuthColumns) {
    this->SeedOAuthWorld();
    this->SeedOAuthCredential(kCredential, std::string(kSlackConfig));
    this->SeedOAuthCredential("ddddddddddddddddddddddd2", std::nullopt);

    const auto found = this->TheStore().FindCredential(kCredential);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, kCredential);
    EXPECT_EQ(found->user_id, kAlice);
    EXPECT_EQ(found->connector_id, "slack");
    EXPECT_EQ(found->authentication_type, "oauth2");
    EXPECT_EQ(found->name, "cred");
    EXPECT_EQ(found->status, "active");
    EXPECT_EQ(found->secret, "c2VhbGVk");
    EXPECT_EQ(found->key_id, 1U);
    EXPECT_EQ(ToUnixMillis(found->created_at), 500);
    EXPECT_EQ(ToUnixMillis(found->updated_at), 500);
    EXPECT_EQ(found->auth_config_id, std::optional<std::string>(kSlackConfig));
    ASSERT_TRUE(found->token_expires_at.has_value());
    EXPECT_EQ(ToUnixMillis(*found->token_expires_at), 99000);
    EXPECT_EQ(found->version, 1);

    const auto plain = this->TheStore().FindCredential("ddddddddddddddddddddddd2");
    ASSERT_TRUE(plain.has_value());
    EXPECT_FALSE(plain->auth_config_id.has_value());
    EXPECT_EQ(plain->version, 1);
}

TYPED_TEST(StoreOAuthContractTest, UnknownCredentialIsNotFound) {
    const auto found = this->TheStore().FindCredential(kCredential);
    ASSERT_FALSE(found.has_value());
    EXPECT_EQ(found.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(found.error().message, "Credential 'ddddddddddddddddddddddd1' not found");
}

TYPED_TEST(StoreOAuthContractTest, UpdatingTheSecretAtTheCurrentVersionReplacesIt) {
    this->SeedOAuthWorld();
    this->SeedOAuthCredential(kCredential, std::string(kSlackConfig));

    const auto updated = this->TheStore().UpdateCredentialSecret(
        CredentialSecretUpdate{.credential_id = std::string(kCredential),
                               .expected_version = 1,
                               .secret = "bmV3",
                               .key_id = 2,
                               .token_expires_at = At(123000)});
    ASSERT_TRUE(updated.has_value());
    EXPECT_TRUE(*updated);

    const auto found = this->TheStore().FindCredential(kCredential);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->version, 2);
    EXPECT_EQ(found->secret, "bmV3");
    EXPECT_EQ(found->key_id, 2U);
    ASSERT_TRUE(found->token_expires_at.has_value());
    EXPECT_EQ(ToUnixMillis(*found->token_expires_at), 123000);
    EXPECT_EQ(found->status, "active");
    EXPECT_EQ(found->auth_config_id, std::optional<std::string>(kSlackConfig));

    // A token without a known expiry clears it.
    ASSERT_EQ(this->TheStore().UpdateCredentialSecret(
                  CredentialSecretUpdate{.credential_id = std::string(kCredential),
                                         .expected_version = 2,
                                         .secret = "bmV3ZXI=",
                                         .key_id = 2}),
              true);
    const auto newer = this->TheStore().FindCredential(kCredential);
    EXPECT_EQ(newer->version, 3);
    EXPECT_EQ(newer->secret, "bmV3ZXI=");
    EXPECT_FALSE(newer->token_expires_at.has_value());
}

TYPED_TEST(StoreOAuthContractTest, UpdatingTheSecretAtAStaleVersionChangesNothing) {
    this->SeedOAuthWorld();
    this->SeedOAuthCredential(kCredential, std::string(kSlackConfig));

    for (const std::int64_t stale : {0, 2}) {
        const auto updated = this->TheStore().UpdateCredentialSecret(
            CredentialSecretUpdate{.credential_id = std::string(kCredential),
                                   .expected_version = stale,
                                   .secret = "bmV3",
                                   .key_id = 2,
                                   .token_expires_at = At(123000)});
        ASSERT_TRUE(updated.has_value());
        EXPECT_FALSE(*updated);
    }

    const auto found = this->TheStore().FindCredential(kCredential);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->version, 1);
    EXPECT_EQ(found->secret, "c2VhbGVk");
    EXPECT_EQ(found->key_id, 1U);
    EXPECT_EQ(ToUnixMillis(*found->token_expires_at), 99000);
}

TYPED_TEST(StoreOAuthContractTest, UpdatingTheSecretOfADeletedCredentialIsNotFound) {
    this->SeedOAuthWorld();
    this->SeedOAuthCredential(kCredential, std::string(kSlackConfig));
    ASSERT_TRUE(this->TheStore().DeleteCredential(kAlice, kCredential, std::nullopt).has_value());

    const auto updated = this->TheStore().UpdateCredentialSecret(CredentialSecretUpdate{
        .credential_id = std::string(kCredential), .expected_version = 1, .secret = "bmV3"});
    ASSERT_FALSE(updated.has_value());
    EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(updated.error().message, "Credential 'ddddddddddddddddddddddd1' not found");
}

TYPED_TEST(StoreOAuthContractTest, ConcurrentSecretUpdatesLetExactlyOneWin) {
    this->SeedOAuthWorld();
    this->SeedOAuthCredential(kCredential, std::string(kSlackConfig));

    std::atomic<int> winner{-1};
    std::atomic<int> errors{0};
    const int won = Race([&](int i) {
        const auto updated = this->TheStore().UpdateCredentialSecret(
            CredentialSecretUpdate{.credential_id = std::string(kCredential),
                                   .expected_version = 1,
                                   .secret = "secret-" + std::to_string(i),
                                   .key_id = 2});
        if (!updated) {
            ++errors;
            return false;
        }
        if (*updated) {
            winner = i;
        }
        return *updated;
    });
    EXPECT_EQ(won, 1);
    EXPECT_EQ(errors.load(), 0);

    const auto found = this->TheStore().FindCredential(kCredential);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->version, 2);
    EXPECT_EQ(found->secret, "secret-" + std::to_string(winner.load()));
}

TYPED_TEST(StoreOAuthContractTest, MarkingACredentialExpiredKeepsTheFirstTimestamp) {
    this->SeedOAuthWorld();
    this->SeedOAuthCredential(kCredential, std::string(kSlackConfig));

    ASSERT_TRUE(this->TheStore().MarkCredentialExpired(kCredential, At(5000)).has_value());
    const auto expired = this->TheStore().FindCredential(kCredential);
    ASSERT_TRUE(expired.has_value());
    EXPECT_EQ(expired->status, "expired");
    EXPECT_EQ(ToUnixMillis(expired->updated_at), 5000);
    EXPECT_EQ(ToUnixMillis(expired->created_at), 500);
    EXPECT_EQ(expired->version, 2);
    EXPECT_EQ(expired->secret, "c2VhbGVk");
    // A refresher that read version 1 before the credential expired must not revive it.
    EXPECT_EQ(this->TheStore().UpdateCredentialSecret(CredentialSecretUpdate{
                  .credential_id = std::string(kCredential), .expected_version = 1, .secret = "x"}),
              false);

    ASSERT_TRUE(this->TheStore().MarkCredentialExpired(kCredential, At(6000)).has_value());
    const auto again = this->TheStore().FindCredential(kCredential);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->status, "expired");
    EXPECT_EQ(ToUnixMillis(again->updated_at), 5000);
}

TYPED_TEST(StoreOAuthContractTest, MarkingAnUnknownCredentialExpiredIsNotFound) {
    const auto marked = this->TheStore().MarkCredentialExpired(kCredential, At(5000));
    ASSERT_FALSE(marked.has_value());
    EXPECT_EQ(marked.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(marked.error().message, "Credential 'ddddddddddddddddddddddd1' not found");
}

}  // namespace
}  // namespace junction::storage
