// Executing connector actions end to end (API.md §3.2): a real Junction, a loopback upstream
// standing in for the vendor (FakeUpstream), and a real OAuth2 server for the 401 → refresh
// path. The test allowlist (127.0.0.1/32) lets outbound calls reach loopback.
#include <fstream>
#include <map>
#include <thread>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "junction/testing/fake_upstream.hpp"
#include "junction/testing/oauth_provider.hpp"
#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_pki.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::FakeUpstream;
using testing::HttpResult;
using testing::OAuthProvider;
using testing::QueryParameter;
using testing::RecordedRequest;
using testing::TempDir;
using testing::TestServer;
using testing::TestServerOptions;
using testing::UpstreamResponse;

constexpr std::string_view kApiKey = "ak-PLANTEDexecuteSECRET-93c1";

std::string WriteCatalog(const TempDir& dir,
                         const std::string& upstream,
                         const std::string& issuer) {
    std::string catalog = dir.File("catalog");
    std::filesystem::create_directories(catalog);
    std::ofstream(catalog + "/echo.yaml") << R"(id: echo
name: Echo
categories: [testing]
base_url: )" << upstream << R"(/api
default_headers: {X-Client: junction-test}
retry: {max_attempts: 3, initial_backoff_ms: 10, max_backoff_ms: 50}
auth:
  - type: apiKey
    in: header
    name: X-Api-Key
resources:
  - name: items
    actions:
      - id: getItem
        httpMethod: GET
        path: /items/{itemId}
        parameters:
          - {name: itemId, in: path}
          - {name: limit, in: query, required: true, schema: {type: integer}}
          - {name: X-Trace, in: header}
      - id: createItem
        httpMethod: POST
        path: /items
        requestBody: {type: object, required: [name], properties: {name: {type: string}}}
      - id: postForm
        httpMethod: POST
        path: /form
        requestContentType: application/x-www-form-urlencoded
      - {id: flaky, httpMethod: GET, path: /flaky}
      - {id: flakyPost, httpMethod: POST, path: /flaky}
      - {id: slow, httpMethod: GET, path: /slow}
      - {id: text, httpMethod: GET, path: /text}
      - {id: binary, httpMethod: GET, path: /binary}
      - {id: big, httpMethod: GET, path: /big}
      - {id: echoKey, httpMethod: GET, path: /echo}
      - {id: toMetadata, httpMethod: GET, path: /redirect}
)";
    std::ofstream(catalog + "/acme.yaml") << R"(id: acme
name: Acme
categories: [testing]
base_url: )" << upstream << R"(/acme
auth:
  - type: oauth2
    authorization_url: )" << issuer << R"(/authorize
    token_url: )" << issuer << R"(/token
resources:
  - name: me
    actions:
      - {id: getMe, httpMethod: GET, path: /me}
)";
    return catalog;
}

