// /healthz, /readyz and /openapi.json (API.md §3.9).
#include <gtest/gtest.h>

#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/temp_dir.hpp"
#include "junction/testing/test_postgres.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::TestServer;

TEST(OperationsTest, HealthzNeedsNoAuth) {
    TestServer server;
    const auto response = server.Client().Send("GET", "/healthz");
    EXPECT_EQ(response.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/healthz", response);
    EXPECT_EQ(response.Json().at("status").as_string(), "ok");
    EXPECT_EQ(response.Header("content-type"), "application/json");
}

TEST(OperationsTest, ReadyzReportsEveryCheck) {
    TestServer server;
    const auto response = server.Client().Send("GET", "/readyz");
    EXPECT_EQ(response.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/readyz", response);
    EXPECT_EQ(
        response.body,
        R"({"status":"ready","checks":{"database":"ok","migrations":"ok","catalog":"ok","encryption":"ok"}})");
}

TEST(OperationsTest, ReadyzFailsWhenTheDatabaseIsGone) {
    testing::TestServer server(testing::TestServerOptions{.backend = testing::Backend::kPostgres});
    // Dropping the schema table makes the migrations check fail while the server keeps serving.
    (void)server.Postgres()->QueryText("DROP TABLE schema_migrations");
    const auto response = server.Client().Send("GET", "/readyz");
    EXPECT_EQ(response.status, 503);
    JUNCTION_EXPECT_SPEC("GET", "/readyz", response);
    EXPECT_EQ(response.Json().at("status").as_string(), "not_ready");
    EXPECT_EQ(response.Json().at("checks").at("database").as_string(), "ok");
    EXPECT_EQ(std::string(response.Json().at("checks").at("migrations").as_string()).substr(0, 7),
              "error: ");
}

TEST(OperationsTest, OpenApiDocumentIsServedAsJson) {
    TestServer server;
    const auto response = server.Client().Send("GET", "/openapi.json");
    EXPECT_EQ(response.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/openapi.json", response);
    const auto document = response.Json();
    ASSERT_TRUE(document.is_object());
    EXPECT_EQ(document.at("openapi").as_string(), "3.0.3");
    EXPECT_TRUE(document.at("paths").as_object().contains("/users/{userId}"));
    EXPECT_EQ(document.at("components").at("schemas").at("User").at("required").as_array().size(),
              3U);
}

}  // namespace
}  // namespace junction
