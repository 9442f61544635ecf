// Auth configs and the OAuth2 browser flow end to end (API.md §3.4, §3.6) against a real OAuth2
// server (oauth2-mock-server): authorize, callback, token exchange with PKCE and client
// authentication, refresh (single flight, invalid_grant, transient failures), and secrets that
// never leak.
#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "junction/service/oauth_service.hpp"
#include "junction/service/user_service.hpp"
#include "junction/storage/postgres/pg_database.hpp"
#include "junction/storage/sqlite/sqlite_database.hpp"
#include "junction/testing/fake_upstream.hpp"
#include "junction/testing/oauth_provider.hpp"
#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_postgres.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::Backend;
using testing::FakeUpstream;
using testing::HttpResult;
using testing::OAuthProvider;
using testing::QueryParameter;
using testing::TempDir;
using testing::TestServer;
using testing::TestServerOptions;

constexpr std::string_view kClientId = "junction-test";
constexpr std::string_view kPlantedClientSecret = "cs-PLANTEDclientSECRET-4f1c9a7e";
constexpr std::string_view kAppRedirect = "https://app.example.com/integrations/done?from=test";

// Two operator connectors whose OAuth endpoints are the test provider: `acme` (PKCE, client
// secret in the body) and `acmebasic` (client_secret_basic, no PKCE, a tenant input).
std::string WriteCatalog(const TempDir& dir,
                         const std::string& issuer,
                         const std::string& revocation_url = "") {
    const std::string catalog = dir.File("catalog");
    std::filesystem::create_directories(catalog);
    std::ofstream(catalog + "/acme.yaml") << R"(id: acme
name: Acme
description: Test provider.
categories: [testing]
base_url: https://api.acme.test
auth:
  - type: oauth2
    authorization_url: )" << issuer << R"(/authorize
    token_url: )" << issuer << R"(/token
)" << (revocation_url.empty() ? "" : "    revocation_url: " + revocation_url + "\n")
                                          << R"(    scopes: [read, write]
    extra_authorize_params: {prompt: consent}
    store_token_fields: [scope]
resources:
  - name: me
    actions:
      - {id: getMe, httpMethod: GET, path: /me}
)";
    std::ofstream(catalog + "/acmebasic.yaml") << R"(id: acmebasic
name: Acme Basic
categories: [testing]
base_url: https://{{site}}.acme.test
auth:
  - type: oauth2
    authorization_url: )" << issuer << R"(/authorize
    token_url: )" << issuer << R"(/token
    scopes: [read]
    scope_separator: ","
    pkce: false
    token_auth_method: client_secret_basic
    fields:
      - {name: site, display_name: Site, pattern: "^[a-z0-9-]+$", example: mysite}
resources:
  - name: me
    actions:
      - {id: getMe, httpMethod: GET, path: /me}
)";
    return catalog;
}

// Raw SQL on the server's database (to move time forward for expiry tests).
void RunSql(TestServer& server, const std::string& sql) {
    std::unique_ptr<storage::SqlDatabase> database;
    if (server.Postgres() != nullptr) {
        database = std::move(*storage::postgres::PgDatabase::Open(
            server.Postgres()->Url(), 1, std::chrono::seconds(30)));
    } else {
        database = std::move(
            *storage::sqlite::SqliteDatabase::Open(server.Dir().File("data/junction.db"), 1));
    }
    ASSERT_TRUE(database
                    ->WithSession([&](storage::SqlSession& session) -> Result<void> {
                        auto rows = session.Query(sql, {});
                        if (!rows) {
                            return Fail(std::move(rows.error()));
                        }
                        return Ok();
                    })
                    .has_value());
}

std::string PathOf(const std::string& url) {
    const auto scheme = url.find("://");
    return url.substr(url.find('/', scheme + 3));
}

class OAuthTest : public ::testing::TestWithParam<Backend> {
protected:
    OAuthTest()
        : provider_({"--client-id",
                     std::string(kClientId),
                     "--client-secret",
                     std::string(kPlantedClientSecret),
                     "--strict-code",
                     "--strict-refresh"}),
          server_(TestServerOptions{
              .backend = GetParam(),
              .environment = {{"JUNCTION_CATALOG_DIR",
                               WriteCatalog(dir_, provider_.Issuer(), revoker_.Url("/revoke"))},
                              {"JUNCTION_EGRESS_ALLOW_CIDRS", "127.0.0.1/32"}}}) {}

    std::vector<std::string> Admin() const {
        auto headers = server_.AdminHeaders();
        headers.emplace_back("Content-Type: application/json");
        return headers;
    }
    HttpResult Send(const std::string& method,
                    const std::string& path,
                    const std::optional<std::string>& body = std::nullopt) {
        auto result = server_.Client().Send(method, path, Admin(), body);
        responses_.push_back(result);
        return result;
    }
    // A browser request: no API key.
    HttpResult Browse(const std::string& path_or_url, std::vector<std::string> headers = {}) {
        const std::string path =
            path_or_url.starts_with("http") ? PathOf(path_or_url) : path_or_url;
        auto result = server_.Client().Send("GET", path, headers);
        responses_.push_back(result);
        return result;
    }