class ExecuteTest : public ::testing::Test {
protected:
    /// `environment` adds to (or overrides) the fixture's JUNCTION_* settings.
    explicit ExecuteTest(std::map<std::string, std::string> environment = {})
        : server_(TestServerOptions{.environment = WithDefaults(std::move(environment))}) {
        auto headers = Headers();
        const auto created = server_.Client().Send(
            "POST",
            "/connectors/echo/credentials",
            headers,
            R"({"userId":"ann","authenticationType":"apiKey","data":{"apiKey":")" +
                std::string(kApiKey) + R"("}})");
        EXPECT_EQ(created.status, 200) << created.body;
        credential_ = std::string(created.Json().at("credentialId").as_string());
    }

    std::map<std::string, std::string> WithDefaults(
        std::map<std::string, std::string> environment) {
        environment.try_emplace("JUNCTION_CATALOG_DIR",
                                WriteCatalog(dir_, upstream_.BaseUrl(), provider_.Issuer()));
        environment.try_emplace("JUNCTION_EGRESS_ALLOW_CIDRS", "127.0.0.1/32");
        environment.try_emplace("JUNCTION_EGRESS_MAX_RESPONSE_BYTES", "1048576");
        return environment;
    }

    std::vector<std::string> Headers() const {
        auto headers = server_.AdminHeaders();
        headers.emplace_back("Content-Type: application/json");
        headers.emplace_back("x-alloy-userid: ann");
        return headers;
    }
    HttpResult Execute(const std::string& connector,
                       const std::string& action,
                       const std::string& fields,
                       const std::string& credential = "") {
        auto result = server_.Client().Send(
            "POST",
            "/connectors/" + connector + "/actions/" + action + "/execute",
            Headers(),
            R"({"credentialId":")" + (credential.empty() ? credential_ : credential) + "\"" +
                fields + "}");
        responses_.push_back(result);
        return result;
    }

    /// Connects ann to acme through the browser flow; the credential id ("" on failure).
    std::string ConnectAcme() {
        const auto headers = Headers();
        const auto config =
            server_.Client().Send("POST",
                                  "/auth-configs",
                                  headers,
                                  R"({"connectorId":"acme","clientId":"c","clientSecret":"s"})");
        EXPECT_EQ(config.status, 201) << config.body;
        const auto created = server_.Client().Send(
            "POST",
            "/connectors/acme/credentials",
            headers,
            R"({"userId":"ann","authenticationType":"oauth2","redirectUri":"https://app.example.com/done"})");
        EXPECT_EQ(created.status, 200) << created.body;
        if (created.status != 200) {
            return "";
        }
        const testing::HttpClient browser("");
        const std::string oauth_url(created.Json().at("oauthUrl").as_string());
        const auto authorize = browser.Send("GET", oauth_url);
        const std::string callback = provider_.Authorize(authorize.Header("location").value_or(""));
        const auto done = browser.Send("GET", callback);
        return QueryParameter(done.Header("location").value_or(""), "credentialId");
    }

    TempDir dir_;
    FakeUpstream upstream_;
    OAuthProvider provider_;
    TestServer server_;
    std::string user_ = server_.CreateUser("ann");
    std::string credential_;
    std::vector<HttpResult> responses_;
};

TEST_F(ExecuteTest, AGetIsBuiltFromTheCatalogAndTheCredentialIsInjected) {
    upstream_.On("GET", "/api/items/a%20b%2Fc", UpstreamResponse::Json(R"({"id":"x","ok":true})"));
    const auto done = Execute("echo",
                              "getItem",
                              R"(,"pathParams":{"itemId":"a b/c"},"queryParameters":{"limit":5,)"
                              R"("tag":["x","y"]},"additionalHeaders":{"X-Trace":"t1"})");
    ASSERT_EQ(done.status, 200) << done.body;
    JUNCTION_EXPECT_SPEC("POST", "/connectors/{connectorId}/actions/{actionId}/execute", done);
    EXPECT_EQ(
        done.Json(),
        boost::json::parse(R"({"success":true,"statusCode":200,"result":{"id":"x","ok":true}})"));
    const auto requests = upstream_.Requests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].target, "/api/items/a%20b%2Fc?limit=5&tag=x&tag=y");
    EXPECT_EQ(requests[0].Header("x-api-key"), std::string(kApiKey));
    EXPECT_EQ(requests[0].Header("x-client"), "junction-test");
    EXPECT_EQ(requests[0].Header("x-trace"), "t1");
    EXPECT_EQ(requests[0].Header("accept"), "application/json");
}

TEST_F(ExecuteTest, InputsAreValidatedBeforeAnythingIsSent) {
    const auto missing = Execute("echo", "getItem", "");
    ASSERT_EQ(missing.status, 400) << missing.body;
    EXPECT_EQ(missing.ErrorCode(), "INVALID_REQUEST");
    JUNCTION_EXPECT_SPEC("POST", "/connectors/{connectorId}/actions/{actionId}/execute", missing);
    const auto errors = missing.Json().at("error").at("details").at("errors").as_array();
    ASSERT_EQ(errors.size(), 2U);
    EXPECT_EQ(errors[0].at("field"), "pathParams.itemId");
    EXPECT_EQ(errors[1].at("field"), "queryParameters.limit");

    const auto body = Execute("echo", "createItem", R"(,"requestBody":{"name":42})");
    ASSERT_EQ(body.status, 400) << body.body;
    EXPECT_EQ(body.Json().at("error").at("details").at("errors").at(0).at("field"),
              "requestBody.name");
    const auto no_body = Execute("echo", "createItem", "");
    EXPECT_EQ(no_body.status, 400);
    EXPECT_EQ(no_body.Json().at("error").at("details").at("errors").at(0).at("message"),
              "is required");

    for (const std::string_view header :
         {"Authorization", "X-Api-Key", "Host", "Transfer-Encoding"}) {
        const auto refused = Execute(
            "echo",
            "getItem",
            R"(,"pathParams":{"itemId":"1"},"queryParameters":{"limit":1},"additionalHeaders":{")" +
                std::string(header) + R"(":"x"})");
        ASSERT_EQ(refused.status, 400) << header << refused.body;
        EXPECT_EQ(refused.Json().at("error").at("details").at("errors").at(0).at("message"),
                  "may not be set");
    }
    EXPECT_EQ(Execute("echo", "slow", R"(,"timeout":5)").status, 400);
    EXPECT_TRUE(upstream_.Requests().empty());

    const auto unknown_action = Execute("echo", "nope", "");
    EXPECT_EQ(unknown_action.status, 404);
    EXPECT_EQ(unknown_action.ErrorMessage(), "Action 'nope' not found for connector 'echo'");
    EXPECT_EQ(Execute("nope", "x", "").ErrorCode(), "CONNECTOR_NOT_FOUND");
    const auto wrong = Execute("echo", "flaky", "", "0123456789abcdef01234567");
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(wrong.ErrorCode(), "CREDENTIAL_NOT_FOUND");
    EXPECT_EQ(wrong.ErrorMessage(), "Credential not found");
}

