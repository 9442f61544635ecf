// Several stateless nodes on one PostgreSQL (DESIGN.md §12, API.md §1.4): two real `junction
// serve` processes share a database and master key, and requests alternate between them the way
// a load balancer without stickiness would send them. Proves an OAuth flow crosses nodes, a
// refresh raced from both nodes reaches the provider once, rate limits are shared, revocation
// reaches the other node within 1 s, and MCP calls and sessions work on either node.
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "junction/testing/fake_upstream.hpp"
#include "junction/testing/http_client.hpp"
#include "junction/testing/oauth_provider.hpp"
#include "junction/testing/process.hpp"
#include "junction/testing/temp_dir.hpp"
#include "junction/testing/test_postgres.hpp"

namespace junction {
namespace {

using testing::ChildProcess;
using testing::FakeUpstream;
using testing::HttpClient;
using testing::HttpResult;
using testing::OAuthProvider;
using testing::QueryParameter;
using testing::RawConnection;
using testing::TempDir;
using testing::TestPostgres;
using testing::UpstreamResponse;
using Clock = std::chrono::steady_clock;

// Shared by both nodes, as an operator would distribute them (OPERATIONS.md, scaling).
constexpr std::string_view kMasterKeys = "3:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
constexpr std::string_view kAdminKey = "jk_multinodeBootstrapAdminKey_0123456789abcdefgh";
// Both nodes sit behind one public URL; the test plays the load balancer by path.
constexpr std::string_view kPublicUrl = "http://junction.lb.test";
constexpr std::string_view kJson = "Content-Type: application/json";
constexpr std::string_view kAccept = "Accept: application/json, text/event-stream";

std::string PathOf(const std::string& url) {
    const auto scheme = url.find("://");
    return url.substr(url.find('/', scheme + 3));
}

/// One `junction serve` process on 127.0.0.1:0.
class Node {
public:
    Node(const std::string& name,
         const TempDir& dir,
         const std::map<std::string, std::string>& environment) {
        auto env = environment;
        env["JUNCTION_DATA_DIR"] = dir.File(name + "-data");
        env["JUNCTION_LISTEN"] = "127.0.0.1:0";
        process_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{testing::JunctionBinary(), "serve"},
            env,
            dir.Path().string(),
            dir.File(name));
        const std::regex listening(R"re("msg":"listening".*"port":([0-9]+))re");
        for (int i = 0; i < 1200 && port_ == 0; ++i) {
            std::smatch match;
            const std::string err = process_->Err();
            if (std::regex_search(err, match, listening)) {
                port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
            } else if (process_->Wait(std::chrono::milliseconds(50)).has_value()) {
                break;
            }
        }
        client_ = std::make_unique<HttpClient>("http://127.0.0.1:" + std::to_string(port_));
    }
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;
    Node(Node&&) = delete;
    Node& operator=(Node&&) = delete;
    ~Node() {
        process_->Signal(SIGTERM);
        (void)process_->Wait(std::chrono::seconds(20));
    }

    [[nodiscard]] bool Started() const { return port_ != 0; }
    [[nodiscard]] std::uint16_t Port() const { return port_; }
    [[nodiscard]] std::string Log() const { return process_->Err(); }
    [[nodiscard]] const HttpClient& Client() const { return *client_; }

private:
    std::unique_ptr<ChildProcess> process_;
    std::uint16_t port_ = 0;
    std::unique_ptr<HttpClient> client_;
};

// An operator connector whose OAuth endpoints are the test provider and whose API is `api`.
std::string WriteCatalog(const TempDir& dir, const std::string& issuer, const std::string& api) {
    std::string catalog = dir.File("catalog");
    std::filesystem::create_directories(catalog);
    std::ofstream(catalog + "/acme.yaml") << R"(id: acme
name: Acme
description: Test provider.
categories: [testing]
base_url: )" << api << R"(
auth:
  - type: oauth2
    authorization_url: )" << issuer << R"(/authorize
    token_url: )" << issuer << R"(/token
    scopes: [read]
resources:
  - name: me
    actions:
      - {id: getMe, httpMethod: GET, path: /me}
)";
    return catalog;
}

class MultiNodeTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (std::getenv("JUNCTION_TEST_PG_URL") == nullptr) {  // NOLINT(concurrency-mt-unsafe)
            GTEST_SKIP() << "JUNCTION_TEST_PG_URL is not set: the multi-node test needs "
                            "PostgreSQL (scripts/test.sh starts one)";
        }
        postgres_ = std::make_unique<TestPostgres>();
    }

    /// Starts both nodes with the shared settings plus `extra`. Node A starts (and migrates,
    /// and bootstraps the admin key) first; B then finds everything in place.
    void StartNodes(const std::map<std::string, std::string>& extra = {}) {
        std::map<std::string, std::string> environment{
            {"JUNCTION_DATABASE_URL", postgres_->Url()},
            {"JUNCTION_MASTER_KEYS", std::string(kMasterKeys)},
            {"JUNCTION_BOOTSTRAP_API_KEY", std::string(kAdminKey)},
            {"JUNCTION_PUBLIC_URL", std::string(kPublicUrl)},
            {"JUNCTION_LOG_LEVEL", "info"}};
        for (const auto& [name, value] : extra) {
            environment[name] = value;
        }
        a_ = std::make_unique<Node>("node-a", dir_, environment);
        ASSERT_TRUE(a_->Started()) << a_->Log();
        b_ = std::make_unique<Node>("node-b", dir_, environment);
        ASSERT_TRUE(b_->Started()) << b_->Log();
    }

    /// Node A for even `i`, B for odd: a round-robin balancer.
    [[nodiscard]] const HttpClient& RoundRobin(int i) const {
        return i % 2 == 0 ? a_->Client() : b_->Client();
    }

    static std::vector<std::string> As(const std::string& key, bool json = false) {
        std::vector<std::string> headers{"Authorization: Bearer " + key, "x-api-version: 2025-09"};
        if (json) {
            headers.emplace_back(kJson);
        }
        return headers;
    }
    static std::vector<std::string> Admin(bool json = false) {
        return As(std::string(kAdminKey), json);
    }

    static std::string CreateUser(const HttpClient& node, const std::string& username) {
        const auto created = node.Send(
            "POST", "/users", Admin(true), R"({"username":")" + username + R"(","fullName":"U"})");
        EXPECT_EQ(created.status, 200) << created.body;
        return std::string(created.Json().at("userId").as_string());
    }

    /// An MCP server owned by `user`: {serverId, accessToken}.
    static std::pair<std::string, std::string> CreateServer(const HttpClient& node,
                                                            const std::string& user) {
        auto headers = Admin(true);
        headers.push_back("x-alloy-userid: " + user);
        const auto created = node.Send("POST", "/api/servers", headers, R"({"name":"Shared"})");
        EXPECT_EQ(created.status, 200) << created.body;
        const auto json = created.Json();
        return {std::string(json.at("serverId").as_string()),
                std::string(json.at("accessToken").as_string())};
    }

    static HttpResult Rpc(const HttpClient& node,
                          const std::string& path,
                          const std::string& method,
                          const std::string& params = "{}",
                          const std::string& session = "") {
        std::vector<std::string> headers{std::string(kJson), std::string(kAccept)};
        if (!session.empty()) {
            headers.push_back("Mcp-Session-Id: " + session);
        }
        return node.Send(
            "POST",
            path,
            headers,
            R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":)" + params + "}");
    }

    /// Polls `check` until it returns true, or nullopt if it never does within 5 s. Returns when
    /// the last check that did not hold was started, counted from this call: the latest moment
    /// the old state was still seen. (The first check that holds may start up to a poll interval
    /// and a request later than the change it sees, which says nothing about the node.)
    static std::optional<std::chrono::milliseconds> LastSeenStale(
        const std::function<bool()>& check) {
        const auto start = Clock::now();
        std::chrono::milliseconds last_stale{0};
        while (Clock::now() - start < std::chrono::seconds(5)) {
            const auto asked = Clock::now();
            if (check()) {
                return last_stale;
            }
            last_stale = std::chrono::duration_cast<std::chrono::milliseconds>(asked - start);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return std::nullopt;
    }

    TempDir dir_;
    std::unique_ptr<TestPostgres> postgres_;
    std::unique_ptr<Node> a_;
    std::unique_ptr<Node> b_;
};