    std::string CreateAuthConfig(const std::string& connector = "acme") {
        const auto created =
            Send("POST",
                 "/auth-configs",
                 R"({"connectorId":")" + connector + R"(","clientId":")" + std::string(kClientId) +
                     R"(","clientSecret":")" + std::string(kPlantedClientSecret) + R"("})");
        EXPECT_EQ(created.status, 201) << created.body;
        return std::string(created.Json().at("authConfig").at("authConfigId").as_string());
    }

    // POST credentials → oauthUrl.
    std::string StartFlow(const std::string& user_id,
                          const std::string& connector = "acme",
                          const std::string& extra = "") {
        const auto created =
            Send("POST",
                 "/connectors/" + connector + "/credentials",
                 R"({"userId":")" + user_id + R"(","authenticationType":"oauth2","redirectUri":")" +
                     std::string(kAppRedirect) + "\"" + extra + "}");
        EXPECT_EQ(created.status, 200) << created.body;
        JUNCTION_EXPECT_SPEC("POST", "/connectors/{connectorId}/credentials", created);
        EXPECT_EQ(created.Header("cache-control"), "no-store");  // the URL holds a one-time token
        return std::string(created.Json().at("oauthUrl").as_string());
    }

    // Junction's authorize → provider's authorize → the callback URL the provider sends back.
    std::string ConsentAtProvider(const std::string& oauth_url) {
        const auto authorize = Browse(oauth_url);
        EXPECT_EQ(authorize.status, 302) << authorize.body;
        EXPECT_EQ(authorize.Header("cache-control"), "no-store");
        return provider_.Authorize(authorize.Header("location").value_or(""));
    }

    // The whole flow; returns the new credential's id.
    std::string Connect(const std::string& user_id) {
        const auto done = Browse(ConsentAtProvider(StartFlow(user_id)));
        EXPECT_EQ(done.status, 302) << done.body;
        const std::string location = done.Header("location").value_or("");
        EXPECT_EQ(QueryParameter(location, "status"), "success") << location;
        return QueryParameter(location, "credentialId");
    }

    boost::json::array Credentials(const std::string& user) {
        const auto listed = server_.Client().Send("GET", "/connectors/acme/credentials", [&] {
            auto headers = Admin();
            headers.push_back("x-alloy-userid: " + user);
            return headers;
        }());
        EXPECT_EQ(listed.status, 200) << listed.body;
        return listed.Json().at("credentials").as_array();
    }

    std::size_t RefreshRequests() const {
        std::size_t count = 0;
        for (const auto& request : provider_.TokenRequests()) {
            count += request.at("grant_type") == "refresh_token" ? 1U : 0U;
        }
        return count;
    }

    TempDir dir_;
    OAuthProvider provider_;
    FakeUpstream revoker_;  // the connector's revocation_url
    TestServer server_;
    std::vector<HttpResult> responses_;
};

