// The /api-keys endpoints (API.md §3.7).
#include <chrono>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "junction/crypto/hash.hpp"
#include "junction/storage/store.hpp"
#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_postgres.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::TestServer;

class ApiKeysTest : public ::testing::Test {
protected:
    std::vector<std::string> JsonHeaders() const {
        auto headers = server_.AdminHeaders();
        headers.emplace_back("Content-Type: application/json");
        return headers;
    }
    std::size_t KeyCount() {
        return server_.Client()
            .Send("GET", "/api-keys", server_.AdminHeaders())
            .Json()
            .at("apiKeys")
            .as_array()
            .size();
    }

    TestServer server_;
};

TEST_F(ApiKeysTest, CreateShowsTheKeyOnceAndItWorks) {
    const std::string alice = server_.CreateUser("alice");
    const auto created =
        server_.Client().Send("POST",
                              "/api-keys",
                              JsonHeaders(),
                              R"({"name":"backend","ownerUserId":")" + alice + R"("})");
    ASSERT_EQ(created.status, 201);
    JUNCTION_EXPECT_SPEC("POST", "/api-keys", created);
    EXPECT_EQ(created.Header("cache-control"), "no-store");  // the key is shown here only
    EXPECT_EQ(created.Header("pragma"), "no-cache");
    const auto key_json = created.Json();
    const auto& key = key_json.at("apiKey");
    const std::string secret(key.at("key").as_string());
    EXPECT_TRUE(std::regex_match(secret, std::regex("^jk_[A-Za-z0-9_-]{43}$"))) << secret;
    EXPECT_EQ(key.at("role").as_string(), "user");  // the default
    EXPECT_EQ(key.at("ownerUserId").as_string(), alice);
    EXPECT_EQ(key.at("prefix").as_string(), secret.substr(3, 8));
    EXPECT_TRUE(key.at("lastUsedAt").is_null());

    const auto used = server_.Client().Send(
        "GET", "/users/alice", {"Authorization: Bearer " + secret, "x-api-version: 2025-09"});
    EXPECT_EQ(used.status, 200);

    const auto listed = server_.Client().Send("GET", "/api-keys", server_.AdminHeaders());
    ASSERT_EQ(listed.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/api-keys", listed);
    EXPECT_EQ(listed.body.find(secret), std::string::npos);
    const auto keys_json = listed.Json();
    const auto& keys = keys_json.at("apiKeys").as_array();
    ASSERT_EQ(keys.size(), 2U);
    EXPECT_FALSE(keys[1].as_object().contains("key"));
    EXPECT_FALSE(keys[1].at("lastUsedAt").is_null());  // touched by the request above
    EXPECT_EQ(listed.Json().at("total").as_int64(), 2);
    EXPECT_EQ(listed.Json().at("hasMore").as_bool(), false);

    const auto page = server_.Client().Send("GET", "/api-keys?limit=1", server_.AdminHeaders());
    EXPECT_EQ(page.Json().at("apiKeys").as_array().size(), 1U);
    EXPECT_EQ(page.Json().at("hasMore").as_bool(), true);
}

TEST_F(ApiKeysTest, AdminKeysCanBeCreatedForTheCallerByDefault) {
    const auto created = server_.Client().Send(
        "POST", "/api-keys", JsonHeaders(), R"({"name":"ops","role":"admin"})");
    ASSERT_EQ(created.status, 201);
    const auto admin = server_.Client().Send("GET", "/users/admin", server_.AdminHeaders());
    EXPECT_EQ(created.Json().at("apiKey").at("ownerUserId"), admin.Json().at("userId"));
    const std::string secret(created.Json().at("apiKey").at("key").as_string());
    EXPECT_EQ(
        server_.Client()
            .Send("GET", "/users", {"Authorization: Bearer " + secret, "x-api-version: 2025-09"})
            .status,
        200);
}

TEST_F(ApiKeysTest, InvalidRequestsAreRejectedAndCreateNothing) {
    const std::size_t before = KeyCount();
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({})", "name"},
        {R"({"name":""})", "name"},
        {R"({"name":"x","role":"root"})", "role"},
        {R"({"name":"x","ownerUserId":"not-an-id"})", "ownerUserId"},
        {R"({"name":"x","expiresAt":"tomorrow"})", "expiresAt"},
        {R"({"name":"x","expiresAt":"2001-01-01T00:00:00Z"})", "expiresAt"},
    };
    for (const auto& [body, field] : cases) {
        const auto response = server_.Client().Send("POST", "/api-keys", JsonHeaders(), body);
        EXPECT_EQ(response.status, 400) << body;
        EXPECT_EQ(response.ErrorCode(), "INVALID_REQUEST") << body;
        JUNCTION_EXPECT_SPEC("POST", "/api-keys", response);
        ASSERT_TRUE(response.Json().at("error").at("details").at("errors").is_array())
            << response.body;
        EXPECT_EQ(response.Json()
                      .at("error")
                      .at("details")
                      .at("errors")
                      .as_array()[0]
                      .at("field")
                      .as_string(),
                  field);
    }
    const auto unknown_owner =
        server_.Client().Send("POST",
                              "/api-keys",
                              JsonHeaders(),
                              R"({"name":"x","ownerUserId":"0123456789abcdef01234567"})");
    EXPECT_EQ(unknown_owner.status, 404);
    EXPECT_EQ(unknown_owner.ErrorMessage(), "User '0123456789abcdef01234567' not found");
    JUNCTION_EXPECT_SPEC("POST", "/api-keys", unknown_owner);
    EXPECT_EQ(KeyCount(), before);
}