TEST_F(MultiNodeTest, AnOAuthFlowCrossesNodesAndParallelToolCallsRefreshOnce) {
    OAuthProvider provider({"--strict-refresh"});
    FakeUpstream api;
    std::atomic<int> calls{0};
    api.On("GET", "/me", [&calls](const testing::RecordedRequest&) {
        ++calls;
        return UpstreamResponse::Json(R"({"name":"alice"})");
    });
    StartNodes({{"JUNCTION_CATALOG_DIR", WriteCatalog(dir_, provider.Issuer(), api.BaseUrl())},
                {"JUNCTION_EGRESS_ALLOW_CIDRS", "127.0.0.1/32"},
                {"JUNCTION_RATE_LIMIT_MCP", "10000/60s"}});

    ASSERT_EQ(b_->Client()
                  .Send("POST",
                        "/auth-configs",
                        Admin(true),
                        R"({"connectorId":"acme","clientId":"c","clientSecret":"s"})")
                  .status,
              201);
    const std::string alice = CreateUser(a_->Client(), "alice");

    // The flow starts on A (the auth config was made on B), the browser's authorize lands on
    // B and the provider's callback on A.
    const auto created = a_->Client().Send(
        "POST",
        "/connectors/acme/credentials",
        Admin(true),
        R"({"userId":")" + alice +
            R"(","authenticationType":"oauth2","redirectUri":"https://app.example.com/done"})");
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string oauth_url(created.Json().at("oauthUrl").as_string());
    ASSERT_TRUE(oauth_url.starts_with(kPublicUrl)) << oauth_url;
    const auto authorize = b_->Client().Send("GET", PathOf(oauth_url));
    ASSERT_EQ(authorize.status, 302) << authorize.body;
    const std::string callback = provider.Authorize(authorize.Header("location").value_or(""));
    ASSERT_TRUE(callback.starts_with(kPublicUrl)) << callback;
    const auto done = a_->Client().Send("GET", PathOf(callback));
    ASSERT_EQ(done.status, 302) << done.body;
    const std::string location = done.Header("location").value_or("");
    ASSERT_EQ(QueryParameter(location, "status"), "success") << location;
    const std::string credential_id = QueryParameter(location, "credentialId");
    ASSERT_EQ(credential_id.size(), 24U) << location;
    // A replay of the callback on the other node finds the state already used.
    EXPECT_NE(
        QueryParameter(b_->Client().Send("GET", PathOf(callback)).Header("location").value_or(""),
                       "status"),
        "success");

    // The token now expires within the refresh skew: every call needs a refresh.
    (void)postgres_->QueryText(
        "UPDATE credentials SET token_expires_at = token_expires_at - 3590000");
    const auto [server_id, token] = CreateServer(b_->Client(), alice);
    const std::string path = "/mcp/" + server_id + "/" + token;
    constexpr int kCallsPerNode = 50;
    constexpr int kCalls = 2 * kCallsPerNode;
    std::vector<std::thread> callers;
    callers.reserve(kCalls);
    std::atomic<int> succeeded{0};
    std::vector<std::string> failures(kCalls);
    for (int i = 0; i < kCalls; ++i) {
        callers.emplace_back([&, i] {
            const HttpResult answer =
                Rpc(RoundRobin(i),
                    path,
                    "tools/call",
                    R"({"name":"execute_action_alloy","arguments":{"connectorId":"acme",)"
                    R"("actionId":"getMe","parameters":{},"credentialId":")" +
                        credential_id + R"("}})");
            const auto json = answer.Json();
            const auto* result =
                json.is_object() ? json.as_object().if_contains("result") : nullptr;
            if (answer.status == 200 && result != nullptr && result->at("isError") == false) {
                ++succeeded;
            } else {
                failures.at(static_cast<std::size_t>(i)) = answer.body;
            }
        });
    }
    for (auto& caller : callers) {
        caller.join();
    }
    EXPECT_EQ(succeeded.load(), kCalls) << [&] {
        std::string first;
        for (const auto& failure : failures) {
            first = first.empty() ? failure : first;
        }
        return first;
    }();

    std::size_t refreshes = 0;
    for (const auto& request : provider.TokenRequests()) {
        refreshes += request.at("grant_type") == "refresh_token" ? 1U : 0U;
    }
    EXPECT_EQ(refreshes, 1U);
    // Every upstream call carried the one refreshed token.
    std::set<std::string> bearer_tokens;
    for (const auto& request : api.RequestsTo("/me")) {
        bearer_tokens.insert(request.Header("authorization").value_or(""));
    }
    EXPECT_EQ(calls.load(), kCalls);
    EXPECT_EQ(bearer_tokens.size(), 1U);
}

