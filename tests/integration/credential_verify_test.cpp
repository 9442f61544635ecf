// A key credential is checked with its auth entry's `verify` request before it is stored
// (API.md §3.3), under the egress policy, against a loopback upstream standing in for the
// vendor.
#include <fstream>

#include <gtest/gtest.h>

#include "junction/testing/fake_upstream.hpp"
#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::FakeUpstream;
using testing::HttpResult;
using testing::RecordedRequest;
using testing::TempDir;
using testing::TestServer;
using testing::TestServerOptions;
using testing::UpstreamResponse;

constexpr std::string_view kGoodKey = "key-PLANTEDverifySECRET-77";

std::string WriteCatalog(const TempDir& dir, const std::string& base_url) {
    const std::string catalog = dir.File("catalog");
    std::filesystem::create_directories(catalog);
    std::ofstream(catalog + "/keyed.yaml") << R"(id: keyed
name: Keyed
categories: [testing]
base_url: )" << base_url << R"(/v1
auth:
  - type: apiKey
    in: header
    name: X-Api-Key
    prefix: "Key "
    verify: {method: GET, path: /me, expect_status: [200]}
  - type: basic
    fields:
      - {name: email}
      - {name: token, secret: true}
    username: "{{email}}"
    password: "{{token}}"
    verify: {method: get, path: /whoami}
resources:
  - name: me
    actions:
      - {id: getMe, httpMethod: GET, path: /me}
)";
    return catalog;
}

class CredentialVerifyTest : public ::testing::Test {
protected:
    explicit CredentialVerifyTest(std::string allow_cidrs = "127.0.0.1/32")
        : server_(TestServerOptions{
              .environment = {{"JUNCTION_CATALOG_DIR", WriteCatalog(dir_, upstream_.BaseUrl())},
                              {"JUNCTION_EGRESS_ALLOW_CIDRS", std::move(allow_cidrs)}}}) {
        upstream_.On("GET", "/v1/me", [](const RecordedRequest& request) {
            if (request.Header("x-api-key") == "Key " + std::string(kGoodKey)) {
                return UpstreamResponse::Json(R"({"id":"u1"})");
            }
            if (request.Header("x-api-key") == "Key broken") {
                return UpstreamResponse::Json(R"({"error":"boom"})", 500);
            }
            return UpstreamResponse::Json(R"({"error":"unauthorized"})", 401);
        });
        upstream_.On("GET", "/v1/whoami", [](const RecordedRequest& request) {
            // base64("ann@acme.test:pw")
            return request.Header("authorization") == "Basic YW5uQGFjbWUudGVzdDpwdw=="
                       ? UpstreamResponse::Json("{}")
                       : UpstreamResponse::Json("{}", 403);
        });
    }

    HttpResult CreateKey(const std::string& key) {
        auto headers = server_.AdminHeaders();
        headers.emplace_back("Content-Type: application/json");
        return server_.Client().Send("POST",
                                     "/connectors/keyed/credentials",
                                     headers,
                                     R"({"userId":")" + user_ +
                                         R"(","authenticationType":"apiKey","data":{"apiKey":")" +
                                         key + R"("}})");
    }

    TempDir dir_;
    FakeUpstream upstream_;
    TestServer server_;
    std::string user_ = server_.CreateUser("ann");
};

TEST_F(CredentialVerifyTest, AnAcceptedKeyIsStored) {
    const auto created = CreateKey(std::string(kGoodKey));
    ASSERT_EQ(created.status, 200) << created.body;
    JUNCTION_EXPECT_SPEC("POST", "/connectors/{connectorId}/credentials", created);
    ASSERT_EQ(upstream_.CallCount("/v1/me"), 1U);
    EXPECT_EQ(upstream_.RequestsTo("/v1/me")[0].Header("accept"), "application/json");
}

TEST_F(CredentialVerifyTest, ARejectedKeyIsABadRequestAndNothingIsStored) {
    const auto refused = CreateKey("wrong");
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(refused.ErrorCode(), "INVALID_REQUEST");
    EXPECT_EQ(refused.ErrorMessage(),
              "Keyed rejected the credential (HTTP 401); check the apiKey values");
    const auto details = refused.Json().at("error").at("details");
    EXPECT_EQ(details.at("reason"), "credential_verification_failed");
    EXPECT_EQ(details.at("statusCode"), 401);
    JUNCTION_EXPECT_SPEC("POST", "/connectors/{connectorId}/credentials", refused);

    const auto broken = CreateKey("broken");
    EXPECT_EQ(broken.status, 502);
    EXPECT_EQ(broken.ErrorCode(), "UPSTREAM_ERROR");
    EXPECT_EQ(broken.Json().at("error").at("details").at("reason"), "upstream_status");

    auto headers = server_.AdminHeaders();
    const auto listed = server_.Client().Send("GET", "/users/ann/credentials", headers);
    EXPECT_TRUE(listed.Json().at("data").as_array().empty());
}

TEST_F(CredentialVerifyTest, BasicCredentialsAreTemplatedFromTheirFields) {
    auto headers = server_.AdminHeaders();
    headers.emplace_back("Content-Type: application/json");
    const auto body = [&](const std::string& token) {
        return R"({"userId":")" + user_ +
               R"(","authenticationType":"basic","data":{"email":"ann@acme.test","token":")" +
               token + R"("}})";
    };
    EXPECT_EQ(
        server_.Client().Send("POST", "/connectors/keyed/credentials", headers, body("pw")).status,
        200);
    const auto refused =
        server_.Client().Send("POST", "/connectors/keyed/credentials", headers, body("nope"));
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(refused.Json().at("error").at("details").at("statusCode"), 403);
}

TEST_F(CredentialVerifyTest, TheKeyNeverReachesTheLog) {
    ASSERT_EQ(CreateKey(std::string(kGoodKey)).status, 200);
    server_.Stop();
    EXPECT_EQ(server_.LogText().find(kGoodKey), std::string::npos);
}

// Without the test allowlist the loopback upstream is a private address: refused before any
// byte is sent.
class CredentialVerifyEgressTest : public CredentialVerifyTest {
protected:
    CredentialVerifyEgressTest() : CredentialVerifyTest("") {}
};

TEST_F(CredentialVerifyEgressTest, APrivateDestinationIsRefused) {
    const auto refused = CreateKey(std::string(kGoodKey));
    EXPECT_EQ(refused.status, 502) << refused.body;
    EXPECT_EQ(refused.Json().at("error").at("details").at("reason"), "egress_denied");
    EXPECT_EQ(upstream_.CallCount("/v1/me"), 0U);
}

}  // namespace
}  // namespace junction
