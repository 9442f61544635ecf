#include "junction/connectors/catalog.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "junction/connectors/render.hpp"

namespace junction::connectors {
namespace {

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
      - id: getTicket
        httpMethod: GET
        path: /tickets/{id}
        parameters:
          - {name: id, in: path, schema: {type: integer}}
          - {name: Authorization, in: header, schema: {type: string}}
)yaml";

constexpr std::string_view kSlack = R"yaml(id: slack
name: Slack
description: Team messaging
icon: https://cdn.simpleicons.org/slack
categories: [communication]
base_url: https://slack.com/api
allowed_hosts: [slack.com]
auth:
  - type: oauth2
    authorization_url: https://slack.com/oauth/v2/authorize
    token_url: https://slack.com/api/oauth.v2.access
    scopes: ["chat:write"]
  - type: bearer
resources:
  - name: chat
    displayName: Chat
    actions:
      - id: chat_postMessage
        displayName: Post
        description: Posts a message into a channel.
        httpMethod: POST
        path: /chat.postMessage
        scopes: ["chat:write"]
        parameters:
          - {name: X-Slack-Retry-Num, in: header, required: false, description: Optional retry counter, schema: {type: integer}}
        requestBody: {type: object, required: [channel, text], properties: {channel: {type: string}, text: {type: string}}}
)yaml";

Result<Catalog> LoadOne(std::string_view name, std::string_view text) {
    const std::vector<CatalogSource> sources{
        CatalogSource{.name = std::string(name), .text = std::string(text)}};
    return Catalog::Load(sources, {});
}

std::string Message(const Result<Catalog>& loaded) {
    return loaded ? std::string() : loaded.error().message;
}

TEST(CatalogTest, LoadsAValidConnector) {
    const auto loaded = LoadOne("connectors/slack.yaml", kSlack);
    ASSERT_TRUE(loaded.has_value()) << Message(loaded);
    const ConnectorSpec* slack = loaded->Find("slack");
    ASSERT_NE(slack, nullptr);
    EXPECT_EQ(slack->ActionCount(), 1U);
    EXPECT_EQ(slack->allowed_hosts, std::vector<std::string>{"slack.com"});
    EXPECT_EQ(slack->FindAction("chat_postMessage")->http_method, "post");
    EXPECT_EQ(slack->FindAction("chat_postmessage"), nullptr);  // case-sensitive
    EXPECT_EQ(loaded->Find("Slack"), nullptr);
}

TEST(CatalogTest, TemplatedHostsGetAWildcardAllowList) {
    const auto loaded = LoadOne("connectors/freshdesk.yaml", kFreshdesk);
    ASSERT_TRUE(loaded.has_value()) << Message(loaded);
    EXPECT_EQ(loaded->Find("freshdesk")->allowed_hosts,
              std::vector<std::string>{"*.freshdesk.com"});
    EXPECT_TRUE(loaded->Find("freshdesk")->FindAction("getTicket")->parameters[0].required);
}

TEST(CatalogTest, SchemaViolationsNameFileAndLine) {
    std::string text(kSlack);
    text.replace(text.find("httpMethod: POST"), 16, "httpMethod: SEND");
    const auto loaded = LoadOne("connectors/slack.yaml", text);
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(Message(loaded).find("connectors/slack.yaml:21: resources.0.actions.0.httpMethod:"),
              std::string::npos)
        << Message(loaded);
}

TEST(CatalogTest, IdMustMatchTheFileName) {
    const auto loaded = LoadOne("connectors/other.yaml", kSlack);
    EXPECT_NE(Message(loaded).find(
                  "connectors/other.yaml:1: id 'slack' must match the file name 'other.yaml'"),
              std::string::npos)
        << Message(loaded);
}

