// Authentication, effective user, versioning and rate limits (API.md §1.1, §1.2, §1.6).
#include <gtest/gtest.h>

#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::TestServer;
using testing::TestServerOptions;

class AuthTest : public ::testing::Test {
protected:
    TestServer server_;
};

TEST_F(AuthTest, MissingOrMalformedCredentialsAreUnauthorized) {
    const std::vector<std::vector<std::string>> attempts{
        {"x-api-version: 2025-09"},
        {"x-api-version: 2025-09", "Authorization: Basic dXNlcjpwYXNz"},
        {"x-api-version: 2025-09", "Authorization: Bearer"},
        {"x-api-version: 2025-09", "Authorization: Bearer short"},
        {"x-api-version: 2025-09", "Authorization: Bearer jk_not$a*valid#key_but_long_enough"},
        {"x-api-version: 2025-09",
         "Authorization: Bearer jk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
    };
    for (const auto& headers : attempts) {
        const auto response = server_.Client().Send("GET", "/users", headers);
        EXPECT_EQ(response.status, 401) << headers.back();
        EXPECT_EQ(response.ErrorCode(), "UNAUTHORIZED");
        EXPECT_EQ(response.ErrorMessage(), "Invalid or missing authentication");
        EXPECT_EQ(response.Header("www-authenticate"), "Bearer");
        JUNCTION_EXPECT_SPEC("GET", "/users", response);
    }
}

TEST_F(AuthTest, TheBearerSchemeIsCaseInsensitive) {
    for (const std::string scheme : {"Bearer", "bearer", "BEARER"}) {
        const auto response = server_.Client().Send(
            "GET",
            "/users",
            {"Authorization: " + scheme + " " + server_.AdminKey(), "x-api-version: 2025-09"});
        EXPECT_EQ(response.status, 200) << scheme;
    }
}

TEST_F(AuthTest, AuthenticationComesBeforeVersionChecks) {
    const auto response = server_.Client().Send("GET", "/users", {"x-api-version: 1999-01"});
    EXPECT_EQ(response.status, 401);
}

TEST_F(AuthTest, VersionHeaderIsRequiredOnConnectivityEndpoints) {
    const auto missing =
        server_.Client().Send("GET", "/users", {"Authorization: Bearer " + server_.AdminKey()});
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(missing.ErrorCode(), "INVALID_REQUEST");
    EXPECT_EQ(missing.ErrorMessage(),
              "Missing required header 'x-api-version'. Supported versions: 2025-09, 2025-06");
    EXPECT_EQ(missing.Json().at("error").at("details").at("header").as_string(), "x-api-version");
    EXPECT_EQ(missing.Header("ratelimit-limit"), "1000");  // the request was counted
    JUNCTION_EXPECT_SPEC("GET", "/users", missing);

    const auto unknown = server_.Client().Send(
        "GET", "/users", {"Authorization: Bearer " + server_.AdminKey(), "x-api-version: 2024-01"});
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.ErrorMessage(),
              "Unsupported x-api-version '2024-01'. Supported versions: 2025-09, 2025-06");

    const auto older = server_.Client().Send(
        "GET", "/users", {"Authorization: Bearer " + server_.AdminKey(), "x-api-version: 2025-06"});
    EXPECT_EQ(older.status, 200);
    EXPECT_EQ(older.Header("x-api-version"), "2025-06");
}

TEST_F(AuthTest, VersionPrefixSatisfiesTheHeader) {
    const auto prefixed = server_.Client().Send(
        "GET", "/2025-09/users", {"Authorization: Bearer " + server_.AdminKey()});
    EXPECT_EQ(prefixed.status, 200);
    EXPECT_EQ(prefixed.Header("x-api-version"), "2025-09");

    const auto agreeing = server_.Client().Send(
        "GET",
        "/2025-06/users",
        {"Authorization: Bearer " + server_.AdminKey(), "x-api-version: 2025-06"});
    EXPECT_EQ(agreeing.status, 200);

    const auto conflicting = server_.Client().Send(
        "GET",
        "/2025-09/users",
        {"Authorization: Bearer " + server_.AdminKey(), "x-api-version: 2025-06"});
    EXPECT_EQ(conflicting.status, 400);
    EXPECT_EQ(conflicting.ErrorMessage(),
              "Header x-api-version '2025-06' conflicts with the path version '2025-09'");

    // Only Connectivity endpoints take a prefix; other surfaces need no version at all.
    EXPECT_EQ(server_.Client()
                  .Send("GET", "/2025-09/api-keys", {"Authorization: Bearer " + server_.AdminKey()})
                  .status,
              404);
    EXPECT_EQ(server_.Client()
                  .Send("GET", "/api-keys", {"Authorization: Bearer " + server_.AdminKey()})
                  .status,
              200);
}