TEST_P(OAuthTest, AuthConfigsAreCreatedListedUpdatedAndDeleted) {
    const auto created = Send("POST",
                              "/auth-configs",
                              R"({"connectorId":"acme","clientId":"cid","clientSecret":")" +
                                  std::string(kPlantedClientSecret) +
                                  R"(","scopes":["read"],"extraAuthorizationParams":{"hd":"x"}})");
    ASSERT_EQ(created.status, 201) << created.body;
    JUNCTION_EXPECT_SPEC("POST", "/auth-configs", created);
    const auto config = created.Json().at("authConfig").as_object();
    const std::string id(config.at("authConfigId").as_string());
    EXPECT_EQ(config.at("name"), "Acme OAuth app");
    EXPECT_EQ(config.at("isDefault"), true) << "the first config of a connector is its default";
    EXPECT_EQ(config.at("hasClientSecret"), true);
    EXPECT_EQ(config.at("scopes"), boost::json::array({"read"}));
    EXPECT_EQ(config.at("redirectUri").as_string(),
              server_.Client().BaseUrl() + "/api/strategy/connector/acme/callback");
    EXPECT_EQ(config.if_contains("clientSecret"), nullptr);

    const auto second = Send(
        "POST",
        "/auth-configs",
        R"({"connectorId":"acme","name":"Second","clientId":"c2","clientSecret":"s2","isDefault":true})");
    ASSERT_EQ(second.status, 201) << second.body;
    EXPECT_EQ(second.Json().at("authConfig").at("scopes"), boost::json::array({"read", "write"}))
        << "default scopes come from the catalog";
    const auto listed = Send("GET", "/auth-configs?connectorId=acme");
    ASSERT_EQ(listed.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/auth-configs", listed);
    const auto listed_json = listed.Json();
    const auto& items = listed_json.at("authConfigs").as_array();
    ASSERT_EQ(items.size(), 2U);
    EXPECT_EQ(items[0].at("isDefault"), false) << "isDefault:true moved the default";
    EXPECT_EQ(items[1].at("isDefault"), true);
    EXPECT_EQ(listed.Json().at("total"), 2);

    const auto updated = Send("PUT", "/auth-configs/" + id, R"({"scopes":["read","admin"]})");
    ASSERT_EQ(updated.status, 200) << updated.body;
    JUNCTION_EXPECT_SPEC("PUT", "/auth-configs/{authConfigId}", updated);
    EXPECT_EQ(updated.Json().at("authConfig").at("scopes"), boost::json::array({"read", "admin"}));
    EXPECT_EQ(updated.Json().at("authConfig").at("hasClientSecret"), true);
    const auto got = Send("GET", "/auth-configs/" + id);
    ASSERT_EQ(got.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/auth-configs/{authConfigId}", got);

    const auto moved = Send("PUT", "/auth-configs/" + id, R"({"connectorId":"acmebasic"})");
    EXPECT_EQ(moved.status, 400);
    EXPECT_EQ(moved.ErrorCode(), "INVALID_REQUEST");
    const auto taken = Send("PUT", "/auth-configs/" + id, R"({"name":"Second"})");
    EXPECT_EQ(taken.status, 409);
    EXPECT_EQ(taken.ErrorMessage(), "Connector 'acme' already has an auth config named 'Second'");
    const auto deleted = Send("DELETE", "/auth-configs/" + id);
    EXPECT_EQ(deleted.status, 200);
    JUNCTION_EXPECT_SPEC("DELETE", "/auth-configs/{authConfigId}", deleted);
    const auto gone = Send("GET", "/auth-configs/" + id);
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(gone.ErrorMessage(), "Auth config '" + id + "' not found");
}

TEST_P(OAuthTest, AuthConfigErrorsAreClear) {
    struct Case {
        std::string body;
        long status;
        std::string code;
    };
    for (const auto& [body, status, code] : std::vector<Case>{
             {R"({"connectorId":"acme","clientId":"c"})", 400, "INVALID_REQUEST"},
             {R"({"connectorId":"nope","clientId":"c","clientSecret":"s"})",
              404,
              "CONNECTOR_NOT_FOUND"},
             {R"({"connectorId":"acme","clientId":"c","clientSecret":"s","scopes":"read"})",
              400,
              "INVALID_REQUEST"},
             {R"({"connectorId":"acme","clientId":"c","clientSecret":"s","isDefault":"yes"})",
              400,
              "INVALID_REQUEST"},
         }) {
        const auto answer = Send("POST", "/auth-configs", body);
        EXPECT_EQ(answer.status, status) << body << " → " << answer.body;
        EXPECT_EQ(answer.ErrorCode(), code) << body;
        JUNCTION_EXPECT_SPEC("POST", "/auth-configs", answer);
    }
    const auto key_only = Send(
        "POST", "/auth-configs", R"({"connectorId":"stripe","clientId":"c","clientSecret":"s"})");
    EXPECT_EQ(key_only.status, 400) << key_only.body;
    const auto user = server_.CreateUser("mallory");
    const auto as_user = server_.Client().Send(
        "GET", "/auth-configs", {"Authorization: Bearer " + server_.CreateKey("user", user)});
    EXPECT_EQ(as_user.status, 403);
    EXPECT_EQ(as_user.ErrorMessage(), "Auth configs require an admin API key");
}

TEST_P(OAuthTest, MetadataAndCreationNeedAnAuthConfigUntilADefaultExists) {
    const std::string alice = server_.CreateUser("alice");
    const auto before = Send("GET", "/connectors/acme/credentials/metadata");
    ASSERT_EQ(before.status, 200);
    EXPECT_EQ(before.Json().at("metadata").at(0).at("authConfigRequired"), true);
    const auto refused =
        Send("POST",
             "/connectors/acme/credentials",
             R"({"userId":")" + alice +
                 R"(","authenticationType":"oauth2","redirectUri":"https://a.b/c"})");
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(refused.ErrorCode(), "INVALID_REQUEST");

    const std::string acme_config = CreateAuthConfig();
    const auto after = Send("GET", "/connectors/acme/credentials/metadata");
    JUNCTION_EXPECT_SPEC("GET", "/connectors/{connectorId}/credentials/metadata", after);
    const auto after_json = after.Json();
    const auto& entry = after_json.at("metadata").at(0);
    EXPECT_EQ(entry.at("authConfigRequired"), false);
    EXPECT_EQ(entry.at("inputSchema").at("properties").as_object().if_contains("authConfigId"),
              nullptr);

    const auto bad_redirect =
        Send("POST",
             "/connectors/acme/credentials",
             R"({"userId":")" + alice +
                 R"x(","authenticationType":"oauth2","redirectUri":"javascript:alert(1)"})x");
    EXPECT_EQ(bad_redirect.status, 400) << bad_redirect.body;
    const auto other_connector_config = Send(
        "POST",
        "/connectors/acmebasic/credentials",
        R"({"userId":")" + alice +
            R"(","authenticationType":"oauth2","redirectUri":"https://a.b/c","authConfigId":")" +
            acme_config + R"(","data":{"site":"x"}})");
    EXPECT_EQ(other_connector_config.status, 400) << other_connector_config.body;
    EXPECT_EQ(
        other_connector_config.Json().at("error").at("details").at("errors").at(0).at("field"),
        "authConfigId");
}

