// Credentials of key-based auth types end to end (API.md §3.3): create, list, delete, sealed.
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_postgres.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::Backend;
using testing::TestServer;
using testing::TestServerOptions;

constexpr std::string_view kPlantedToken = "pat-na1-PLANTEDcredentialSECRET-0123456789";

class CredentialsTest : public ::testing::TestWithParam<Backend> {
protected:
    CredentialsTest() : server_(TestServerOptions{.backend = GetParam()}) {}

    std::vector<std::string> Headers(std::vector<std::string> extra = {}) const {
        auto headers = server_.AdminHeaders();
        headers.emplace_back("Content-Type: application/json");
        headers.insert(headers.end(), extra.begin(), extra.end());
        return headers;
    }
    testing::HttpResult CreateStripe(const std::string& user) {
        return server_.Client().Send("POST",
                                     "/connectors/stripe/credentials",
                                     Headers(),
                                     R"({"userId":")" + user +
                                         R"(","authenticationType":"bearer","data":{"token":")" +
                                         std::string(kPlantedToken) + R"("}})");
    }

    TestServer server_;
};

TEST_P(CredentialsTest, KeyCredentialsAreCreatedListedAndDeleted) {
    const std::string alice = server_.CreateUser("alice");
    const auto created = CreateStripe("alice");
    ASSERT_EQ(created.status, 200) << created.body;
    JUNCTION_EXPECT_SPEC("POST", "/connectors/{connectorId}/credentials", created);
    EXPECT_EQ(created.Header("cache-control"), "no-store");
    const std::string id(created.Json().at("credentialId").as_string());

    const auto listed = server_.Client().Send(
        "GET", "/connectors/stripe/credentials", Headers({"x-alloy-userid: alice"}));
    ASSERT_EQ(listed.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/connectors/{connectorId}/credentials", listed);
    const auto json = listed.Json();
    const auto& credentials = json.at("credentials").as_array();
    ASSERT_EQ(credentials.size(), 1U);
    EXPECT_EQ(credentials[0].at("credentialId").as_string(), id);
    EXPECT_EQ(credentials[0].at("type"), "stripe-bearer");
    EXPECT_EQ(credentials[0].at("status"), "active");
    EXPECT_EQ(credentials[0].at("userId").as_string(), alice);
    EXPECT_EQ(credentials[0].at("name"), "alice's Stripe Credential");
    EXPECT_EQ(listed.Header("x-total-count"), "1");

    const auto by_user =
        server_.Client().Send("GET", "/users/alice/credentials?connectorId=stripe", Headers());
    ASSERT_EQ(by_user.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/users/{userId}/credentials", by_user);
    EXPECT_EQ(by_user.Json().at("data").as_array().size(), 1U);
    EXPECT_EQ(server_.Client()
                  .Send("GET", "/connectors/stripe/credentials", Headers())
                  .Json()
                  .at("credentials")
                  .as_array()
                  .size(),
              0U);  // the admin's own list

    const auto wrong_connector = server_.Client().Send(
        "DELETE", "/connectors/slack/credentials/" + id, Headers({"x-alloy-userid: alice"}));
    EXPECT_EQ(wrong_connector.status, 404);
    EXPECT_EQ(wrong_connector.ErrorMessage(), "Credential '" + id + "' not found");
    const auto deleted = server_.Client().Send(
        "DELETE", "/connectors/stripe/credentials/" + id, Headers({"x-alloy-userid: alice"}));
    ASSERT_EQ(deleted.status, 200);
    JUNCTION_EXPECT_SPEC("DELETE", "/connectors/{connectorId}/credentials/{credentialId}", deleted);
    EXPECT_EQ(server_.Client()
                  .Send("GET", "/users/alice/credentials", Headers())
                  .Json()
                  .at("data")
                  .as_array()
                  .size(),
              0U);
}

TEST_P(CredentialsTest, TheSecretIsSealedAndNeverReturned) {
    (void)server_.CreateUser("alice");
    const auto created = CreateStripe("alice");
    ASSERT_EQ(created.status, 200);
    std::vector<testing::HttpResult> responses{
        server_.Client().Send("GET", "/users/alice/credentials", Headers()),
        server_.Client().Send(
            "GET", "/connectors/stripe/credentials", Headers({"x-alloy-userid: alice"}))};
    server_.Stop();
    std::string stored = testing::ReadAllFiles(server_.Dir().Path() / "data");
    if (server_.Postgres() != nullptr) {
        stored += server_.Postgres()->DumpAllText();
    }
    ASSERT_NE(stored.find(std::string(created.Json().at("credentialId").as_string())),
              std::string::npos);
    EXPECT_EQ(stored.find(kPlantedToken), std::string::npos) << "plaintext credential at rest";
    EXPECT_EQ(server_.LogText().find(kPlantedToken), std::string::npos);
    EXPECT_EQ(created.body.find(kPlantedToken), std::string::npos);
    for (const auto& response : responses) {
        EXPECT_EQ(response.body.find(kPlantedToken), std::string::npos);
    }
}

TEST_P(CredentialsTest, InvalidCredentialsAreRejectedWithFieldErrors) {
    (void)server_.CreateUser("alice");
    const auto missing =
        server_.Client().Send("POST",
                              "/connectors/hubspot/credentials",
                              Headers(),
                              R"({"userId":"alice","authenticationType":"bearer"})");
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(missing.ErrorCode(), "INVALID_REQUEST");
    JUNCTION_EXPECT_SPEC("POST", "/connectors/{connectorId}/credentials", missing);
    const auto missing_json = missing.Json();
    EXPECT_EQ(missing_json.at("error").at("details").at("errors").as_array()[0],
              boost::json::parse(R"({"field":"data","message":"is required"})"));

    const auto wrong_type =
        server_.Client().Send("POST",
                              "/connectors/hubspot/credentials",
                              Headers(),
                              R"({"userId":"alice","authenticationType":"basic","data":{}})");
    EXPECT_EQ(wrong_type.status, 400);
    EXPECT_EQ(wrong_type.Json().at("error").at("details").at("errors").as_array()[0].at("message"),
              "must be one of: oauth2, bearer");

    const auto not_string = server_.Client().Send(
        "POST",
        "/connectors/hubspot/credentials",
        Headers(),
        R"({"userId":"alice","authenticationType":"bearer","data":{"token":42}})");
    EXPECT_EQ(not_string.status, 400);

    const auto oauth = server_.Client().Send(
        "POST",
        "/connectors/hubspot/credentials",
        Headers(),
        R"({"userId":"alice","authenticationType":"oauth2","redirectUri":"https://app.example.com/cb"})");
    EXPECT_EQ(oauth.status, 400);  // authConfigId required: no default OAuth app is configured

    const auto unknown =
        server_.Client().Send("POST",
                              "/connectors/nope/credentials",
                              Headers(),
                              R"({"userId":"alice","authenticationType":"bearer"})");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.ErrorCode(), "CONNECTOR_NOT_FOUND");
    EXPECT_EQ(server_.Client()
                  .Send("GET", "/users/alice/credentials", Headers())
                  .Json()
                  .at("data")
                  .as_array()
                  .size(),
              0U);
}

TEST_P(CredentialsTest, UsersManageOnlyTheirOwnCredentials) {
    const std::string alice = server_.CreateUser("alice");
    (void)server_.CreateUser("bob");
    const std::string key = server_.CreateKey("user", alice);
    const std::vector<std::string> as_alice{
        "Authorization: Bearer " + key, "x-api-version: 2025-09", "Content-Type: application/json"};
    const auto own = server_.Client().Send(
        "POST",
        "/connectors/stripe/credentials",
        as_alice,
        R"({"userId":"alice","authenticationType":"bearer","data":{"token":"t0k3n"}})");
    ASSERT_EQ(own.status, 200) << own.body;
    const auto for_bob = server_.Client().Send(
        "POST",
        "/connectors/stripe/credentials",
        as_alice,
        R"({"userId":"bob","authenticationType":"bearer","data":{"token":"t0k3n"}})");
    EXPECT_EQ(for_bob.status, 403);
    EXPECT_EQ(server_.Client().Send("GET", "/users/bob/credentials", as_alice).status, 403);
    const std::string id(own.Json().at("credentialId").as_string());
    EXPECT_EQ(server_.Client().Send("DELETE", "/users/bob/credentials/" + id, Headers()).status,
              404);

    const auto user_scoped = server_.Client().Send(
        "POST",
        "/users/alice/credentials",
        as_alice,
        R"({"connectorId":"stripe","authenticationType":"bearer","data":{"token":"sk_test_x"}})");
    ASSERT_EQ(user_scoped.status, 200) << user_scoped.body;
    JUNCTION_EXPECT_SPEC("POST", "/users/{userId}/credentials", user_scoped);
    EXPECT_EQ(user_scoped.Header("cache-control"), "no-store");
    const auto mismatch = server_.Client().Send(
        "POST",
        "/users/alice/credentials",
        Headers(),
        R"({"connectorId":"jira","userId":"bob","authenticationType":"basic","data":{"domain":"acme","email":"a","apiToken":"x"}})");
    EXPECT_EQ(mismatch.status, 400);
    EXPECT_EQ(server_.Client()
                  .Send("GET", "/users/alice/credentials", as_alice)
                  .Json()
                  .at("data")
                  .as_array()
                  .size(),
              2U);

    ASSERT_EQ(server_.Client().Send("DELETE", "/users/" + alice, Headers()).status,
              200);  // cascades
    EXPECT_EQ(server_.Client().Send("GET", "/users/alice/credentials", Headers()).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         CredentialsTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

}  // namespace
}  // namespace junction
