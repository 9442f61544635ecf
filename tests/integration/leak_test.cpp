// Secrets never leak (DESIGN.md §10): plant known keys, run every flow including failures with
// debug logging, then scan the log, the database bytes and every non-creation response.
#include <gtest/gtest.h>

#include "junction/testing/test_postgres.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::Backend;
using testing::HttpResult;
using testing::TestServer;
using testing::TestServerOptions;

constexpr std::string_view kPlantedBootstrapKey = "jk_PLANTEDbootstrapSECRETvalue0123456789abcdefg";

class LeakTest : public ::testing::TestWithParam<Backend> {};

TEST_P(LeakTest, KeysAppearOnlyInTheirCreationResponse) {
    TestServer server(TestServerOptions{
        .backend = GetParam(),
        .environment = {{"JUNCTION_BOOTSTRAP_API_KEY", std::string(kPlantedBootstrapKey)}}});
    const std::string bootstrap(kPlantedBootstrapKey);
    const std::vector<std::string> admin{"Authorization: Bearer " + bootstrap,
                                         "x-api-version: 2025-09",
                                         "Content-Type: application/json"};
    std::vector<HttpResult> responses;

    auto created_user = server.Client().Send("POST", "/users", admin, R"({"username":"leaky"})");
    ASSERT_EQ(created_user.status, 200) << created_user.body;
    const std::string user_id(created_user.Json().at("userId").as_string());
    responses.push_back(created_user);

    const auto created_key = server.Client().Send(
        "POST", "/api-keys", admin, R"({"name":"planted","ownerUserId":")" + user_id + R"("})");
    ASSERT_EQ(created_key.status, 201);
    const std::string user_key(created_key.Json().at("apiKey").at("key").as_string());
    const std::string key_id(created_key.Json().at("apiKey").at("apiKeyId").as_string());

    const std::vector<std::string> as_user{"Authorization: Bearer " + user_key,
                                           "x-api-version: 2025-09",
                                           "Content-Type: application/json"};
    responses.push_back(server.Client().Send("GET", "/users/leaky", as_user));
    responses.push_back(server.Client().Send("GET", "/users", as_user));                      // 403
    responses.push_back(server.Client().Send("PUT", "/users/leaky", as_user, R"({"bad":)"));  // 400
    responses.push_back(
        server.Client().Send("GET", "/users/leaky", {"Authorization: Bearer " + user_key + "x"}));
    responses.push_back(server.Client().Send("GET", "/api-keys", admin));
    responses.push_back(
        server.Client().Send("GET", "/users", {"Authorization: Bearer " + bootstrap}));  // 400
    responses.push_back(server.Client().Send("DELETE", "/api-keys/" + key_id, admin));
    responses.push_back(server.Client().Send("GET", "/users/leaky", as_user));  // 401 revoked
    responses.push_back(server.Client().Send("GET", "/readyz"));
    for (const auto& response : responses) {
        ASSERT_NE(response.status, 0);
    }

    server.Stop();  // every access line is written before Run() returns
    const std::string log = server.LogText();
    ASSERT_NE(log.find(R"("msg":"request")"), std::string::npos) << "debug log was not captured";
    std::string stored = testing::ReadAllFiles(server.Dir().Path() / "data");
    if (server.Postgres() != nullptr) {
        stored += server.Postgres()->DumpAllText();
        ASSERT_NE(stored.find(user_id), std::string::npos) << "the dump holds the data";
    } else {
        ASSERT_NE(stored.find(user_id), std::string::npos) << "the database file holds the data";
    }
    const std::string master_key = testing::ReadFile(server.Dir().Path() / "data" / "master.key");
    ASSERT_FALSE(master_key.empty());

    for (const std::string& secret :
         {bootstrap, user_key, bootstrap.substr(3), user_key.substr(3)}) {
        EXPECT_EQ(log.find(secret), std::string::npos) << "log leaks a key";
        EXPECT_EQ(stored.find(secret), std::string::npos) << "database holds a plaintext key";
        for (const auto& response : responses) {
            EXPECT_EQ(response.body.find(secret), std::string::npos) << response.body;
            for (const auto& [name, value] : response.headers) {
                EXPECT_EQ(value.find(secret), std::string::npos) << name;
            }
        }
    }
    const std::string master_text = master_key.substr(0, master_key.find('\n'));
    EXPECT_EQ(log.find(master_text), std::string::npos) << "log leaks the master key";
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         LeakTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

}  // namespace
}  // namespace junction