TEST_P(OAuthTest, TheFullFlowStoresACredentialAndRedirectsWithItsId) {
    CreateAuthConfig();
    const std::string alice = server_.CreateUser("alice");
    const std::string oauth_url = StartFlow(alice);
    EXPECT_TRUE(oauth_url.starts_with(server_.Client().BaseUrl() +
                                      "/api/strategy/connector/acme/authorize?userId=" + alice +
                                      "&redirectUri=https%3A%2F%2Fapp.example.com"))
        << oauth_url;
    EXPECT_EQ(QueryParameter(oauth_url, "token").size(), 43U);

    const auto authorize = Browse(oauth_url);
    ASSERT_EQ(authorize.status, 302) << authorize.body;
    JUNCTION_EXPECT_SPEC("GET", "/api/strategy/connector/{connectorId}/authorize", authorize);
    const std::string provider_url = authorize.Header("location").value_or("");
    EXPECT_TRUE(provider_url.starts_with(provider_.AuthorizationUrl() + "?")) << provider_url;
    EXPECT_EQ(QueryParameter(provider_url, "client_id"), kClientId);
    EXPECT_EQ(QueryParameter(provider_url, "response_type"), "code");
    EXPECT_EQ(QueryParameter(provider_url, "scope"), "read write");
    EXPECT_EQ(QueryParameter(provider_url, "prompt"), "consent");
    EXPECT_EQ(QueryParameter(provider_url, "code_challenge_method"), "S256");
    EXPECT_EQ(QueryParameter(provider_url, "code_challenge").size(), 43U);
    EXPECT_EQ(QueryParameter(provider_url, "state").size(), 43U);
    EXPECT_EQ(QueryParameter(provider_url, "redirect_uri"),
              server_.Client().BaseUrl() + "/api/strategy/connector/acme/callback");

    const std::string callback = provider_.Authorize(provider_url);
    const auto done = Browse(callback);
    ASSERT_EQ(done.status, 302) << done.body;
    JUNCTION_EXPECT_SPEC("GET", "/api/strategy/connector/{connectorId}/callback", done);
    const std::string location = done.Header("location").value_or("");
    EXPECT_TRUE(location.starts_with("https://app.example.com/integrations/done?from=test&"))
        << location;
    const std::string credential_id = QueryParameter(location, "credentialId");
    EXPECT_EQ(credential_id.size(), 24U);
    EXPECT_EQ(QueryParameter(location, "connectorId"), "acme");
    EXPECT_EQ(QueryParameter(location, "status"), "success");

    const auto requests = provider_.TokenRequests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].at("grant_type"), "authorization_code");
    EXPECT_EQ(requests[0].at("client_auth"), "body");
    EXPECT_EQ(requests[0].at("has_code_verifier"), true);

    const auto credentials = Credentials(alice);
    ASSERT_EQ(credentials.size(), 1U);
    EXPECT_EQ(credentials[0].at("credentialId").as_string(), credential_id);
    EXPECT_EQ(credentials[0].at("type"), "acme-oauth2");
    EXPECT_EQ(credentials[0].at("status"), "active");
    EXPECT_EQ(credentials[0].at("name"), "alice's Acme Credential");

    // The state and the one-time token each work once.
    const auto replayed_state = Browse(callback);
    EXPECT_EQ(replayed_state.status, 400);
    EXPECT_EQ(replayed_state.ErrorMessage(), "OAuth state is invalid, expired or already used");
    EXPECT_FALSE(replayed_state.Header("location").has_value());
    JUNCTION_EXPECT_SPEC("GET", "/api/strategy/connector/{connectorId}/callback", replayed_state);
    const auto replayed_token = Browse(oauth_url);
    EXPECT_EQ(replayed_token.status, 400);
    EXPECT_EQ(replayed_token.ErrorMessage(),
              "This connect link is invalid, expired or already used");
    EXPECT_EQ(provider_.TokenRequests().size(), 1U);

    // A config in use cannot be deleted; the credential can, and then the config too.
    const auto configs = Send("GET", "/auth-configs");
    const std::string config_id(
        configs.Json().at("authConfigs").at(0).at("authConfigId").as_string());
    const auto in_use = Send("DELETE", "/auth-configs/" + config_id);
    EXPECT_EQ(in_use.status, 409);
    EXPECT_EQ(in_use.Json().at("error").at("details").at("credentialCount"), 1);
    EXPECT_EQ(Send("DELETE", "/connectors/acme/credentials/" + credential_id).status, 404)
        << "the admin's own user does not own it";
    const auto removed =
        server_.Client().Send("DELETE", "/connectors/acme/credentials/" + credential_id, [&] {
            auto headers = Admin();
            headers.push_back("x-alloy-userid: alice");
            return headers;
        }());
    EXPECT_EQ(removed.status, 200);
    EXPECT_EQ(Send("DELETE", "/auth-configs/" + config_id).status, 200);
}