TEST_F(ExecuteTest, AnotherUsersCredentialIsNotFound) {
    (void)server_.CreateUser("bob");
    auto headers = server_.AdminHeaders();
    headers.emplace_back("Content-Type: application/json");
    headers.emplace_back("x-alloy-userid: bob");
    const auto refused = server_.Client().Send("POST",
                                               "/connectors/echo/actions/flaky/execute",
                                               headers,
                                               R"({"credentialId":")" + credential_ + "\"}");
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(refused.ErrorCode(), "CREDENTIAL_NOT_FOUND");
    EXPECT_TRUE(upstream_.Requests().empty());
}

TEST_F(ExecuteTest, BodiesAreSentAsJsonOrForm) {
    upstream_.On("POST", "/api/items", UpstreamResponse::Json(R"({"created":true})", 201));
    upstream_.On("POST", "/api/form", UpstreamResponse::Text("ok"));
    const auto created = Execute("echo", "createItem", R"(,"requestBody":{"name":"n1"})");
    ASSERT_EQ(created.status, 200) << created.body;
    EXPECT_EQ(created.Json().at("statusCode"), 201);
    const auto form = Execute("echo", "postForm", R"(,"requestBody":{"a":"1 2","b":true})");
    ASSERT_EQ(form.status, 200) << form.body;
    EXPECT_EQ(form.Json().at("result"), "ok");
    const auto json_request = upstream_.RequestsTo("/api/items").at(0);
    EXPECT_EQ(json_request.body, R"({"name":"n1"})");
    EXPECT_EQ(json_request.Header("content-type"), "application/json");
    const auto form_request = upstream_.RequestsTo("/api/form").at(0);
    EXPECT_EQ(form_request.body, "a=1%202&b=true");
    EXPECT_EQ(form_request.Header("content-type"), "application/x-www-form-urlencoded");
}

TEST_F(ExecuteTest, UpstreamErrorsAre502WithTheStatusAndARedactedBody) {
    upstream_.On("GET", "/api/echo", [](const RecordedRequest& request) {
        return UpstreamResponse::Json(
            R"({"error":"bad key )" + request.Header("x-api-key").value_or("") + R"("})", 403);
    });
    const auto failed = Execute("echo", "echoKey", "");
    EXPECT_EQ(failed.status, 502);
    EXPECT_EQ(failed.ErrorCode(), "UPSTREAM_ERROR");
    EXPECT_EQ(failed.ErrorMessage(), "Echo answered HTTP 403");
    JUNCTION_EXPECT_SPEC("POST", "/connectors/{connectorId}/actions/{actionId}/execute", failed);
    const auto details = failed.Json().at("error").at("details");
    EXPECT_EQ(details.at("reason"), "upstream_status");
    EXPECT_EQ(details.at("statusCode"), 403);
    EXPECT_EQ(details.at("body"), R"({"error":"bad key [redacted]"})");
    EXPECT_EQ(details.at("bodyTruncated"), false);
    EXPECT_EQ(failed.body.find(kApiKey), std::string::npos);
}