TEST_F(AuthTest, AdminsActForAnyUserViaTheUserIdHeader) {
    const std::string alice = server_.CreateUser("alice");
    auto headers = server_.AdminHeaders();
    headers.emplace_back("x-alloy-userid: alice");
    const auto response = server_.Client().Send("GET", "/users/alice", headers);
    EXPECT_EQ(response.status, 200);
    const std::string needle = R"("user_id":")" + alice + "\"";
    EXPECT_NE(server_.WaitForLog(needle).find(needle), std::string::npos);

    headers.back() = "x-alloy-userid: nobody-here";
    const auto unknown = server_.Client().Send("GET", "/users/alice", headers);
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.ErrorMessage(), "User 'nobody-here' not found");
}

TEST_F(AuthTest, UserKeysMayNotActForAnotherUser) {
    const std::string alice = server_.CreateUser("alice");
    (void)server_.CreateUser("bob");
    const std::string key = server_.CreateKey("user", alice);
    const auto own = server_.Client().Send(
        "GET",
        "/users/alice",
        {"Authorization: Bearer " + key, "x-api-version: 2025-09", "x-alloy-userid: " + alice});
    EXPECT_EQ(own.status, 200);
    const auto other = server_.Client().Send(
        "GET",
        "/users/alice",
        {"Authorization: Bearer " + key, "x-api-version: 2025-09", "x-alloy-userid: bob"});
    EXPECT_EQ(other.status, 403);
    EXPECT_EQ(other.ErrorCode(), "FORBIDDEN");
    EXPECT_EQ(other.ErrorMessage(),
              "This credential may not act for another user (x-alloy-userid)");
}

TEST(RateLimitTest, PerKeyLimitAnswers429WithRetryAfter) {
    TestServer server(TestServerOptions{.environment = {{"JUNCTION_RATE_LIMIT_API", "3/60s"}}});
    for (int i = 0; i < 3; ++i) {
        const auto allowed = server.Client().Send("GET", "/users", server.AdminHeaders());
        ASSERT_EQ(allowed.status, 200) << i;
        EXPECT_EQ(allowed.Header("ratelimit-limit"), "3");
        EXPECT_EQ(allowed.Header("ratelimit-remaining"), std::to_string(2 - i));
        EXPECT_TRUE(allowed.Header("ratelimit-reset").has_value());
    }
    const auto limited = server.Client().Send("GET", "/users", server.AdminHeaders());
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(limited.ErrorCode(), "RATE_LIMITED");
    EXPECT_EQ(limited.ErrorMessage(), "Rate limit exceeded (3 requests per 60 s)");
    const auto retry_after = std::stoi(limited.Header("retry-after").value_or("0"));
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 120);  // may reach into the next window (API.md §1.6 sliding window)
    const auto details_json = limited.Json();
    const auto& details = details_json.at("error").at("details");
    EXPECT_EQ(details.at("limit").as_int64(), 3);
    EXPECT_EQ(details.at("windowSeconds").as_int64(), 60);
    EXPECT_EQ(details.at("retryAfterSeconds").as_int64(), retry_after);
    JUNCTION_EXPECT_SPEC("GET", "/users", limited);
}

TEST(RateLimitTest, KeysHaveSeparateBudgetsAndHealthIsUnlimited) {
    TestServer server(TestServerOptions{.environment = {{"JUNCTION_RATE_LIMIT_API", "5/60s"}}});
    const std::string alice = server.CreateUser("alice");
    const std::string key = server.CreateKey("user", alice);
    for (int i = 0; i < 5; ++i) {
        (void)server.Client().Send("GET", "/users/alice", server.AdminHeaders());
    }
    EXPECT_EQ(server.Client().Send("GET", "/users/alice", server.AdminHeaders()).status, 429);
    EXPECT_EQ(
        server.Client()
            .Send("GET", "/users/alice", {"Authorization: Bearer " + key, "x-api-version: 2025-09"})
            .status,
        200);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(server.Client().Send("GET", "/healthz").status, 200);
    }
}