TEST_F(MultiNodeTest, ARateLimitIsSharedByBothNodes) {
    constexpr int kLimit = 20;
    constexpr int kOver = 7;
    StartNodes({{"JUNCTION_RATE_LIMIT_API", std::to_string(kLimit) + "/60s"}});
    const std::string owner = CreateUser(a_->Client(), "owner");
    const auto created =
        b_->Client().Send("POST",
                          "/api-keys",
                          Admin(true),
                          R"({"name":"limited","ownerUserId":")" + owner + R"(","role":"admin"})");
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string key(created.Json().at("apiKey").at("key").as_string());

    // N + k requests, in parallel, alternating between the nodes: exactly k are refused.
    std::atomic<int> ok{0};
    std::atomic<int> limited{0};
    std::atomic<int> other{0};
    std::vector<std::thread> callers;
    callers.reserve(kLimit + kOver);
    for (int i = 0; i < kLimit + kOver; ++i) {
        callers.emplace_back([&, i] {
            const long status = RoundRobin(i).Send("GET", "/connectors?limit=1", As(key)).status;
            (status == 200 ? ok : status == 429 ? limited : other)++;
        });
    }
    for (auto& caller : callers) {
        caller.join();
    }
    EXPECT_EQ(ok.load(), kLimit);
    EXPECT_EQ(limited.load(), kOver);
    EXPECT_EQ(other.load(), 0);
    // Both nodes keep refusing: the window is in the database, not in either process.
    EXPECT_EQ(a_->Client().Send("GET", "/connectors?limit=1", As(key)).status, 429);
    EXPECT_EQ(b_->Client().Send("GET", "/connectors?limit=1", As(key)).status, 429);
}