TEST(CatalogTest, PathPlaceholdersNeedPathParameters) {
    std::string text(kFreshdesk);
    text.replace(text.find("path: /tickets/{id}"), 19, "path: /tickets/{ticket}");
    const auto message = Message(LoadOne("connectors/freshdesk.yaml", text));
    EXPECT_NE(message.find(
                  "placeholder {ticket} in path of action 'getTicket' has no 'in: path' parameter"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("path parameter 'id' does not appear in path '/tickets/{ticket}'"),
              std::string::npos)
        << message;
}

TEST(CatalogTest, TemplatesMustNameDeclaredFields) {
    std::string text(kFreshdesk);
    text.replace(text.find("username: \"{{apiKey}}\""), 22, "username: \"{{token}}\"");
    const auto message = Message(LoadOne("connectors/freshdesk.yaml", text));
    EXPECT_NE(message.find("connectors/freshdesk.yaml:7: template {{token}} in 'username' is "
                           "not a field of this basic entry"),
              std::string::npos)
        << message;
}

TEST(CatalogTest, HostFieldsNeedHostSafePatterns) {
    for (const std::string pattern : {"", ".*", "^[^/]+$", "^\\\\S+$", "^[a-z]+"}) {
        std::string text(kFreshdesk);
        const std::string original = R"(pattern: "^[a-z0-9][a-z0-9-]{0,62}$", )";
        text.replace(text.find(original),
                     original.size(),
                     pattern.empty() ? "" : "pattern: \"" + pattern + "\", ");
        const auto message = Message(LoadOne("connectors/freshdesk.yaml", text));
        EXPECT_NE(message.find("field 'subdomain' is used in the host of base_url and needs "
                               "an anchored pattern"),
                  std::string::npos)
            << pattern << ": " << message;
    }
}

TEST(CatalogTest, DuplicateActionIdsAreRejected) {
    std::string text(kSlack);
    text += R"(  - name: more
    actions:
      - {id: chat_postMessage, httpMethod: GET, path: /x}
)";
    EXPECT_NE(Message(LoadOne("connectors/slack.yaml", text))
                  .find("duplicate action id 'chat_postMessage'"),
              std::string::npos);
}

TEST(CatalogTest, InvalidYamlIsReportedWithItsLine) {
    const auto message = Message(LoadOne("connectors/slack.yaml", "id: slack\nname: [unclosed\n"));
    EXPECT_NE(message.find("connectors/slack.yaml:"), std::string::npos);
    EXPECT_NE(message.find("invalid YAML"), std::string::npos) << message;
}

TEST(CatalogTest, OverridesReplaceBuiltInConnectorsWithTheSameId) {
    std::string replaced(kSlack);
    replaced.replace(replaced.find("name: Slack"), 11, "name: Our Slack");
    const std::vector<CatalogSource> built_in{
        {"connectors/slack.yaml", std::string(kSlack)},
        {"connectors/freshdesk.yaml", std::string(kFreshdesk)}};
    const std::vector<CatalogSource> overrides{{"/etc/junction/slack.yaml", replaced}};
    const auto loaded = Catalog::Load(built_in, overrides);
    ASSERT_TRUE(loaded.has_value()) << Message(loaded);
    EXPECT_EQ(loaded->Connectors().size(), 2U);
    EXPECT_EQ(loaded->Find("slack")->name, "Our Slack");
    EXPECT_EQ(loaded->Find("slack")->source, "/etc/junction/slack.yaml");
}

TEST(CatalogTest, DuplicateIdsInOneLayerAreRejected) {
    const std::vector<CatalogSource> built_in{{"a/slack.yaml", std::string(kSlack)},
                                              {"b/slack.yaml", std::string(kSlack)}};
    EXPECT_NE(Message(Catalog::Load(built_in, {}))
                  .find("b/slack.yaml:1: connector id 'slack' is also defined in a/slack.yaml"),
              std::string::npos);
}

TEST(CatalogTest, TheBuiltInCatalogLoads) {
    const auto loaded = Catalog::Load(BuiltInCatalog(), {});
    ASSERT_TRUE(loaded.has_value()) << Message(loaded);
    EXPECT_GE(loaded->Connectors().size(), 1U);
}

TEST(RenderTest, ActionsRenderAsAlloysActionObject) {
    const auto loaded = LoadOne("connectors/slack.yaml", kSlack);
    ASSERT_TRUE(loaded.has_value());
    const ConnectorSpec& slack = *loaded->Find("slack");
    const auto rendered = RenderAction(slack, *slack.FindAction("chat_postMessage"));
    EXPECT_EQ(rendered, boost::json::parse(R"({"id":"chat_postMessage","displayName":"Post",
        "description":"Posts a message into a channel.","httpMethod":"post","path":"/chat.postMessage",
        "resource":"chat","scopes":["chat:write"],
        "parameters":[{"name":"X-Slack-Retry-Num","in":"header","description":"Optional retry counter","required":false,"schema":{"type":"integer"}}],
        "requestBody":{"type":"object","required":["channel","text"],"properties":{"channel":{"type":"string"},"text":{"type":"string"}}}})"));
}