TEST_F(ExecuteTest, IdempotentCallsAreRetriedOnTransientStatuses) {
    int calls = 0;
    upstream_.On("GET", "/api/flaky", [&calls](const RecordedRequest&) {
        return ++calls < 3 ? UpstreamResponse::Json("{}", 503) : UpstreamResponse::Json("[1]");
    });
    const auto done = Execute("echo", "flaky", "");
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(upstream_.CallCount("/api/flaky"), 3U);

    upstream_.On("POST", "/api/flaky", UpstreamResponse::Json("{}", 503));
    const auto post = Execute("echo", "flakyPost", "");
    EXPECT_EQ(post.status, 502);
    EXPECT_EQ(upstream_.RequestsTo("/api/flaky").size(), 4U) << "a POST is sent once";

    upstream_.On("GET", "/api/flaky", UpstreamResponse::Json("{}", 500));
    const auto not_transient = Execute("echo", "flaky", "");
    EXPECT_EQ(not_transient.status, 502);
    EXPECT_EQ(upstream_.RequestsTo("/api/flaky").size(), 5U) << "500 is not retried";
}

TEST_F(ExecuteTest, RetryAfterIsHonoured) {
    int calls = 0;
    upstream_.On("GET", "/api/flaky", [&calls](const RecordedRequest&) {
        if (++calls == 1) {
            UpstreamResponse limited = UpstreamResponse::Json(R"({"error":"slow down"})", 429);
            limited.headers.emplace_back("Retry-After", "1");
            return limited;
        }
        return UpstreamResponse::Json("{}");
    });
    const auto started = std::chrono::steady_clock::now();
    const auto done = Execute("echo", "flaky", "");
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900))
        << "the second try waited for Retry-After";
    EXPECT_EQ(calls, 2);
}

TEST_F(ExecuteTest, ASlowUpstreamIsATimeout) {
    UpstreamResponse slow = UpstreamResponse::Json("{}");
    slow.delay = std::chrono::milliseconds(5000);
    upstream_.On("GET", "/api/slow", slow);
    const auto timed_out = Execute("echo", "slow", R"(,"timeout":1000)");
    EXPECT_EQ(timed_out.status, 504);
    EXPECT_EQ(timed_out.ErrorCode(), "UPSTREAM_TIMEOUT");
    EXPECT_EQ(timed_out.Json().at("error").at("details").at("timeoutMs"), 1000);
    JUNCTION_EXPECT_SPEC("POST", "/connectors/{connectorId}/actions/{actionId}/execute", timed_out);
}

TEST_F(ExecuteTest, ResultsKeepTheirKind) {
    upstream_.On("GET", "/api/text", UpstreamResponse::Text("plain words"));
    UpstreamResponse binary{.status = 200, .body = std::string("\x89PNG\0\x01", 6)};
    binary.headers.emplace_back("Content-Type", "image/png");
    upstream_.On("GET", "/api/binary", binary);
    EXPECT_EQ(Execute("echo", "text", "").Json().at("result"), "plain words");
    const auto image = Execute("echo", "binary", "");
    EXPECT_EQ(image.Json().at("result"), "iVBORwAB");
    EXPECT_EQ(image.Json().at("resultEncoding"), "base64");
    JUNCTION_EXPECT_SPEC("POST", "/connectors/{connectorId}/actions/{actionId}/execute", image);
}

// The credential row is cached for up to 1 s; deleting it through this node forgets it at once.
TEST_F(ExecuteTest, ADeletedCredentialIsRefusedAtOnce) {
    upstream_.On("GET", "/api/text", UpstreamResponse::Text("hello"));
    ASSERT_EQ(Execute("echo", "text", "").status, 200);
    ASSERT_EQ(server_.Client()
                  .Send("DELETE", "/connectors/echo/credentials/" + credential_, Headers())
                  .status,
              200);
    const auto refused = Execute("echo", "text", "");
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(refused.ErrorCode(), "CREDENTIAL_NOT_FOUND");
    EXPECT_EQ(upstream_.CallCount("/api/text"), 1U);
}

// An execute whose key, user and credential are cached runs on the IO thread; one that misses
// the cache starts there, then reruns on the blocking pool. Either way the caller's rate limit
// counts it exactly once. (A day-long window: no window boundary, so no decay, within the test.)
class ExecuteRateLimitTest : public ExecuteTest {
protected:
    ExecuteRateLimitTest() : ExecuteTest({{"JUNCTION_RATE_LIMIT_API", "1000/86400s"}}) {}
};