TEST_F(MultiNodeTest, RevocationRotationAndDeletionReachTheOtherNodeWithinOneSecond) {
    StartNodes({{"JUNCTION_RATE_LIMIT_MCP", "10000/60s"}});
    const std::string bob = CreateUser(a_->Client(), "bob");
    const auto created =
        a_->Client().Send("POST",
                          "/api-keys",
                          Admin(true),
                          R"({"name":"revoked-soon","ownerUserId":")" + bob + R"("})");
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string key(created.Json().at("apiKey").at("key").as_string());
    const std::string key_id(created.Json().at("apiKey").at("apiKeyId").as_string());
    // Both nodes have the key in their read caches.
    ASSERT_EQ(a_->Client().Send("GET", "/users/bob", As(key)).status, 200);
    ASSERT_EQ(b_->Client().Send("GET", "/users/bob", As(key)).status, 200);

    ASSERT_EQ(a_->Client().Send("DELETE", "/api-keys/" + key_id, Admin()).status, 200);
    EXPECT_EQ(a_->Client().Send("GET", "/users/bob", As(key)).status, 401)
        << "the node that revoked refuses at once";
    const auto key_refused = LastSeenStale(
        [&] { return b_->Client().Send("GET", "/users/bob", As(key)).status == 401; });
    ASSERT_TRUE(key_refused.has_value()) << "node B still accepts a key revoked on node A";
    EXPECT_LE(key_refused->count(), 1000);

    // A user token minted on A (signed with the key both nodes share) works on B until the
    // user is deleted on B; then A refuses it within 1 s.
    const std::string erin = CreateUser(a_->Client(), "erin");
    const auto minted = a_->Client().Send("GET", "/users/" + erin + "/token", Admin());
    ASSERT_EQ(minted.status, 200) << minted.body;
    const std::vector<std::string> as_erin{
        "x-alloy-user-token: " + std::string(minted.Json().at("token").as_string()),
        "x-api-version: 2025-09"};
    ASSERT_EQ(b_->Client().Send("GET", "/users/" + erin, as_erin).status, 200);
    ASSERT_EQ(a_->Client().Send("GET", "/users/" + erin, as_erin).status, 200);
    ASSERT_EQ(b_->Client().Send("DELETE", "/users/" + erin, Admin()).status, 200);
    EXPECT_EQ(b_->Client().Send("GET", "/users/" + erin, as_erin).status, 401);
    const auto jwt_refused = LastSeenStale(
        [&] { return a_->Client().Send("GET", "/users/" + erin, as_erin).status == 401; });
    ASSERT_TRUE(jwt_refused.has_value()) << "node A still accepts a deleted user's token";
    EXPECT_LE(jwt_refused->count(), 1000);

    // An MCP token rotated on B stops working on A; the new one works on both.
    const auto [server_id, old_token] = CreateServer(a_->Client(), bob);
    const std::string old_path = "/mcp/" + server_id + "/" + old_token;
    ASSERT_EQ(Rpc(a_->Client(), old_path, "ping").status, 200);
    ASSERT_EQ(Rpc(b_->Client(), old_path, "ping").status, 200);
    auto headers = Admin();
    headers.push_back("x-alloy-userid: " + bob);
    const auto rotated =
        b_->Client().Send("POST", "/api/servers/" + server_id + "/rotate-token", headers);
    ASSERT_EQ(rotated.status, 200) << rotated.body;
    const std::string new_path =
        "/mcp/" + server_id + "/" + std::string(rotated.Json().at("accessToken").as_string());
    EXPECT_EQ(Rpc(b_->Client(), old_path, "ping").status, 401);
    const auto token_refused =
        LastSeenStale([&] { return Rpc(a_->Client(), old_path, "ping").status == 401; });
    ASSERT_TRUE(token_refused.has_value());
    EXPECT_LE(token_refused->count(), 1000);
    EXPECT_EQ(Rpc(a_->Client(), new_path, "ping").status, 200);

    // A server deleted on A is gone on B.
    ASSERT_EQ(a_->Client().Send("DELETE", "/api/servers/" + server_id, headers).status, 200);
    const auto server_gone = LastSeenStale([&] {
        const long status = Rpc(b_->Client(), new_path, "ping").status;
        return status == 404 || status == 401;
    });
    ASSERT_TRUE(server_gone.has_value());
    EXPECT_LE(server_gone->count(), 1000);
}