TEST(RenderTest, ParametersTheCredentialInjectsAreLeftOut) {
    const auto loaded = LoadOne("connectors/freshdesk.yaml", kFreshdesk);
    ASSERT_TRUE(loaded.has_value());
    const ConnectorSpec& freshdesk = *loaded->Find("freshdesk");
    const auto rendered = RenderAction(freshdesk, *freshdesk.FindAction("getTicket"));
    ASSERT_EQ(rendered.at("parameters").as_array().size(), 1U);
    EXPECT_EQ(rendered.at("parameters").as_array()[0].at("name"), "id");
}

TEST(RenderTest, MetadataForBasicAuthMatchesApiMdExample) {
    const auto loaded = LoadOne("connectors/freshdesk.yaml", kFreshdesk);
    ASSERT_TRUE(loaded.has_value());
    const auto metadata = RenderCredentialMetadata(
        *loaded->Find("freshdesk"), MetadataContext{.user_id = "68fe36549000cce448466858"});
    EXPECT_EQ(
        boost::json::value(metadata),
        boost::json::parse(R"json([{"authenticationType": "basic", "authConfigRequired": false,
      "inputSchema": {"type": "object", "properties": {
          "userId": {"type": "string", "description": "User ID of the credential"},
          "authenticationType": {"type": "string", "description": "Type of authentication method of the connector", "const": "basic"},
          "data": {"type": "object", "description": "Connector-specific credential fields", "properties": {
              "subdomain": {"type": "string", "description": "Your Freshdesk subdomain (acme for acme.freshdesk.com)", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"
      }
      , "apiKey" : {
          "type" : "string", "description" : "Freshdesk API key", "format" : "password"
      }
      }
      , "required" : [ "subdomain", "apiKey" ]
      }
      }
      , "required" : [ "userId", "authenticationType", "data" ]
      }
      , "sampleInput" : {
          "userId" : "68fe36549000cce448466858", "authenticationType" : "basic", "data" : {
              "subdomain" : "acme", "apiKey" : "your-apiKey"
          }
      }
      }])json"));
}

TEST(RenderTest, OauthMetadataWithADefaultAppMatchesTheSeedExample) {
    const auto loaded = LoadOne("connectors/slack.yaml", kSlack);
    ASSERT_TRUE(loaded.has_value());
    const auto metadata = RenderCredentialMetadata(
        *loaded->Find("slack"),
        MetadataContext{.user_id = "68b666094a6821e749c36006", .has_default_auth_config = true});
    EXPECT_EQ(metadata[0],
              boost::json::parse(R"({"authenticationType":"oauth2","authConfigRequired":false,
      "inputSchema":{"type":"object","properties":{
        "userId":{"type":"string","description":"User ID of the credential"},
        "authenticationType":{"type":"string","description":"Type of authentication method of the connector","const":"oauth2"},
        "redirectUri":{"type":"string","format":"uri","description":"Redirect URI for OAuth authentication"}},
        "required":["userId","authenticationType","redirectUri"]},
      "sampleInput":{"userId":"68b666094a6821e749c36006","authenticationType":"oauth2","redirectUri":"https://example.com"}})"));
}

TEST(RenderTest, OauthWithoutADefaultAppRequiresAnAuthConfig) {
    const auto loaded = LoadOne("connectors/slack.yaml", kSlack);
    ASSERT_TRUE(loaded.has_value());
    const auto metadata =
        RenderCredentialMetadata(*loaded->Find("slack"), MetadataContext{.user_id = "u"});
    EXPECT_EQ(metadata[0].at("authConfigRequired"), true);
    EXPECT_EQ(
        metadata[0].at("inputSchema").at("required"),
        boost::json::parse(R"(["userId","authenticationType","redirectUri","authConfigId"])"));
    EXPECT_EQ(metadata[1].at("authenticationType"), "bearer");
    EXPECT_EQ(metadata[1].at("sampleInput").at("data").at("token"), "your-token");
}

}  // namespace
}  // namespace junction::connectors