TEST_P(OAuthTest, AuthorizeChecksTheBoundValuesAndCanAnswerJson) {
    CreateAuthConfig();
    const std::string alice = server_.CreateUser("alice");
    const std::string bob = server_.CreateUser("bob");
    const std::string oauth_url = StartFlow(alice);
    const std::string token = QueryParameter(oauth_url, "token");
    const std::string base = "/api/strategy/connector/acme/authorize?token=" + token;

    for (const std::string& bad :
         {base + "&userId=" + bob,
          base + "&userId=" + alice + "&redirectUri=https%3A%2F%2Fevil",
          "/api/strategy/connector/acmebasic/authorize?token=" + token + "&userId=" + alice,
          base.substr(0, base.size() - 1) + "&userId=" + alice}) {
        const auto refused = Browse(bad);
        EXPECT_EQ(refused.status, 400) << bad;
        EXPECT_EQ(refused.ErrorCode(), "INVALID_REQUEST");
        EXPECT_FALSE(refused.Header("location").has_value());
    }
    const auto unknown =
        Browse("/api/strategy/connector/nope/authorize?token=" + token + "&userId=" + alice);
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.ErrorCode(), "CONNECTOR_NOT_FOUND");
    const auto missing = Browse("/api/strategy/connector/acme/authorize");
    EXPECT_EQ(missing.status, 400);

    // The mismatches above did not use the token up.
    const auto json = Browse(base + "&userId=" + alice, {"Accept: application/json"});
    ASSERT_EQ(json.status, 200) << json.body;
    JUNCTION_EXPECT_SPEC("GET", "/api/strategy/connector/{connectorId}/authorize", json);
    EXPECT_TRUE(
        json.Json().at("authorizationUrl").as_string().starts_with(provider_.AuthorizationUrl()));
}

TEST_P(OAuthTest, ADeniedConsentRedirectsWithTheProviderError) {
    CreateAuthConfig();
    const std::string alice = server_.CreateUser("alice");
    const std::string callback = ConsentAtProvider(StartFlow(alice));
    const std::string state = QueryParameter(callback, "state");
    const auto denied = Browse("/api/strategy/connector/acme/callback?state=" + state +
                               "&error=access_denied&error_description=The+user+said+no");
    ASSERT_EQ(denied.status, 302) << denied.body;
    const std::string location = denied.Header("location").value_or("");
    EXPECT_EQ(QueryParameter(location, "error"), "access_denied");
    EXPECT_EQ(QueryParameter(location, "error_description"), "The user said no");
    EXPECT_EQ(QueryParameter(location, "status"), "error");
    EXPECT_EQ(QueryParameter(location, "connectorId"), "acme");
    EXPECT_TRUE(Credentials(alice).empty());
    EXPECT_TRUE(provider_.TokenRequests().empty());
    EXPECT_EQ(Browse(callback).status, 400) << "the state was used by the denial";
}

TEST_P(OAuthTest, AFailingTokenEndpointRedirectsWithTokenExchangeFailed) {
    CreateAuthConfig();
    const std::string alice = server_.CreateUser("alice");
    const std::string callback = ConsentAtProvider(StartFlow(alice));
    provider_.FailNext(503, R"({"error":"temporarily_unavailable"})");
    const auto failed = Browse(callback);
    ASSERT_EQ(failed.status, 302) << failed.body;
    const std::string location = failed.Header("location").value_or("");
    EXPECT_EQ(QueryParameter(location, "error"), "token_exchange_failed");
    EXPECT_EQ(QueryParameter(location, "error_description"), "The token exchange with Acme failed");
    EXPECT_EQ(QueryParameter(location, "status"), "error");
    EXPECT_TRUE(Credentials(alice).empty());
}

TEST_P(OAuthTest, ExpiredStatesAndTokensAreRefusedWithoutRedirect) {
    CreateAuthConfig();
    const std::string alice = server_.CreateUser("alice");
    const std::string callback = ConsentAtProvider(StartFlow(alice));
    const std::string oauth_url = StartFlow(alice);
    RunSql(server_, "UPDATE oauth_flows SET expires_at = 1, state_expires_at = 1");
    const auto expired_state = Browse(callback);
    EXPECT_EQ(expired_state.status, 400);
    EXPECT_FALSE(expired_state.Header("location").has_value());
    const auto expired_token = Browse(oauth_url);
    EXPECT_EQ(expired_token.status, 400);
    EXPECT_TRUE(provider_.TokenRequests().empty());
    const auto unknown = Browse("/api/strategy/connector/acme/callback?state=madeup&code=x");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.ErrorMessage(), "OAuth state is invalid, expired or already used");
}

TEST_P(OAuthTest, ClientSecretBasicWithoutPkceAndTenantInputs) {
    CreateAuthConfig("acmebasic");
    const std::string alice = server_.CreateUser("alice");
    const std::string oauth_url = StartFlow(alice, "acmebasic", R"(,"data":{"site":"tenant-1"})");
    const auto authorize = Browse(oauth_url);
    ASSERT_EQ(authorize.status, 302);
    const std::string provider_url = authorize.Header("location").value_or("");
    EXPECT_EQ(QueryParameter(provider_url, "code_challenge"), "");
    EXPECT_EQ(QueryParameter(provider_url, "scope"), "read");
    const auto done = Browse(provider_.Authorize(provider_url));
    ASSERT_EQ(done.status, 302);
    EXPECT_EQ(QueryParameter(done.Header("location").value_or(""), "status"), "success");
    const auto requests = provider_.TokenRequests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].at("client_auth"), "basic");
    EXPECT_EQ(requests[0].at("has_code_verifier"), false);

    const std::string credential_id =
        QueryParameter(done.Header("location").value_or(""), "credentialId");
    auto access = server_.App().OAuth().EnsureFresh(credential_id);
    ASSERT_TRUE(access.has_value());
    EXPECT_EQ(access->data.at("site"), "tenant-1");
}