TEST_F(ExecuteRateLimitTest, EachCallIsCountedOnceWhereverItRuns) {
    upstream_.On("GET", "/api/text", UpstreamResponse::Text("counted"));
    std::vector<long> remaining;
    const auto call = [&] {
        const auto done = Execute("echo", "text", "");
        ASSERT_EQ(done.status, 200) << done.body;
        // The pipeline's headers reach the answer the upstream's outcome produced.
        EXPECT_EQ(done.Header("x-api-version").value_or(""), "2025-09");
        const auto header = done.Header("ratelimit-remaining");
        ASSERT_TRUE(header.has_value());
        remaining.push_back(std::stol(*header));
    };
    call();  // the credential was just created: a cache miss
    call();
    call();
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the caches expire (1 s)
    call();
    call();
    ASSERT_EQ(remaining.size(), 5U);
    for (std::size_t i = 1; i < remaining.size(); ++i) {
        EXPECT_EQ(remaining[i - 1] - remaining[i], 1) << "call " << i;
    }
    EXPECT_EQ(upstream_.CallCount("/api/text"), 5U);
}

// Answers over 64 KiB are redacted and parsed on the blocking pool, smaller ones on the IO
// thread: both come back whole and redacted.
TEST_F(ExecuteTest, BigAndSmallAnswersAreRedactedAlike) {
    const std::string filler(100UL * 1024, 'x');
    for (const std::string& padding : {std::string(), filler}) {
        upstream_.On("GET",
                     "/api/echo",
                     UpstreamResponse::Json(R"({"key":")" + std::string(kApiKey) + R"(","pad":")" +
                                            padding + R"("})"));
        const auto done = Execute("echo", "echoKey", "");
        ASSERT_EQ(done.status, 200) << done.body.substr(0, 200);
        EXPECT_EQ(done.Json().at("result").at("key"), "[redacted]");
        EXPECT_EQ(done.Json().at("result").at("pad").as_string().size(), padding.size());
        EXPECT_EQ(done.body.find(kApiKey), std::string::npos);
    }
}

TEST_F(ExecuteTest, OversizedAnswersAndBlockedRedirectsAreRefused) {
    upstream_.On("GET", "/api/big", UpstreamResponse::Text(std::string(1024UL * 1024 + 1, 'x')));
    const auto big = Execute("echo", "big", "");
    EXPECT_EQ(big.status, 502);
    EXPECT_EQ(big.Json().at("error").at("details").at("reason"), "response_too_large");
    upstream_.On("GET",
                 "/api/redirect",
                 UpstreamResponse::Redirect(302, "http://169.254.169.254/latest/meta-data/"));
    const auto metadata = Execute("echo", "toMetadata", "");
    EXPECT_EQ(metadata.status, 502);
    EXPECT_EQ(metadata.Json().at("error").at("details").at("reason"), "redirect_denied");
    // The test allowlist is 127.0.0.1/32 only: another loopback address is still private.
    upstream_.On("GET",
                 "/api/redirect",
                 UpstreamResponse::Redirect(
                     307, "http://127.0.0.2:" + std::to_string(upstream_.Port()) + "/api/text"));
    const auto other_loopback = Execute("echo", "toMetadata", "");
    EXPECT_EQ(other_loopback.status, 502);
    EXPECT_EQ(other_loopback.Json().at("error").at("details").at("reason"), "redirect_denied");
    EXPECT_EQ(upstream_.CallCount("/api/text"), 0U);
}

// The API key the credential placed in X-Api-Key is not sent to another origin a redirect
// points at (another loopback port), while the connector's other headers are.
TEST_F(ExecuteTest, TheKeyDoesNotFollowARedirectToAnotherOrigin) {
    FakeUpstream other;
    other.On("GET", "/landing", UpstreamResponse::Text("elsewhere"));
    upstream_.On("GET", "/api/redirect", UpstreamResponse::Redirect(302, other.Url("/landing")));
    const auto done = Execute("echo", "toMetadata", "");
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(done.Json().at("result"), "elsewhere");
    const auto landed = other.RequestsTo("/landing");
    ASSERT_EQ(landed.size(), 1U);
    EXPECT_FALSE(landed[0].Header("x-api-key").has_value());
    EXPECT_EQ(landed[0].Header("x-client"), "junction-test");
}