TEST_F(ApiKeysTest, RevocationTakesEffectImmediately) {
    const std::string alice = server_.CreateUser("alice");
    const auto created =
        server_.Client().Send("POST",
                              "/api-keys",
                              JsonHeaders(),
                              R"({"name":"short-lived","ownerUserId":")" + alice + R"("})");
    const std::string id(created.Json().at("apiKey").at("apiKeyId").as_string());
    const std::string secret(created.Json().at("apiKey").at("key").as_string());
    const std::vector<std::string> as_alice{"Authorization: Bearer " + secret,
                                            "x-api-version: 2025-09"};
    ASSERT_EQ(server_.Client().Send("GET", "/users/alice", as_alice).status, 200);

    const auto revoked = server_.Client().Send("DELETE", "/api-keys/" + id, server_.AdminHeaders());
    ASSERT_EQ(revoked.status, 200);
    JUNCTION_EXPECT_SPEC("DELETE", "/api-keys/{apiKeyId}", revoked);
    EXPECT_EQ(server_.Client().Send("GET", "/users/alice", as_alice).status, 401);

    const auto again = server_.Client().Send("DELETE", "/api-keys/" + id, server_.AdminHeaders());
    EXPECT_EQ(again.status, 404);
    EXPECT_EQ(again.ErrorMessage(), "API key '" + id + "' not found");
    JUNCTION_EXPECT_SPEC("DELETE", "/api-keys/{apiKeyId}", again);
    EXPECT_EQ(server_.Client().Send("DELETE", "/api-keys/nothex", server_.AdminHeaders()).status,
              404);
}

TEST_F(ApiKeysTest, TheLastAdminKeyCannotBeRevoked) {
    const auto listed = server_.Client().Send("GET", "/api-keys", server_.AdminHeaders());
    const std::string id(listed.Json().at("apiKeys").as_array()[0].at("apiKeyId").as_string());
    const auto refused = server_.Client().Send("DELETE", "/api-keys/" + id, server_.AdminHeaders());
    EXPECT_EQ(refused.status, 409);
    EXPECT_EQ(refused.ErrorCode(), "CONFLICT");
    EXPECT_EQ(refused.ErrorMessage(), "Cannot revoke the last active admin API key");
    JUNCTION_EXPECT_SPEC("DELETE", "/api-keys/{apiKeyId}", refused);
    EXPECT_EQ(server_.Client().Send("GET", "/users", server_.AdminHeaders()).status, 200);
}