TEST_P(OAuthTest, FlowsWithoutRedirectUriEndOnAPage) {
    CreateAuthConfig();
    const std::string alice = server_.CreateUser("alice");
    auto owner =
        server_.App().Users().Get(service::Principal{.role = service::Role::kAdmin}, alice);
    ASSERT_TRUE(owner.has_value());
    auto started = server_.App().OAuth().StartFlow(
        service::OAuthFlowRequest{.owner = *owner, .connector_id = "acme"});
    ASSERT_TRUE(started.has_value());
    const std::string oauth_url(started->at("oauthUrl").as_string());
    EXPECT_EQ(oauth_url.find("redirectUri"), std::string::npos);
    const auto page = Browse(ConsentAtProvider(oauth_url));
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("Acme is connected. You can close this window."), std::string::npos);
    EXPECT_EQ(Credentials(alice).size(), 1U);
}

TEST_P(OAuthTest, ParallelRefreshesOfOneCredentialReachTheProviderOnce) {
    CreateAuthConfig();
    const std::string alice = server_.CreateUser("alice");
    const std::string credential_id = Connect(alice);
    auto before = server_.App().OAuth().EnsureFresh(credential_id);
    ASSERT_TRUE(before.has_value());
    EXPECT_EQ(RefreshRequests(), 0U) << "a token valid for an hour is used as is";

    // The token now expires within the 60 s skew: every caller needs a refresh.
    RunSql(server_, "UPDATE credentials SET token_expires_at = token_expires_at - 3590000");
    constexpr int kCallers = 50;
    std::vector<std::string> tokens(kCallers);
    std::vector<std::thread> callers;
    callers.reserve(kCallers);
    for (int i = 0; i < kCallers; ++i) {
        callers.emplace_back([&, i] {
            auto access = server_.App().OAuth().EnsureFresh(credential_id);
            tokens.at(static_cast<std::size_t>(i)) =
                access ? std::string(access->access_token.Reveal()) : access.error().message;
        });
    }
    for (auto& caller : callers) {
        caller.join();
    }
    EXPECT_EQ(RefreshRequests(), 1U);
    for (const auto& token : tokens) {
        EXPECT_EQ(token, tokens.front());
    }
    EXPECT_NE(tokens.front(), std::string(before->access_token.Reveal()));

    // With --strict-refresh the provider rotates refresh tokens: a second refresh works only if
    // the rotated one was stored.
    RunSql(server_, "UPDATE credentials SET token_expires_at = token_expires_at - 3590000");
    auto again = server_.App().OAuth().EnsureFresh(credential_id);
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_EQ(RefreshRequests(), 2U);

    // After an upstream 401 the caller passes the version it used: one refresh, then fresh.
    auto rejected = server_.App().OAuth().EnsureFresh(credential_id, again->version);
    ASSERT_TRUE(rejected.has_value());
    EXPECT_EQ(RefreshRequests(), 3U);
    EXPECT_GT(rejected->version, again->version);
    const auto credentials = Credentials(alice);
    EXPECT_EQ(credentials[0].at("status"), "active");
}

TEST_P(OAuthTest, InvalidGrantExpiresTheCredentialWithoutDeletingIt) {
    CreateAuthConfig();
    const std::string alice = server_.CreateUser("alice");
    const std::string credential_id = Connect(alice);
    const auto updated_before = Credentials(alice)[0].at("updatedAt");
    RunSql(server_, "UPDATE credentials SET token_expires_at = token_expires_at - 3590000");
    provider_.FailNext(400, R"({"error":"invalid_grant"})");
    auto refused = server_.App().OAuth().EnsureFresh(credential_id);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kNeedsReauth);
    EXPECT_EQ(refused.error().message,
              "Credential '" + credential_id + "' has expired; the user must reconnect");
    const auto credentials = Credentials(alice);
    ASSERT_EQ(credentials.size(), 1U);
    EXPECT_EQ(credentials[0].at("status"), "expired");
    EXPECT_NE(credentials[0].at("updatedAt"), updated_before);
    EXPECT_EQ(server_.App().OAuth().EnsureFresh(credential_id).error().code,
              ErrorCode::kNeedsReauth)
        << "no second trip to the provider";
    EXPECT_EQ(RefreshRequests(), 1U);
}

TEST_P(OAuthTest, TransientRefreshFailuresKeepAValidTokenAndReportAnExpiredOne) {
    CreateAuthConfig();
    const std::string alice = server_.CreateUser("alice");
    const std::string credential_id = Connect(alice);
    // Still valid for ~10 s, but inside the refresh skew.
    RunSql(server_, "UPDATE credentials SET token_expires_at = token_expires_at - 3590000");
    provider_.FailNext(503, R"({"error":"temporarily_unavailable"})");
    auto kept = server_.App().OAuth().EnsureFresh(credential_id);
    ASSERT_TRUE(kept.has_value()) << kept.error().message;

    RunSql(server_, "UPDATE credentials SET token_expires_at = 1");
    provider_.FailNext(503, R"({"error":"temporarily_unavailable"})");
    auto failed = server_.App().OAuth().EnsureFresh(credential_id);
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, ErrorCode::kUpstreamError);
    EXPECT_EQ(failed.error().extra.at("reason"), "token_refresh_failed");
    EXPECT_EQ(Credentials(alice)[0].at("status"), "active");
    auto recovered = server_.App().OAuth().EnsureFresh(credential_id);
    ASSERT_TRUE(recovered.has_value()) << "the provider is back";
}