TEST_F(ExecuteTest, AnOAuthTokenRejectedUpstreamIsRefreshedOnceAndTheCallRetried) {
    const std::string credential = ConnectAcme();
    ASSERT_EQ(credential.size(), 24U);

    std::vector<std::string> seen_tokens;
    upstream_.On("GET", "/acme/me", [&seen_tokens](const RecordedRequest& request) {
        seen_tokens.push_back(request.Header("authorization").value_or(""));
        return seen_tokens.size() == 1 ? UpstreamResponse::Json(R"({"error":"expired"})", 401)
                                       : UpstreamResponse::Json(R"({"me":"ann"})");
    });
    const auto me = Execute("acme", "getMe", "", credential);
    ASSERT_EQ(me.status, 200) << me.body;
    ASSERT_EQ(seen_tokens.size(), 2U);
    EXPECT_TRUE(seen_tokens[0].starts_with("Bearer "));
    EXPECT_TRUE(seen_tokens[1].starts_with("Bearer ")) << "retried with a bearer token";
    std::size_t refreshes = 0;
    for (const auto& request : provider_.TokenRequests()) {
        refreshes += request.at("grant_type") == "refresh_token" ? 1U : 0U;
    }
    EXPECT_EQ(refreshes, 1U);

    // A second 401 after the refresh is the upstream's answer, not another refresh.
    upstream_.On("GET", "/acme/me", UpstreamResponse::Json(R"({"error":"no"})", 401));
    EXPECT_EQ(Execute("acme", "getMe", "", credential).status, 502);
}

// An upstream that echoes the OAuth access token bare (not as `Bearer <token>`), or the refresh
// token, must not hand either to the caller: in a result, in a 502's body, or in the log.
TEST_F(ExecuteTest, OAuthTokensEchoedBareAreRedacted) {
    constexpr std::string_view kAccess = "at-PLANTEDaccessTOKEN-5e2f";
    constexpr std::string_view kRefresh = "rt-PLANTEDrefreshTOKEN-81d0";
    provider_.FailNext(200,
                       R"({"access_token":")" + std::string(kAccess) + R"(","refresh_token":")" +
                           std::string(kRefresh) + R"(","token_type":"Bearer","expires_in":3600})");
    const std::string credential = ConnectAcme();
    ASSERT_EQ(credential.size(), 24U);
    auto echo = [kRefresh](int status) {
        return [kRefresh, status](const RecordedRequest& request) {
            std::string token = request.Header("authorization").value_or("");
            token.erase(0, std::string_view("Bearer ").size());
            UpstreamResponse answer = UpstreamResponse::Json(
                R"({"token":")" + token + R"(","refresh":")" + std::string(kRefresh) + R"("})",
                status);
            answer.headers.emplace_back("X-Echo-Token", token);
            return answer;
        };
    };
    upstream_.On("GET", "/acme/me", echo(200));
    const auto ok = Execute("acme", "getMe", "", credential);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.Json().at("result"),
              boost::json::parse(R"({"token":"[redacted]","refresh":"[redacted]"})"));

    upstream_.On("GET", "/acme/me", echo(403));
    const auto failed = Execute("acme", "getMe", "", credential);
    ASSERT_EQ(failed.status, 502) << failed.body;
    EXPECT_EQ(failed.Json().at("error").at("details").at("body"),
              R"({"token":"[redacted]","refresh":"[redacted]"})");

    server_.Stop();
    for (const auto& secret : {kAccess, kRefresh}) {
        EXPECT_EQ(server_.LogText().find(secret), std::string::npos) << secret;
        for (const auto& response : responses_) {
            EXPECT_EQ(response.body.find(secret), std::string::npos) << response.body;
            for (const auto& [name, value] : response.headers) {
                EXPECT_EQ(value.find(secret), std::string::npos) << name;
            }
        }
    }
}

// A secret that occurs inside the "[redacted]" marker itself ("acte") is replaced once per
// occurrence in the answer; the search goes on after the marker instead of looping on it.
TEST_F(ExecuteTest, ASecretInsideTheMarkerIsRedactedOnce) {
    const auto created = server_.Client().Send(
        "POST",
        "/connectors/echo/credentials",
        Headers(),
        R"({"userId":"ann","authenticationType":"apiKey","data":{"apiKey":"acte"}})");
    ASSERT_EQ(created.status, 200) << created.body;
    upstream_.On("GET", "/api/echo", [](const RecordedRequest& request) {
        return UpstreamResponse::Text("key=" + request.Header("x-api-key").value_or("") + "!", 200);
    });
    const auto echoed =
        Execute("echo", "echoKey", "", std::string(created.Json().at("credentialId").as_string()));
    ASSERT_EQ(echoed.status, 200) << echoed.body;
    EXPECT_EQ(echoed.Json().at("result"), "key=[redacted]!");
}