TEST(RateLimitTest, RepeatedAuthenticationFailuresAreThrottledPerClient) {
    TestServer server(
        TestServerOptions{.environment = {{"JUNCTION_RATE_LIMIT_AUTH_FAILURES", "3/60s"}}});
    const std::vector<std::string> bad{
        "Authorization: Bearer jk_wrongwrongwrongwrongwrongwrongwrongwrongwro",
        "x-api-version: 2025-09"};
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(server.Client().Send("GET", "/users", bad).status, 401) << i;
    }
    const auto throttled = server.Client().Send("GET", "/users", bad);
    EXPECT_EQ(throttled.status, 429);
    EXPECT_EQ(throttled.ErrorMessage(), "Rate limit exceeded (3 requests per 60 s)");
    EXPECT_TRUE(throttled.Header("retry-after").has_value());
    JUNCTION_EXPECT_SPEC("GET", "/users", throttled);
    // Only failing attempts are slowed down: a valid key from the same address passes.
    EXPECT_EQ(server.Client().Send("GET", "/users", server.AdminHeaders()).status, 200);
    EXPECT_EQ(server.Client().Send("GET", "/users", bad).status, 429);
}

// Issue 18 #5: 21 bad keys from one address (a shared NAT) used to lock out every valid key and
// token from it for up to 60 s.
TEST(RateLimitTest, FailuresNeverLockOutValidCredentialsFromTheSameAddress) {
    TestServer server;  // rate_limit.auth_failures 20/60s
    const std::string alice = server.CreateUser("alice");
    const std::string user_key = server.CreateKey("user", alice);
    const auto issued = server.Client().Send("GET", "/users/alice/token", server.AdminHeaders());
    ASSERT_EQ(issued.status, 200);
    const std::string token(issued.Json().at("token").as_string());
    for (int i = 0; i < 21; ++i) {
        // A different key prefix each time: the address's budget is what runs out.
        const std::string bad = "jk_" + std::string(8, static_cast<char>('a' + i)) +
                                "wrongwrongwrongwrongwrongwrongwron";
        const auto refused = server.Client().Send(
            "GET", "/users", {"Authorization: Bearer " + bad, "x-api-version: 2025-09"});
        EXPECT_EQ(refused.status, i < 20 ? 401 : 429) << i;
    }
    EXPECT_EQ(server.Client().Send("GET", "/users", server.AdminHeaders()).status, 200);
    EXPECT_EQ(server.Client()
                  .Send("GET",
                        "/users/alice",
                        {"Authorization: Bearer " + user_key, "x-api-version: 2025-09"})
                  .status,
              200);
    EXPECT_EQ(
        server.Client()
            .Send("GET", "/users/alice", {"x-alloy-user-token: " + token, "x-api-version: 2025-09"})
            .status,
        200);
    // Failing attempts of any kind stay throttled: a bad key, a bad token, no credential.
    std::string forged = token;
    forged[forged.size() - 10] = forged[forged.size() - 10] == 'A' ? 'B' : 'A';
    for (const std::string& header : {std::string("Authorization: Bearer jk_zzzzzzzzzzzzzzzzzzzz"),
                                      "x-alloy-user-token: " + forged,
                                      std::string("Accept: application/json")}) {
        const auto refused =
            server.Client().Send("GET", "/users/alice", {header, "x-api-version: 2025-09"});
        EXPECT_EQ(refused.status, 429) << header;
        EXPECT_TRUE(refused.Header("retry-after").has_value()) << header;
    }
}

TEST(RateLimitTest, FailuresAreAlsoCountedPerPresentedKeyPrefix) {
    TestServer server(
        TestServerOptions{.environment = {{"JUNCTION_RATE_LIMIT_AUTH_FAILURES", "3/60s"},
                                          {"JUNCTION_TRUSTED_PROXIES", "127.0.0.1"}}});
    auto attempt = [&](const std::string& client, const std::string& key) {
        return server.Client()
            .Send("GET",
                  "/users",
                  {"Authorization: Bearer " + key,
                   "X-Forwarded-For: " + client,
                   "x-api-version: 2025-09"})
            .status;
    };
    // One guesser spread over addresses, each under its own budget: the prefix's budget runs out.
    EXPECT_EQ(attempt("10.0.0.1", "jk_guessingAAAAAAAAAAAAAAAAAAAAAAA1"), 401);
    EXPECT_EQ(attempt("10.0.0.2", "jk_guessingAAAAAAAAAAAAAAAAAAAAAAA2"), 401);
    EXPECT_EQ(attempt("10.0.0.3", "jk_guessingAAAAAAAAAAAAAAAAAAAAAAA3"), 401);
    EXPECT_EQ(attempt("10.0.0.4", "jk_guessingAAAAAAAAAAAAAAAAAAAAAAA4"), 429);
    // Another prefix from a fresh address is unaffected, and a valid key always passes.
    EXPECT_EQ(attempt("10.0.0.5", "jk_otherkeyAAAAAAAAAAAAAAAAAAAAAAA5"), 401);
    EXPECT_EQ(attempt("10.0.0.4", server.AdminKey()), 200);
}

}  // namespace
}  // namespace junction