TEST_P(OAuthTest, NoSecretLeaksIntoLogsDatabaseOrResponses) {
    CreateAuthConfig();
    const std::string alice = server_.CreateUser("alice");
    const std::string credential_id = Connect(alice);
    RunSql(server_, "UPDATE credentials SET token_expires_at = token_expires_at - 3590000");
    auto access = server_.App().OAuth().EnsureFresh(credential_id);
    ASSERT_TRUE(access.has_value());
    const std::string access_token(access->access_token.Reveal());
    // The refresh token Junction holds now is the one the provider issued in that refresh;
    // the request log shows the one Junction sent (the first), which must not leak either.
    std::string sent_refresh_token;
    for (const auto& request : provider_.TokenRequests()) {
        if (request.at("grant_type") == "refresh_token") {
            sent_refresh_token = std::string(request.at("refresh_token").as_string());
        }
    }
    ASSERT_FALSE(sent_refresh_token.empty());
    Send("GET", "/auth-configs");
    Send("GET", "/connectors/acme/credentials");
    const auto callback = ConsentAtProvider(StartFlow(alice));
    provider_.FailNext(401, R"({"error":"invalid_client"})");
    Browse(callback);

    server_.Stop();
    const std::string log = server_.LogText();
    std::string stored = testing::ReadAllFiles(server_.Dir().Path() / "data");
    if (server_.Postgres() != nullptr) {
        stored += server_.Postgres()->DumpAllText();
    }
    ASSERT_NE(stored.find(credential_id), std::string::npos) << "the store holds the data";
    for (const std::string& secret :
         {std::string(kPlantedClientSecret), access_token, sent_refresh_token}) {
        EXPECT_EQ(log.find(secret), std::string::npos) << "log leaks " << secret;
        EXPECT_EQ(stored.find(secret), std::string::npos) << "store holds plaintext " << secret;
        for (const auto& response : responses_) {
            EXPECT_EQ(response.body.find(secret), std::string::npos) << response.body;
            for (const auto& [name, value] : response.headers) {
                EXPECT_EQ(value.find(secret), std::string::npos) << name;
            }
        }
    }
}

TEST_P(OAuthTest, DeletingACredentialRevokesItsTokensWithoutWaiting) {
    revoker_.On("POST", "/revoke", testing::UpstreamResponse::Json("{}"));
    CreateAuthConfig();
    const std::string alice = server_.CreateUser("alice");
    const std::string credential_id = Connect(alice);
    std::string sent_refresh_token;
    for (const auto& request : provider_.TokenRequests()) {
        EXPECT_EQ(request.at("grant_type"), "authorization_code");
    }
    auto headers = Admin();
    headers.push_back("x-alloy-userid: alice");
    const auto deleted =
        server_.Client().Send("DELETE", "/connectors/acme/credentials/" + credential_id, headers);
    ASSERT_EQ(deleted.status, 200) << deleted.body;
    for (int i = 0; i < 100 && revoker_.CallCount("/revoke") == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto revocations = revoker_.RequestsTo("/revoke");
    ASSERT_EQ(revocations.size(), 1U);
    EXPECT_NE(revocations[0].body.find("token_type_hint=refresh_token"), std::string::npos);
    EXPECT_NE(revocations[0].body.find("client_id=junction-test"), std::string::npos);
    EXPECT_TRUE(Credentials(alice).empty());

    // A provider that fails to revoke does not block or fail the delete.
    revoker_.On("POST", "/revoke", testing::UpstreamResponse::Json("{}", 503));
    const std::string second = Connect(alice);
    EXPECT_EQ(
        server_.Client().Send("DELETE", "/connectors/acme/credentials/" + second, headers).status,
        200);
}

TEST_P(OAuthTest, WithADefaultAppSlackMetadataIsExactlyTheSeedExample) {
    const std::string alice = server_.CreateUser("alice");
    CreateAuthConfig("slack");
    const auto metadata =
        server_.Client().Send("GET", "/connectors/slack/credentials/metadata", [&] {
            auto headers = Admin();
            headers.push_back("x-alloy-userid: alice");
            return headers;
        }());
    ASSERT_EQ(metadata.status, 200) << metadata.body;
    JUNCTION_EXPECT_SPEC("GET", "/connectors/{connectorId}/credentials/metadata", metadata);
    // The example of ../shared/seed/get-connector-credentials-metadata.md, for this user.
    const auto seed = boost::json::parse(R"({
        "authenticationType": "oauth2",
        "authConfigRequired": false,
        "inputSchema": {
            "type": "object",
            "properties": {
                "userId": {"type": "string", "description": "User ID of the credential"},
                "authenticationType": {"type": "string",
                    "description": "Type of authentication method of the connector",
                    "const": "oauth2"},
                "redirectUri": {"type": "string", "format": "uri",
                    "description": "Redirect URI for OAuth authentication"}
            },
            "required": ["userId", "authenticationType", "redirectUri"]
        },
        "sampleInput": {"userId": ")" + alice +
                                         R"(", "authenticationType": "oauth2",
                        "redirectUri": "https://example.com"}
    })");
    EXPECT_EQ(metadata.Json().at("metadata").at(0), seed);
}