// Outbound calls complete through a channel bound to the server's io_context. A call still in
// flight when the server stops must be released before that context is destroyed (ASan saw a
// heap-use-after-free in ~basic_concurrent_channel on the HTTP client's thread otherwise).
TEST(ExecuteShutdownTest, ACallInFlightAtShutdownIsReleasedBeforeTheServerGoes) {
    const TempDir dir;
    FakeUpstream upstream;
    UpstreamResponse slow = UpstreamResponse::Json("{}");
    slow.delay = std::chrono::milliseconds(3000);
    upstream.On("GET", "/api/slow", slow);
    auto server = std::make_unique<TestServer>(TestServerOptions{
        .environment = {
            {"JUNCTION_CATALOG_DIR", WriteCatalog(dir, upstream.BaseUrl(), "http://127.0.0.1:9")},
            {"JUNCTION_EGRESS_ALLOW_CIDRS", "127.0.0.1/32"},
            {"JUNCTION_SHUTDOWN_GRACE_SECONDS", "0"}}});
    (void)server->CreateUser("ann");
    auto headers = server->AdminHeaders();
    headers.emplace_back("Content-Type: application/json");
    headers.emplace_back("x-alloy-userid: ann");
    const auto created = server->Client().Send(
        "POST",
        "/connectors/echo/credentials",
        headers,
        R"({"userId":"ann","authenticationType":"apiKey","data":{"apiKey":"k"}})");
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string body =
        R"({"credentialId":")" + std::string(created.Json().at("credentialId").as_string()) + "\"}";
    const testing::HttpClient client = server->Client();
    std::thread caller([&client, &headers, &body] {
        try {  // the server closes the connection without an answer
            (void)client.Send("POST", "/connectors/echo/actions/slow/execute", headers, body);
        } catch (const std::runtime_error&) {  // NOLINT(bugprone-empty-catch)
        }
    });
    for (int i = 0; i < 200 && upstream.CallCount("/api/slow") == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(upstream.CallCount("/api/slow"), 1U);
    server.reset();  // the call is still waiting for the upstream
    caller.join();
}

TEST_F(ExecuteTest, TheKeyNeverLeaks) {
    upstream_.On("GET", "/api/echo", [](const RecordedRequest& request) {
        return UpstreamResponse::Text("key=" + request.Header("x-api-key").value_or(""), 200);
    });
    const auto echoed = Execute("echo", "echoKey", "");
    EXPECT_EQ(echoed.Json().at("result"), "key=[redacted]");
    server_.Stop();
    EXPECT_EQ(server_.LogText().find(kApiKey), std::string::npos);
    for (const auto& response : responses_) {
        EXPECT_EQ(response.body.find(kApiKey), std::string::npos) << response.body;
    }
}

