// User JWTs: GET /users/{userId}/token and authentication with them (API.md §1.1, §3.1).
#include <gtest/gtest.h>

#include "junction/core/clock.hpp"
#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::TestServer;

class UserTokensTest : public ::testing::Test {
protected:
    std::string IssueToken(const std::string& user, const std::string& query = "") {
        const auto issued = server_.Client().Send(
            "GET", "/users/" + user + "/token" + query, server_.AdminHeaders());
        EXPECT_EQ(issued.status, 200) << issued.body;
        JUNCTION_EXPECT_SPEC("GET", "/users/{userId}/token", issued);
        return std::string(issued.Json().at("token").as_string());
    }

    TestServer server_;
};

TEST_F(UserTokensTest, ATokenActsAsItsUserThroughEitherHeader) {
    const std::string alice = server_.CreateUser("alice");
    const std::string token = IssueToken("alice");

    const auto via_header = server_.Client().Send(
        "GET", "/users/" + alice, {"x-alloy-user-token: " + token, "x-api-version: 2025-09"});
    EXPECT_EQ(via_header.status, 200);
    EXPECT_EQ(via_header.Json().at("username").as_string(), "alice");
    const auto via_bearer = server_.Client().Send(
        "GET", "/users/alice", {"Authorization: Bearer " + token, "x-api-version: 2025-09"});
    EXPECT_EQ(via_bearer.status, 200);
    const auto update = server_.Client().Send("PUT",
                                              "/users/alice",
                                              {"Authorization: bearer " + token,
                                               "x-api-version: 2025-09",
                                               "Content-Type: application/json"},
                                              R"({"fullName":"Alice Token"})");
    EXPECT_EQ(update.status, 200);
}

TEST_F(UserTokensTest, ATokenHasTheRightsOfAUserKey) {
    (void)server_.CreateUser("alice");
    (void)server_.CreateUser("bob");
    const std::vector<std::string> as_alice{"x-alloy-user-token: " + IssueToken("alice"),
                                            "x-api-version: 2025-09",
                                            "Content-Type: application/json"};
    EXPECT_EQ(server_.Client().Send("GET", "/users/bob", as_alice).status, 403);
    EXPECT_EQ(server_.Client().Send("GET", "/users", as_alice).status, 403);
    EXPECT_EQ(server_.Client().Send("POST", "/users", as_alice, R"({"username":"eve"})").status,
              403);
    EXPECT_EQ(server_.Client().Send("GET", "/api-keys", as_alice).status, 403);

    auto overriding = as_alice;
    overriding.emplace_back("x-alloy-userid: bob");
    const auto other = server_.Client().Send("GET", "/users/alice", overriding);
    EXPECT_EQ(other.status, 403);
    EXPECT_EQ(other.ErrorMessage(),
              "This credential may not act for another user (x-alloy-userid)");

    const auto mint = server_.Client().Send("GET", "/users/alice/token", as_alice);
    EXPECT_EQ(mint.status, 403);
    EXPECT_EQ(mint.ErrorMessage(), "A user token cannot issue user tokens; use an API key");
    JUNCTION_EXPECT_SPEC("GET", "/users/{userId}/token", mint);
}

TEST_F(UserTokensTest, TheTokenDecidesTheUserWhenAKeyIsAlsoSent) {
    (void)server_.CreateUser("alice");
    auto headers = server_.AdminHeaders();
    headers.push_back("x-alloy-user-token: " + IssueToken("alice"));
    EXPECT_EQ(server_.Client().Send("GET", "/users", headers).status,
              403);  // acts as alice, not admin
    EXPECT_EQ(server_.Client().Send("GET", "/users/alice", headers).status, 200);

    (void)server_.CreateUser("bob");
    const auto conflicting = server_.Client().Send("GET",
                                                   "/users/alice",
                                                   {"Authorization: Bearer " + IssueToken("bob"),
                                                    "x-alloy-user-token: " + IssueToken("alice"),
                                                    "x-api-version: 2025-09"});
    EXPECT_EQ(conflicting.status, 403);
    EXPECT_EQ(conflicting.ErrorMessage(), "The two user tokens name different users");

    auto bad_key = std::vector<std::string>{
        "Authorization: Bearer jk_wrongwrongwrongwrongwrongwrongwrongwrongwro",
        "x-alloy-user-token: " + IssueToken("alice"),
        "x-api-version: 2025-09"};
    EXPECT_EQ(server_.Client().Send("GET", "/users/alice", bad_key).status, 401);
}

