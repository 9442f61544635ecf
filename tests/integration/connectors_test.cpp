// Catalog endpoints and the seed endpoint over HTTP (API.md §3.2, §3.3 metadata, §5).
#include <filesystem>
#include <fstream>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/process.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::TestServer;
using testing::TestServerOptions;

constexpr std::string_view kFreshdesk = R"yaml(id: freshdesk
name: Freshdesk
categories: [support]
base_url: https://{{subdomain}}.freshdesk.com/api/v2
auth:
  - type: basic
    username: "{{apiKey}}"
    password: "X"
    fields:
      - {name: subdomain, description: "Your Freshdesk subdomain (acme for acme.freshdesk.com)", pattern: "^[a-z0-9][a-z0-9-]{0,62}$", example: acme}
      - {name: apiKey, description: Freshdesk API key, secret: true}
resources:
  - name: tickets
    actions:
      - {id: listTickets, httpMethod: GET, path: /tickets}
)yaml";

class ConnectorsTest : public ::testing::Test {
protected:
    testing::HttpResult Get(const std::string& path, std::vector<std::string> extra = {}) {
        auto headers = server_.AdminHeaders();
        headers.insert(headers.end(), extra.begin(), extra.end());
        return server_.Client().Send("GET", path, headers);
    }

    TestServer server_;
};