TEST_F(MultiNodeTest, McpCallsAndSessionsWorkOnWhicheverNodeTheyLand) {
    StartNodes({{"JUNCTION_RATE_LIMIT_MCP", "10000/60s"}});
    const std::string carol = CreateUser(a_->Client(), "carol");
    const auto [server_id, token] = CreateServer(b_->Client(), carol);
    const std::string path = "/mcp/" + server_id + "/" + token;

    // Stateless: consecutive calls on alternating nodes.
    for (int i = 0; i < 6; ++i) {
        const HttpResult listed = Rpc(RoundRobin(i), path, "tools/list");
        ASSERT_EQ(listed.status, 200) << listed.body;
        EXPECT_EQ(listed.Json().at("result").at("tools").as_array().size(), 8U);
    }
    const auto connectors_text = [&](const HttpClient& node) {
        const HttpResult listed =
            Rpc(node, path, "tools/call", R"({"name":"list_connectors_alloy","arguments":{}})");
        EXPECT_EQ(listed.status, 200) << listed.body;
        const auto json = listed.Json();
        EXPECT_EQ(json.at("result").at("isError"), false) << listed.body;
        return std::string(json.at("result").at("content").at(0).at("text").as_string());
    };
    EXPECT_NE(connectors_text(b_->Client()).find("\"notion\""), std::string::npos);
    // A restriction changed on A applies on B within 1 s (B caches the server's row that long).
    auto headers = Admin(true);
    headers.push_back("x-alloy-userid: " + carol);
    ASSERT_EQ(
        a_->Client()
            .Send("PUT",
                  "/api/servers/" + server_id,
                  headers,
                  R"({"restrictions":{"connectors":{"mode":"allowlist","allowedIds":["slack"]}}})")
            .status,
        200);
    const auto restriction_seen = LastSeenStale(
        [&] { return connectors_text(b_->Client()).find("\"notion\"") == std::string::npos; });
    ASSERT_TRUE(restriction_seen.has_value()) << "node B still serves the old restrictions";
    EXPECT_LE(restriction_seen->count(), 1000);
    const std::string restricted = connectors_text(b_->Client());
    EXPECT_NE(restricted.find("\"slack\""), std::string::npos) << restricted;

    // A session opened on A is resumed on B, used on A again, ended on B, and then gone on A.
    const HttpResult opened =
        Rpc(a_->Client(), path, "initialize", R"({"protocolVersion":"2025-06-18"})");
    ASSERT_EQ(opened.status, 200) << opened.body;
    const std::string session = opened.Header("mcp-session-id").value_or("");
    ASSERT_FALSE(session.empty());
    for (int i = 1; i <= 4; ++i) {
        const HttpResult listed = Rpc(RoundRobin(i), path, "tools/list", "{}", session);
        EXPECT_EQ(listed.status, 200) << "request " << i << ": " << listed.body;
    }
    EXPECT_EQ(b_->Client().Send("DELETE", path, {"Mcp-Session-Id: " + session}).status, 204);
    EXPECT_EQ(Rpc(a_->Client(), path, "tools/list", "{}", session).status, 404)
        << "a session ended on B is unknown on A";
}

TEST_F(MultiNodeTest, ServerChangesOnOneNodeReachEventStreamsOnTheOther) {
    StartNodes({{"JUNCTION_RATE_LIMIT_MCP", "10000/60s"}});
    const std::string dave = CreateUser(a_->Client(), "dave");
    const auto [server_id, token] = CreateServer(a_->Client(), dave);
    const std::string path = "/mcp/" + server_id + "/" + token;
    auto headers = Admin(true);
    headers.push_back("x-alloy-userid: " + dave);

    // A stream on B; the server is changed on A.
    RawConnection stream(b_->Port());
    ASSERT_TRUE(stream.Send("GET " + path +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"));
    ASSERT_NE(stream.ReadUntil("\r\n\r\n", std::chrono::seconds(10)).find("HTTP/1.1 200"),
              std::string::npos);
    // B's poller has taken the server's current row as seen (it reads every 500 ms).
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    const auto changed_at = Clock::now();
    ASSERT_EQ(a_->Client()
                  .Send("PUT", "/api/servers/" + server_id, headers, R"({"name":"Renamed"})")
                  .status,
              200);
    const std::string notified =
        stream.ReadUntil("notifications/tools/list_changed", std::chrono::seconds(5));
    ASSERT_NE(notified.find("notifications/tools/list_changed"), std::string::npos) << notified;
    EXPECT_LE(Clock::now() - changed_at, std::chrono::milliseconds(1000));

    // A rotation on A ends B's stream of the old token.
    const auto rotated_at = Clock::now();
    ASSERT_EQ(
        a_->Client().Send("POST", "/api/servers/" + server_id + "/rotate-token", headers).status,
        200);
    const std::string ended = stream.ReadUntil("0\r\n\r\n", std::chrono::seconds(5));
    EXPECT_NE(ended.find("0\r\n\r\n"), std::string::npos) << ended;
    EXPECT_LE(Clock::now() - rotated_at, std::chrono::milliseconds(1000));
}

}  // namespace
}  // namespace junction