TEST_F(UserTokensTest, InvalidTokensAreUnauthorized) {
    const std::string alice = server_.CreateUser("alice");
    std::string token = IssueToken("alice");
    token[token.size() - 10] = token[token.size() - 10] == 'A' ? 'B' : 'A';  // inside the signature
    for (const std::string& header : {"x-alloy-user-token: " + token,
                                      "Authorization: Bearer " + token,
                                      std::string("x-alloy-user-token: eyJnope.eyJnope.nope")}) {
        const auto response =
            server_.Client().Send("GET", "/users/alice", {header, "x-api-version: 2025-09"});
        EXPECT_EQ(response.status, 401) << header;
        EXPECT_EQ(response.ErrorMessage(), "Invalid or missing authentication");
    }
}

TEST_F(UserTokensTest, ATokenDiesWithItsUser) {
    const std::string alice = server_.CreateUser("alice");
    const std::string token = IssueToken("alice");
    ASSERT_EQ(server_.Client().Send("DELETE", "/users/" + alice, server_.AdminHeaders()).status,
              200);
    EXPECT_EQ(server_.Client()
                  .Send("GET",
                        "/users/" + alice,
                        {"x-alloy-user-token: " + token, "x-api-version: 2025-09"})
                  .status,
              401);
}

TEST_F(UserTokensTest, RevokingAUsersTokensRefusesEveryTokenIssuedBefore) {
    const std::string alice = server_.CreateUser("alice");
    (void)server_.CreateUser("bob");
    const std::string old_token = IssueToken("alice");
    const std::string short_token = IssueToken("alice", "?expiresIn=600");
    const std::string bob_token = IssueToken("bob");
    auto get_alice = [&](const std::string& token) {
        return server_.Client()
            .Send("GET", "/users/alice", {"x-alloy-user-token: " + token, "x-api-version: 2025-09"})
            .status;
    };
    ASSERT_EQ(get_alice(old_token), 200);

    const auto revoked =
        server_.Client().Send("POST", "/users/alice/token/revoke", server_.AdminHeaders());
    ASSERT_EQ(revoked.status, 200) << revoked.body;
    EXPECT_TRUE(revoked.Json().at("success").as_bool());
    JUNCTION_EXPECT_SPEC("POST", "/users/{userId}/token/revoke", revoked);

    for (const auto& token : {old_token, short_token}) {
        EXPECT_EQ(get_alice(token), 401);
        const auto bearer = server_.Client().Send(
            "GET", "/users/alice", {"Authorization: Bearer " + token, "x-api-version: 2025-09"});
        EXPECT_EQ(bearer.status, 401);
        EXPECT_EQ(bearer.ErrorMessage(), "Invalid or missing authentication");
    }
    // A token issued afterwards works; other users' tokens were never touched.
    EXPECT_EQ(get_alice(IssueToken("alice")), 200);
    EXPECT_EQ(
        server_.Client()
            .Send(
                "GET", "/users/bob", {"x-alloy-user-token: " + bob_token, "x-api-version: 2025-09"})
            .status,
        200);
    // Revoking again refuses the token of the previous round too.
    const std::string second = IssueToken("alice");
    ASSERT_EQ(server_.Client()
                  .Send("POST", "/2025-09/users/" + alice + "/token/revoke", server_.AdminHeaders())
                  .status,
              200);
    EXPECT_EQ(get_alice(second), 401);
}