TEST(OAuthRedirectPolicyTest, RedirectUrisMustStartWithAnAllowedPrefix) {
    TempDir dir;
    OAuthProvider provider;
    TestServer server(TestServerOptions{
        .environment = {{"JUNCTION_CATALOG_DIR", WriteCatalog(dir, provider.Issuer())},
                        {"JUNCTION_OAUTH_ALLOWED_REDIRECT_PREFIXES",
                         "https://app.example.com/,https://staging.example.com/"}}});
    auto headers = server.AdminHeaders();
    headers.emplace_back("Content-Type: application/json");
    ASSERT_EQ(server.Client()
                  .Send("POST",
                        "/auth-configs",
                        headers,
                        R"({"connectorId":"acme","clientId":"c","clientSecret":"s"})")
                  .status,
              201);
    const std::string alice = server.CreateUser("alice");
    const auto create = [&](const std::string& redirect) {
        return server.Client().Send("POST",
                                    "/connectors/acme/credentials",
                                    headers,
                                    R"({"userId":")" + alice +
                                        R"(","authenticationType":"oauth2","redirectUri":")" +
                                        redirect + R"("})");
    };
    EXPECT_EQ(create("https://staging.example.com/done").status, 200);
    const auto outside = create("https://app.example.com.evil.test/done");
    EXPECT_EQ(outside.status, 400);
    EXPECT_EQ(outside.Json().at("error").at("details").at("errors").at(0).at("message"),
              "is not under an allowed redirect prefix");
}

// Two nodes (two Applications, each its own lease holder) on one PostgreSQL database: a refresh
// raced from both reaches the provider once (DESIGN.md §12).
TEST(OAuthMultiNodeTest, ARefreshRacedFromTwoNodesReachesTheProviderOnce) {
    TempDir dir;
    OAuthProvider provider({"--strict-refresh"});
    const std::string catalog = WriteCatalog(dir, provider.Issuer());
    const std::map<std::string, std::string> shared{
        {"JUNCTION_CATALOG_DIR", catalog},
        {"JUNCTION_EGRESS_ALLOW_CIDRS", "127.0.0.1/32"},
        {"JUNCTION_MASTER_KEYS", "7:" + std::string(43, 'A') + "="}};
    TestServer first(TestServerOptions{.backend = Backend::kPostgres, .environment = shared});
    auto second_environment = shared;
    second_environment["JUNCTION_DATABASE_URL"] = first.Postgres()->Url();
    TestServer second(TestServerOptions{.environment = second_environment});

    auto headers = first.AdminHeaders();
    headers.emplace_back("Content-Type: application/json");
    ASSERT_EQ(first.Client()
                  .Send("POST",
                        "/auth-configs",
                        headers,
                        R"({"connectorId":"acme","clientId":"c","clientSecret":"s"})")
                  .status,
              201);
    const std::string alice = first.CreateUser("alice");
    const auto created = first.Client().Send(
        "POST",
        "/connectors/acme/credentials",
        headers,
        R"({"userId":")" + alice +
            R"(","authenticationType":"oauth2","redirectUri":"https://app.example.com/done"})");
    ASSERT_EQ(created.status, 200) << created.body;
    // The flow starts on the first node and finishes on the second.
    const testing::HttpClient browser("");
    const auto authorize =
        browser.Send("GET", std::string(created.Json().at("oauthUrl").as_string()));
    ASSERT_EQ(authorize.status, 302);
    const std::string callback = provider.Authorize(authorize.Header("location").value_or(""));
    const auto done = second.Client().Send("GET", PathOf(callback));
    ASSERT_EQ(done.status, 302) << done.body;
    const std::string credential_id =
        QueryParameter(done.Header("location").value_or(""), "credentialId");
    ASSERT_EQ(credential_id.size(), 24U);

    RunSql(first, "UPDATE credentials SET token_expires_at = token_expires_at - 3590000");
    std::vector<std::thread> callers;
    std::atomic<int> failures{0};
    for (int i = 0; i < 40; ++i) {
        auto& node = i % 2 == 0 ? first : second;
        callers.emplace_back([&node, &failures, &credential_id] {
            if (!node.App().OAuth().EnsureFresh(credential_id)) {
                ++failures;
            }
        });
    }
    for (auto& caller : callers) {
        caller.join();
    }
    EXPECT_EQ(failures.load(), 0);
    std::size_t refreshes = 0;
    for (const auto& request : provider.TokenRequests()) {
        refreshes += request.at("grant_type") == "refresh_token" ? 1U : 0U;
    }
    EXPECT_EQ(refreshes, 1U);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         OAuthTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

}  // namespace
}  // namespace junction