TEST_F(ConnectorsTest, ListsTheBuiltInCatalogInIdOrder) {
    const auto listed = Get("/connectors");
    ASSERT_EQ(listed.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/connectors", listed);
    const auto json = listed.Json();
    const auto& connectors = json.at("connectors").as_array();
    ASSERT_GE(connectors.size(), 20U);
    EXPECT_EQ(listed.Header("x-total-count"), std::to_string(connectors.size()));
    for (std::size_t i = 1; i < connectors.size(); ++i) {
        EXPECT_LT(connectors[i - 1].at("id").as_string(), connectors[i].at("id").as_string());
    }
    const auto slack = std::find_if(
        connectors.begin(), connectors.end(), [](const auto& c) { return c.at("id") == "slack"; });
    ASSERT_NE(slack, connectors.end());
    EXPECT_EQ(slack->at("name"), "Slack");
}

TEST_F(ConnectorsTest, FiltersByCategoryAndSearch) {
    const auto crm = Get("/connectors?category=CRM");
    ASSERT_EQ(crm.status, 200);
    const auto crm_json = crm.Json();
    ASSERT_FALSE(crm_json.at("connectors").as_array().empty());
    for (const auto& connector : crm_json.at("connectors").as_array()) {
        const auto& categories = connector.at("category").as_array();
        EXPECT_NE(std::find(categories.begin(), categories.end(), boost::json::value("crm")),
                  categories.end());
    }
    const auto search = Get("/connectors?search=SLA");
    const auto search_json = search.Json();
    ASSERT_EQ(search_json.at("connectors").as_array().size(), 1U);
    EXPECT_EQ(search_json.at("connectors").as_array()[0].at("id"), "slack");
    EXPECT_EQ(Get("/connectors?search=zzzz-nothing").Json().at("connectors").as_array().size(), 0U);
    const auto page = Get("/connectors?limit=2&offset=1");
    EXPECT_EQ(page.Json().at("connectors").as_array().size(), 2U);
}

TEST_F(ConnectorsTest, ConnectorDetailResourcesAndActions) {
    const auto detail = Get("/connectors/slack");
    ASSERT_EQ(detail.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/connectors/{connectorId}", detail);
    EXPECT_GE(detail.Json().at("connector").at("actionCount").as_int64(), 5);

    const auto resources = Get("/connectors/slack/resources");
    ASSERT_EQ(resources.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/connectors/{connectorId}/resources", resources);

    const auto action = Get("/connectors/slack/actions/chat_postMessage");
    ASSERT_EQ(action.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/connectors/{connectorId}/actions/{actionId}", action);
    const auto action_json = action.Json();
    EXPECT_EQ(action_json.at("action").at("httpMethod"), "post");
    EXPECT_EQ(action_json.at("action").at("path"), "/chat.postMessage");
}

TEST_F(ConnectorsTest, UnknownConnectorsAndActionsAreNotFound) {
    const auto connector = Get("/connectors/nope");
    EXPECT_EQ(connector.status, 404);
    EXPECT_EQ(connector.ErrorCode(), "CONNECTOR_NOT_FOUND");
    EXPECT_EQ(connector.ErrorMessage(), "Connector 'nope' not found");
    JUNCTION_EXPECT_SPEC("GET", "/connectors/{connectorId}", connector);
    EXPECT_EQ(Get("/connectors/nope/resources").ErrorCode(), "CONNECTOR_NOT_FOUND");
    EXPECT_EQ(Get("/connectors/nope/credentials/metadata").ErrorCode(), "CONNECTOR_NOT_FOUND");

    const auto action = Get("/connectors/slack/actions/chat_postmessage");
    EXPECT_EQ(action.status, 404);
    EXPECT_EQ(action.ErrorCode(), "ACTION_NOT_FOUND");
    EXPECT_EQ(action.ErrorMessage(), "Action 'chat_postmessage' not found for connector 'slack'");
    JUNCTION_EXPECT_SPEC("GET", "/connectors/{connectorId}/actions/{actionId}", action);
    EXPECT_EQ(Get("/connectors/slack/actions").status, 404);  // not served (API.md §2)
}

TEST_F(ConnectorsTest, CatalogReadsIgnoreTheUserHeader) {
    EXPECT_EQ(Get("/connectors", {"x-alloy-userid: no-such-user"}).status, 200);
    EXPECT_EQ(Get("/connectors/slack", {"x-alloy-userid: no-such-user"}).status, 200);
    EXPECT_EQ(
        Get("/connectors/slack/credentials/metadata", {"x-alloy-userid: no-such-user"}).status,
        404);
}

TEST_F(ConnectorsTest, CredentialMetadataRendersForTheEffectiveUser) {
    const std::string alice = server_.CreateUser("alice");
    const auto metadata = Get("/connectors/slack/credentials/metadata", {"x-alloy-userid: alice"});
    ASSERT_EQ(metadata.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/connectors/{connectorId}/credentials/metadata", metadata);
    const auto json = metadata.Json();
    const auto& entries = json.at("metadata").as_array();
    ASSERT_GE(entries.size(), 1U);
    EXPECT_EQ(entries[0].at("authenticationType"), "oauth2");
    EXPECT_EQ(entries[0].at("sampleInput").at("userId").as_string(), alice);
    EXPECT_EQ(entries[0].at("sampleInput").at("redirectUri"), "https://example.com");
    EXPECT_EQ(entries[0].at("inputSchema").at("properties").at("authenticationType").at("const"),
              "oauth2");
}

TEST(CatalogDirectoryTest, OperatorConnectorsAreServedWithTheBuiltInOnes) {
    testing::TempDir catalog;
    std::ofstream(catalog.File("freshdesk.yaml")) << kFreshdesk;
    TestServer server(
        TestServerOptions{.environment = {{"JUNCTION_CATALOG_DIR", catalog.Path().string()}}});
    const auto metadata = server.Client().Send(
        "GET", "/connectors/freshdesk/credentials/metadata", server.AdminHeaders());
    ASSERT_EQ(metadata.status, 200) << metadata.body;
    JUNCTION_EXPECT_SPEC("GET", "/connectors/{connectorId}/credentials/metadata", metadata);
    const auto json = metadata.Json();
    const auto& entry = json.at("metadata").as_array()[0];
    EXPECT_EQ(entry.at("authConfigRequired"), false);
    EXPECT_EQ(entry.at("inputSchema").at("required"),
              boost::json::parse(R"(["userId","authenticationType","data"])"));
    EXPECT_EQ(entry.at("sampleInput").at("data"),
              boost::json::parse(R"({"subdomain":"acme","apiKey":"your-apiKey"})"));
    EXPECT_EQ(server.Client().Send("GET", "/connectors/slack", server.AdminHeaders()).status, 200);
}

TEST(CatalogDirectoryTest, ABrokenCatalogStopsStartupNamingFileAndLine) {
    testing::TempDir dir;
    std::filesystem::create_directories(dir.Path() / "catalog");
    std::string broken(kFreshdesk);
    broken.replace(broken.find("path: /tickets"), 14, "path: \"/tickets/{id}\"");
    std::ofstream(dir.File("catalog/freshdesk.yaml")) << broken;

    const auto validated =
        testing::RunProcess({testing::JunctionBinary(), "catalog", "validate", dir.File("catalog")},
                            {},
                            dir.Path().string());
    EXPECT_EQ(validated.exit_code, 1);
    EXPECT_NE(validated.err.find("freshdesk.yaml:15: placeholder {id} in path of action "
                                 "'listTickets' has no 'in: path' parameter"),
              std::string::npos)
        << validated.err;

    const auto served = testing::RunProcess({testing::JunctionBinary(), "serve"},
                                            {{"JUNCTION_CATALOG_DIR", dir.File("catalog")},
                                             {"JUNCTION_DATA_DIR", dir.File("data")},
                                             {"JUNCTION_LISTEN", "127.0.0.1:0"}},
                                            dir.Path().string());
    EXPECT_EQ(served.exit_code, 1);
    EXPECT_NE(served.err.find("invalid connector catalog:"), std::string::npos) << served.err;

    const auto builtin = testing::RunProcess(
        {testing::JunctionBinary(), "catalog", "validate"}, {}, dir.Path().string());
    EXPECT_EQ(builtin.exit_code, 0) << builtin.err;
    EXPECT_NE(builtin.out.find("Catalog OK: "), std::string::npos);
}

}  // namespace
}  // namespace junction