TEST_F(UserTokensTest, UsersRevokeOnlyTheirOwnTokens) {
    const std::string alice = server_.CreateUser("alice");
    const std::string bob = server_.CreateUser("bob");
    const std::string alice_key = server_.CreateKey("user", alice);
    const std::string bob_token = IssueToken("bob");
    const std::vector<std::string> as_alice{"Authorization: Bearer " + alice_key,
                                            "x-api-version: 2025-09"};

    const auto other = server_.Client().Send("POST", "/users/bob/token/revoke", as_alice);
    EXPECT_EQ(other.status, 403);
    EXPECT_EQ(other.ErrorMessage(), "This credential may only access its own user");
    JUNCTION_EXPECT_SPEC("POST", "/users/{userId}/token/revoke", other);
    EXPECT_EQ(
        server_.Client()
            .Send(
                "GET", "/users/bob", {"x-alloy-user-token: " + bob_token, "x-api-version: 2025-09"})
            .status,
        200);  // bob's token survived

    const std::string alice_token = IssueToken("alice");
    EXPECT_EQ(server_.Client().Send("POST", "/users/alice/token/revoke", as_alice).status, 200);
    // A user token may revoke its own user's tokens, itself included ("log out everywhere").
    const std::string fresh = IssueToken("alice");
    const std::vector<std::string> as_token{"x-alloy-user-token: " + fresh,
                                            "x-api-version: 2025-09"};
    EXPECT_EQ(server_.Client().Send("POST", "/users/bob/token/revoke", as_token).status, 403);
    EXPECT_EQ(server_.Client().Send("POST", "/users/alice/token/revoke", as_token).status, 200);
    EXPECT_EQ(server_.Client().Send("GET", "/users/alice", as_token).status, 401);
    EXPECT_EQ(server_.Client()
                  .Send("GET",
                        "/users/alice",
                        {"x-alloy-user-token: " + alice_token, "x-api-version: 2025-09"})
                  .status,
              401);

    const auto unknown =
        server_.Client().Send("POST", "/users/nobody/token/revoke", server_.AdminHeaders());
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.ErrorMessage(), "User 'nobody' not found");
    JUNCTION_EXPECT_SPEC("POST", "/users/{userId}/token/revoke", unknown);
    const auto anonymous = server_.Client().Send(
        "POST", "/users/" + bob + "/token/revoke", {"x-api-version: 2025-09"});
    EXPECT_EQ(anonymous.status, 401);
}

TEST_F(UserTokensTest, TokensAreNeverCached) {
    (void)server_.CreateUser("alice");
    const auto issued = server_.Client().Send("GET", "/users/alice/token", server_.AdminHeaders());
    ASSERT_EQ(issued.status, 200);
    EXPECT_EQ(issued.Header("cache-control"), "no-store");
    EXPECT_EQ(issued.Header("pragma"), "no-cache");
}

TEST_F(UserTokensTest, LifetimeIsChosenWithinLimits) {
    (void)server_.CreateUser("alice");
    const auto issued =
        server_.Client().Send("GET", "/users/alice/token?expiresIn=120", server_.AdminHeaders());
    ASSERT_EQ(issued.status, 200);
    const auto expires = ParseTimestamp(std::string(issued.Json().at("expiresAt").as_string()));
    ASSERT_TRUE(expires.has_value());
    const auto now = std::chrono::system_clock::now();
    EXPECT_LE(*expires - now, std::chrono::seconds(121));
    EXPECT_GE(*expires - now, std::chrono::seconds(100));

    for (const std::string query : {"expiresIn=59", "expiresIn=2592001", "expiresIn=soon"}) {
        const auto refused =
            server_.Client().Send("GET", "/users/alice/token?" + query, server_.AdminHeaders());
        EXPECT_EQ(refused.status, 400) << query;
        EXPECT_EQ(refused.ErrorMessage(),
                  "Query parameter 'expiresIn' must be an integer from 60 to 2592000");
        JUNCTION_EXPECT_SPEC("GET", "/users/{userId}/token", refused);
    }
}

TEST_F(UserTokensTest, KeysIssueTokensOnlyForUsersTheyMayAccess) {
    const std::string alice = server_.CreateUser("alice");
    (void)server_.CreateUser("bob");
    const std::string key = server_.CreateKey("user", alice);
    const std::vector<std::string> as_alice{"Authorization: Bearer " + key,
                                            "x-api-version: 2025-09"};
    EXPECT_EQ(server_.Client().Send("GET", "/users/alice/token", as_alice).status, 200);
    const auto other = server_.Client().Send("GET", "/users/bob/token", as_alice);
    EXPECT_EQ(other.status, 403);
    JUNCTION_EXPECT_SPEC("GET", "/users/{userId}/token", other);
    const auto unknown =
        server_.Client().Send("GET", "/users/nobody/token", server_.AdminHeaders());
    EXPECT_EQ(unknown.status, 404);
    JUNCTION_EXPECT_SPEC("GET", "/users/{userId}/token", unknown);
}

}  // namespace
}  // namespace junction