// Vendors are HTTPS. An operator's internal CA (egress.ca_file) is trusted besides the system
// bundle; without it the same upstream is a TLS failure. Each new connection (the upstream
// closes after every answer, as vendors that churn connections do) resumes the TLS session.
TEST(ExecuteTlsTest, AnUpstreamSignedByTheConfiguredCaIsCalledOverTls) {
    TempDir dir;
    const auto pki = testing::MakeTestPki();
    std::ofstream(dir.File("ca.pem")) << pki.ca_pem;
    FakeUpstream upstream(
        testing::UpstreamTls{.cert_pem = pki.server_cert_pem, .key_pem = pki.server_key_pem});
    upstream.On("GET", "/api/items/7", UpstreamResponse::Json(R"({"id":7})"));
    upstream.CloseConnectionsAfter(1);
    const std::string catalog = WriteCatalog(dir, upstream.BaseUrl(), "https://127.0.0.1:9");
    const auto execute = [&](TestServer& server) {
        (void)server.CreateUser("ann");
        auto headers = server.AdminHeaders();
        headers.emplace_back("Content-Type: application/json");
        headers.emplace_back("x-alloy-userid: ann");
        const auto created = server.Client().Send(
            "POST",
            "/connectors/echo/credentials",
            headers,
            R"({"userId":"ann","authenticationType":"apiKey","data":{"apiKey":"k-tls-1"}})");
        EXPECT_EQ(created.status, 200) << created.body;
        std::vector<HttpResult> results;
        for (int i = 0; i < 4; ++i) {
            results.push_back(server.Client().Send(
                "POST",
                "/connectors/echo/actions/getItem/execute",
                headers,
                R"({"credentialId":")" +
                    std::string(created.Json().at("credentialId").as_string()) +
                    R"(","pathParams":{"itemId":"7"},"queryParameters":{"limit":1}})"));
        }
        return results;
    };

    {
        TestServer untrusting(TestServerOptions{.environment = {
                                                    {"JUNCTION_CATALOG_DIR", catalog},
                                                    {"JUNCTION_EGRESS_ALLOW_CIDRS", "127.0.0.1/32"},
                                                }});
        const auto refused = execute(untrusting).front();
        EXPECT_EQ(refused.status, 502) << refused.body;
        EXPECT_EQ(refused.Json().at("error").at("details").at("reason"), "tls_error")
            << refused.body;
    }
    EXPECT_EQ(upstream.CallCount("/api/items/7"), 0U);

    TestServer server(TestServerOptions{.environment = {
                                            {"JUNCTION_CATALOG_DIR", catalog},
                                            {"JUNCTION_EGRESS_ALLOW_CIDRS", "127.0.0.1/32"},
                                            {"JUNCTION_EGRESS_CA_FILE", dir.File("ca.pem")},
                                        }});
    const auto before = upstream.TlsStats();
    for (const auto& result : execute(server)) {
        ASSERT_EQ(result.status, 200) << result.body;
        EXPECT_EQ(result.Json().at("result").at("id"), 7);
    }
    const auto after = upstream.TlsStats();
    EXPECT_EQ(upstream.CallCount("/api/items/7"), 4U);
    EXPECT_EQ(upstream.RequestsTo("/api/items/7").back().Header("x-api-key"), "k-tls-1");
    EXPECT_EQ(after.handshakes - before.handshakes, 4U);
    EXPECT_GE(after.resumed - before.resumed, 3U) << "every connection after the first resumes";
}

// Without the test allowlist, every special-purpose address class is refused before a connection
// is made, whether the host is an IP literal or a name that resolves to one (DESIGN.md §11).
TEST(ExecuteEgressTest, EveryBlockedAddressClassIsRefused) {
    TempDir dir;
    const std::string catalog = dir.File("catalog");
    std::filesystem::create_directories(catalog);
    const std::vector<std::string> hosts{"127.0.0.1",
                                         "127.0.0.2",
                                         "10.1.2.3",
                                         "172.16.0.1",
                                         "192.168.1.1",
                                         "100.64.0.1",
                                         "169.254.169.254",
                                         "0.0.0.0",
                                         "224.0.0.1",
                                         "255.255.255.255",
                                         "localhost"};
    std::string allowed;
    for (const auto& host : hosts) {
        allowed += (allowed.empty() ? "" : ", ") + host;
    }
    std::ofstream(catalog + "/inner.yaml") << R"(id: inner
name: Inner
categories: [testing]
base_url: https://{{host}}:8443
allowed_hosts: [)" << allowed << R"(]
auth:
  - type: apiKey
    in: header
    name: X-Api-Key
    fields:
      - {name: host, pattern: "^[a-z0-9.-]+$"}
      - {name: apiKey, secret: true}
resources:
  - name: all
    actions:
      - {id: ping, httpMethod: GET, path: /ping}
)";
    TestServer server(TestServerOptions{.environment = {{"JUNCTION_CATALOG_DIR", catalog}}});
    (void)server.CreateUser("ann");
    auto headers = server.AdminHeaders();
    headers.emplace_back("Content-Type: application/json");
    headers.emplace_back("x-alloy-userid: ann");
    for (const auto& host : hosts) {
        const auto created = server.Client().Send(
            "POST",
            "/connectors/inner/credentials",
            headers,
            R"({"userId":"ann","authenticationType":"apiKey","data":{"host":")" + host +
                R"(","apiKey":"k-123456"}})");
        ASSERT_EQ(created.status, 200) << created.body;
        const auto refused = server.Client().Send(
            "POST",
            "/connectors/inner/actions/ping/execute",
            headers,
            R"({"credentialId":")" + std::string(created.Json().at("credentialId").as_string()) +
                R"("})");
        EXPECT_EQ(refused.status, 502) << host << ": " << refused.body;
        EXPECT_EQ(refused.Json().at("error").at("details").at("reason"), "egress_denied") << host;
    }
}

}  // namespace
}  // namespace junction