TEST_F(ApiKeysTest, ExpiredKeysAreUnauthorized) {
    const std::string alice = server_.CreateUser("alice");
    // Plant a key that expired a second ago (the API refuses past expiries).
    const std::string secret = "jk_expiredexpiredexpiredexpiredexpiredexpired";
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    ASSERT_TRUE(server_.App()
                    .Store()
                    .CreateApiKey(storage::ApiKeyRow{.id = "0123456789abcdef0123abcd",
                                                     .name = "expired",
                                                     .role = "admin",
                                                     .owner_user_id = alice,
                                                     .key_hash = crypto::Sha256Hex(secret),
                                                     .prefix = "expired",
                                                     .created_at = now - std::chrono::hours(1),
                                                     .expires_at = now - std::chrono::seconds(1)})
                    .has_value());
    const auto response = server_.Client().Send(
        "GET", "/users", {"Authorization: Bearer " + secret, "x-api-version: 2025-09"});
    EXPECT_EQ(response.status, 401);
    EXPECT_EQ(response.ErrorMessage(), "Invalid or missing authentication");
}

TEST_F(ApiKeysTest, OnlyAdminsManageKeys) {
    const std::string alice = server_.CreateUser("alice");
    const std::string key = server_.CreateKey("user", alice);
    const std::vector<std::string> as_user{"Authorization: Bearer " + key,
                                           "Content-Type: application/json"};
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/api-keys"},
             {"POST", "/api-keys"},
             {"DELETE", "/api-keys/0123456789abcdef01234567"}}) {
        const auto response = server_.Client().Send(
            method,
            path,
            as_user,
            method == "POST" ? std::optional<std::string>(R"({"name":"x"})") : std::nullopt);
        EXPECT_EQ(response.status, 403) << method << " " << path;
        EXPECT_EQ(response.ErrorMessage(), "This operation requires an admin API key");
    }
}

// Two nodes on one PostgreSQL database, each caching keys and users for up to 1 s: a key
// revoked or a user deleted on one node is refused there at once and on the other within 1 s
// (API.md §1.4, DESIGN.md §12).
TEST(ApiKeysMultiNodeTest, RevocationAndUserDeletionReachEveryNodeWithinOneSecond) {
    using testing::Backend;
    using testing::TestServerOptions;
    const std::string master_keys = "7:" + std::string(43, 'A') + "=";
    TestServer first(TestServerOptions{.backend = Backend::kPostgres,
                                       .environment = {{"JUNCTION_MASTER_KEYS", master_keys}}});
    TestServer second(
        TestServerOptions{.environment = {{"JUNCTION_MASTER_KEYS", master_keys},
                                          {"JUNCTION_DATABASE_URL", first.Postgres()->Url()}}});
    const auto admin = first.AdminHeaders();  // the admin key works on both nodes
    const std::string alice = first.CreateUser("alice");
    const std::string bob = first.CreateUser("bob");
    const std::string alice_key = first.CreateKey("user", alice);
    const std::string bob_key = first.CreateKey("user", bob);
    const auto get_self = [](TestServer& node, const std::string& key, const std::string& name) {
        return node.Client()
            .Send(
                "GET", "/users/" + name, {"Authorization: Bearer " + key, "x-api-version: 2025-09"})
            .status;
    };
    for (auto* node : {&first, &second}) {  // both nodes now hold the keys and users
        ASSERT_EQ(get_self(*node, alice_key, "alice"), 200);
        ASSERT_EQ(get_self(*node, bob_key, "bob"), 200);
    }

    const auto listed = first.Client().Send("GET", "/api-keys", admin);
    std::string alice_key_id;
    const auto listed_json = listed.Json();
    for (const auto& key : listed_json.at("apiKeys").as_array()) {
        if (key.at("ownerUserId").as_string() == alice) {
            alice_key_id = std::string(key.at("apiKeyId").as_string());
        }
    }
    ASSERT_EQ(first.Client().Send("DELETE", "/api-keys/" + alice_key_id, admin).status, 200);
    ASSERT_EQ(second.Client().Send("DELETE", "/users/" + bob, admin).status, 200);
    EXPECT_EQ(get_self(first, alice_key, "alice"), 401);  // the node that made the change: at once
    EXPECT_EQ(get_self(second, bob_key, "bob"), 401);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the cache TTL, and some
    EXPECT_EQ(get_self(second, alice_key, "alice"), 401);
    EXPECT_EQ(get_self(first, bob_key, "bob"), 401);
}

}  // namespace
}  // namespace junction
