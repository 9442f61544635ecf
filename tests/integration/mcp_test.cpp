// The MCP Streamable HTTP endpoints (API.md §4.1–4.6) over real HTTP: JSON-RPC edge cases,
// content negotiation, sessions, identity rules and restrictions. The official SDK client is
// exercised end to end in tests/e2e.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::HttpResult;
using testing::RawConnection;
using testing::TestServer;
using testing::TestServerOptions;

constexpr std::string_view kJson = "Content-Type: application/json";

constexpr std::string_view kAccept = "Accept: application/json, text/event-stream";

class McpTest : public ::testing::Test {
protected:
    McpTest() {
        ann_ = server_.CreateUser("ann");
        bob_ = server_.CreateUser("bob");
        const auto created = CreateServer(ann_, R"({"name":"Ann Server"})");
        server_id_ = std::string(created.at("serverId").as_string());
        token_ = std::string(created.at("accessToken").as_string());
        token_path_ = "/mcp/" + server_id_ + "/" + token_;
    }

    boost::json::object CreateServer(const std::string& owner, const std::string& body) {
        auto headers = server_.AdminHeaders();
        headers.emplace_back(kJson);
        headers.emplace_back("x-alloy-userid: " + owner);
        const HttpResult created = server_.Client().Send("POST", "/api/servers", headers, body);
        EXPECT_EQ(created.status, 200) << created.body;
        return created.Json().as_object();
    }

    HttpResult Post(const std::string& path,
                    const std::string& body,
                    std::vector<std::string> headers = {}) const {
        headers.emplace_back(kJson);
        headers.emplace_back(kAccept);
        return server_.Client().Send("POST", path, headers, body);
    }

    HttpResult Rpc(const std::string& method,
                   const std::string& params = "{}",
                   std::vector<std::string> headers = {}) const {
        return Post(
            token_path_,
            R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":)" + params + "}",
            std::move(headers));
    }

    /// Sends `method` on `path` (`/api/servers/...`) as the admin acting for ann.
    HttpResult ManageAsAnn(const std::string& method,
                           const std::string& path,
                           const std::string& body = "") {
        auto headers = server_.AdminHeaders();
        headers.emplace_back("x-alloy-userid: " + ann_);
        if (!body.empty()) {
            headers.emplace_back(kJson);
        }
        return server_.Client().Send(method, path, headers, body);
    }

    /// Whether the request sent with `X-Request-Id: request_id` was answered on the IO thread
    /// (Api::TryInline): its access-log line says `"inline":true`.
    bool AnsweredInline(const std::string& request_id) const {
        const std::string needle = R"("request_id":")" + request_id + "\"";
        const std::string log = server_.WaitForLog(needle);
        const std::size_t at = log.find(needle);
        EXPECT_NE(at, std::string::npos) << "no access line for " << request_id;
        if (at == std::string::npos) {
            return false;
        }
        const std::size_t begin = log.rfind('\n', at);
        const std::string line = log.substr(begin == std::string::npos ? 0 : begin + 1,
                                            log.find('\n', at) - (begin + 1));
        EXPECT_NE(line.find(R"("msg":"request")"), std::string::npos) << line;
        return line.find(R"("inline":true)") != std::string::npos;
    }

    static boost::json::value ToolJson(const HttpResult& result) {
        const boost::json::value answer = result.Json();
        const auto& content = answer.at("result").at("content").as_array();
        return boost::json::parse(content.at(0).at("text").as_string());
    }

    TestServer server_{
        TestServerOptions{.environment = {{"JUNCTION_RATE_LIMIT_MCP", "10000/60s"}}}};
    std::string ann_;
    std::string bob_;
    std::string server_id_;
    std::string token_;
    std::string token_path_;
};

TEST_F(McpTest, MalformedJsonIsParseErrorWithNullId) {
    const HttpResult answer = Post(token_path_, R"({"jsonrpc":"2.0","id":1,"method":)");
    EXPECT_EQ(answer.status, 400);
    EXPECT_EQ(answer.Json().at("error").at("code"), -32700);
    EXPECT_TRUE(answer.Json().at("id").is_null());
}

TEST_F(McpTest, EnvelopeErrorsAreInvalidRequest) {
    for (const std::string body : {R"({"jsonrpc":"1.0","id":1,"method":"ping"})",
                                   R"({"id":1,"method":"ping"})",
                                   R"({"jsonrpc":"2.0","id":1})",
                                   R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})",
                                   R"({"jsonrpc":"2.0","id":1,"method":7})",
                                   R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[1]})",
                                   R"("just a string")"}) {
        SCOPED_TRACE(body);
        const HttpResult answer = Post(token_path_, body);
        EXPECT_EQ(answer.status, 400) << answer.body;
        EXPECT_EQ(answer.Json().at("error").at("code"), -32600) << answer.body;
    }
}

TEST_F(McpTest, BatchesAreRefused) {
    const HttpResult answer = Post(token_path_, R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
    EXPECT_EQ(answer.status, 400);
    EXPECT_EQ(answer.Json().at("error").at("code"), -32600);
    EXPECT_EQ(answer.Json().at("error").at("message"), "Batch requests are not supported");
}

TEST_F(McpTest, UnknownMethodEchoesStringAndIntegerIds) {
    const HttpResult by_string =
        Post(token_path_, R"({"jsonrpc":"2.0","id":"x-9","method":"nope/nope"})");
    EXPECT_EQ(by_string.status, 200);
    EXPECT_EQ(by_string.Json().at("id"), "x-9");
    EXPECT_EQ(by_string.Json().at("error").at("code"), -32601);
    EXPECT_EQ(by_string.Json().at("error").at("message"), "Method not found: nope/nope");
    // The same id again, on another connection: ids are the client's business.
    const HttpResult by_number = Post(token_path_, R"({"jsonrpc":"2.0","id":42,"method":"ping"})");
    const HttpResult again = Post(token_path_, R"({"jsonrpc":"2.0","id":42,"method":"ping"})");
    EXPECT_EQ(by_number.Json().at("id"), 42);
    EXPECT_EQ(again.Json().at("id"), 42);
    EXPECT_EQ(again.Json().at("result"), boost::json::object{});
}

TEST_F(McpTest, NotificationsAndResponsesGet202) {
    for (const std::string body :
         {R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
          R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}})",
          R"({"jsonrpc":"2.0","id":5,"result":{}})"}) {
        SCOPED_TRACE(body);
        const HttpResult answer = Post(token_path_, body);
        EXPECT_EQ(answer.status, 202) << answer.body;
        EXPECT_TRUE(answer.body.empty());
    }
}

TEST_F(McpTest, HugeBodiesAreRefusedAndLargeParamsAreFine) {
    const std::string huge(11UL * 1024 * 1024, 'a');
    const HttpResult refused =
        Post(token_path_,
             R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")" + huge + "\"}}");
    EXPECT_EQ(refused.status, 413);
    EXPECT_EQ(refused.ErrorCode(), "PAYLOAD_TOO_LARGE");
    const std::string large(512UL * 1024, 'g');
    const HttpResult tool =
        Rpc("tools/call",
            R"({"name":"discover_action_path_alloy","arguments":{"goal":")" + large + "\"}}");
    EXPECT_EQ(tool.status, 200);
    EXPECT_EQ(ToolJson(tool).at("count"), 0);
}

TEST_F(McpTest, AcceptMustAdmitEventStream) {
    const std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
    const auto send = [&](const std::string& accept) {
        return server_.Client().Send(
            "POST", token_path_, {std::string(kJson), "Accept: " + accept}, ping);
    };
    EXPECT_EQ(send("application/json").status, 406);
    EXPECT_EQ(send("application/json").ErrorCode(), "NOT_ACCEPTABLE");
    EXPECT_EQ(send("application/json, text/event-stream;q=0").status, 406);
    EXPECT_EQ(send("application/json,text/event-stream").status, 200);
    EXPECT_EQ(send("application/json ; q=0.9 , text/event-stream ; q=0.5").status, 200);
    EXPECT_EQ(send("*/*").status, 200);
    EXPECT_EQ(send("text/*").status, 200);
    const HttpResult get = server_.Client().Send("GET", token_path_, {"Accept: application/json"});
    EXPECT_EQ(get.status, 406);
}

TEST_F(McpTest, ContentTypeAndProtocolVersionHeader) {
    const HttpResult text = server_.Client().Send(
        "POST", token_path_, {"Content-Type: text/plain", std::string(kAccept)}, "{}");
    EXPECT_EQ(text.status, 415);
    EXPECT_EQ(Rpc("ping", "{}", {"MCP-Protocol-Version: 2025-06-18"}).status, 200);
    const HttpResult bad = Rpc("ping", "{}", {"MCP-Protocol-Version: 1999-01-01"});
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.ErrorCode(), "INVALID_REQUEST");
}

TEST_F(McpTest, InitializeNegotiatesAndOpensASession) {
    const HttpResult old = Rpc("initialize", R"({"protocolVersion":"2024-11-05"})");
    ASSERT_EQ(old.status, 200) << old.body;
    const boost::json::value answer = old.Json();
    const auto& result = answer.at("result");
    EXPECT_EQ(result.at("protocolVersion"), "2024-11-05");
    EXPECT_EQ(result.at("serverInfo").at("name"), "Junction Connectivity MCP Server");
    EXPECT_EQ(result.at("capabilities").at("tools").at("listChanged"), true);
    EXPECT_FALSE(result.as_object().contains("instructions"));  // none configured
    const auto session = old.Header("mcp-session-id");
    ASSERT_TRUE(session.has_value());
    EXPECT_EQ(session->size(), 43U);
    EXPECT_EQ(Rpc("initialize", R"({"protocolVersion":"2030-01-01"})")
                  .Json()
                  .at("result")
                  .at("protocolVersion"),
              "2025-11-25");

    EXPECT_EQ(Rpc("tools/list", "{}", {"Mcp-Session-Id: " + *session}).status, 200);
    EXPECT_EQ(Rpc("tools/list", "{}", {"Mcp-Session-Id: made-up"}).status, 404);
    const HttpResult ended =
        server_.Client().Send("DELETE", token_path_, {"Mcp-Session-Id: " + *session});
    EXPECT_EQ(ended.status, 204);
    EXPECT_EQ(Rpc("tools/list", "{}", {"Mcp-Session-Id: " + *session}).status, 404);
    EXPECT_EQ(server_.Client().Send("DELETE", token_path_, {"Mcp-Session-Id: " + *session}).status,
              404);
    EXPECT_EQ(server_.Client().Send("DELETE", token_path_).status, 400);
}

TEST_F(McpTest, AnEventStreamEndsWhenItsSessionIsTerminated) {
    const HttpResult opened = Rpc("initialize", "{}");
    const std::string session = opened.Header("mcp-session-id").value_or("");
    RawConnection stream(server_.Port());
    ASSERT_TRUE(stream.Send("GET " + token_path_ +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                            "Mcp-Session-Id: " +
                            session + "\r\n\r\n"));
    const std::string head = stream.ReadUntil("\r\n\r\n", std::chrono::seconds(10));
    ASSERT_NE(head.find("HTTP/1.1 200"), std::string::npos) << head;
    EXPECT_NE(head.find("text/event-stream"), std::string::npos) << head;
    EXPECT_NE(head.find("chunked"), std::string::npos) << head;
    EXPECT_EQ(server_.Client().Send("DELETE", token_path_, {"Mcp-Session-Id: " + session}).status,
              204);
    // The terminating chunk: the stream was closed by the server, not by the 15 s keepalive.
    const std::string all = stream.ReadUntil("0\r\n\r\n", std::chrono::seconds(10));
    EXPECT_NE(all.find("0\r\n\r\n"), std::string::npos) << all;
}

TEST_F(McpTest, AnEventStreamEndsWhenItsServerIsDeleted) {
    RawConnection stream(server_.Port());
    ASSERT_TRUE(
        stream.Send("GET " + token_path_ + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n"));
    ASSERT_NE(stream.ReadUntil("\r\n\r\n", std::chrono::seconds(10)).find("200"),
              std::string::npos);
    auto headers = server_.AdminHeaders();
    headers.emplace_back("x-alloy-userid: " + ann_);
    EXPECT_EQ(server_.Client().Send("DELETE", "/api/servers/" + server_id_, headers).status, 200);
    const std::string all = stream.ReadUntil("0\r\n\r\n", std::chrono::seconds(10));
    EXPECT_NE(all.find("0\r\n\r\n"), std::string::npos) << all;
    EXPECT_EQ(Rpc("ping").status, 401);
}

TEST_F(McpTest, ASessionServesOnlyItsOwnCaller) {
    const HttpResult opened = Rpc("initialize", "{}");
    const std::string session = opened.Header("mcp-session-id").value_or("");
    // The same session id through the API URL (another principal) is unknown there.
    const auto admin = server_.AdminHeaders();
    std::vector<std::string> headers(admin.begin(), admin.end());
    headers.emplace_back("Mcp-Session-Id: " + session);
    headers.emplace_back("x-alloy-userid: " + ann_);
    const HttpResult foreign =
        Post("/mcp/" + server_id_, R"({"jsonrpc":"2.0","id":1,"method":"ping"})", headers);
    EXPECT_EQ(foreign.status, 404) << foreign.body;
}

TEST_F(McpTest, ToolsCallParamErrorsAreJsonRpcErrors) {
    const HttpResult no_name = Rpc("tools/call", R"({"arguments":{}})");
    EXPECT_EQ(no_name.Json().at("error").at("code"), -32602);
    const HttpResult bad_arguments =
        Rpc("tools/call", R"({"name":"list_connectors_alloy","arguments":[1]})");
    EXPECT_EQ(bad_arguments.Json().at("error").at("code"), -32602);
    const HttpResult unknown = Rpc("tools/call", R"({"name":"nope","arguments":{}})");
    EXPECT_EQ(unknown.Json().at("error").at("code"), -32602);
    EXPECT_EQ(unknown.Json().at("error").at("message"), "Unknown tool: nope");
    // Bad arguments against the tool's schema are a tool error the model can read.
    const HttpResult invalid =
        Rpc("tools/call", R"({"name":"get_action_details_alloy","arguments":{}})");
    ASSERT_EQ(invalid.status, 200);
    EXPECT_EQ(invalid.Json().at("result").at("isError"), true);
    EXPECT_EQ(ToolJson(invalid).at("error").at("code"), "INVALID_REQUEST");
}

TEST_F(McpTest, PromptsAndResourcesAnswerEmpty) {
    EXPECT_EQ(Rpc("prompts/list").Json().at("result").at("prompts"), boost::json::array{});
    EXPECT_EQ(Rpc("resources/list").Json().at("result").at("resources"), boost::json::array{});
    EXPECT_EQ(Rpc("resources/templates/list").Json().at("result").at("resourceTemplates"),
              boost::json::array{});
    EXPECT_EQ(Rpc("prompts/get", R"({"name":"x"})").Json().at("error").at("code"), -32602);
    EXPECT_EQ(Rpc("resources/read", R"({"uri":"x"})").Json().at("error").at("code"), -32002);
}

TEST_F(McpTest, TokenUrlIdentityRules) {
    // A wrong token, or one for another server, is 401.
    EXPECT_EQ(
        Post("/mcp/" + server_id_ + "/mcp_wrong", R"({"jsonrpc":"2.0","id":1,"method":"ping"})")
            .status,
        401);
    EXPECT_EQ(
        Post("/mcp/other-00000000/" + token_, R"({"jsonrpc":"2.0","id":1,"method":"ping"})").status,
        401);
    // x-alloy-userid only on public servers.
    EXPECT_EQ(Rpc("ping", "{}", {"x-alloy-userid: " + bob_}).status, 403);
    const auto shared = CreateServer(ann_, R"({"name":"Shared","isPublic":true})");
    const std::string shared_path = "/mcp/" + std::string(shared.at("serverId").as_string()) + "/" +
                                    std::string(shared.at("accessToken").as_string());
    EXPECT_EQ(
        Post(shared_path, R"({"jsonrpc":"2.0","id":1,"method":"ping"})", {"x-alloy-userid: bob"})
            .status,
        200);
    EXPECT_EQ(
        Post(shared_path, R"({"jsonrpc":"2.0","id":1,"method":"ping"})", {"x-alloy-userid: nobody"})
            .status,
        403);  // like a user the server refuses: no probing for users (issue 18)
}

TEST_F(McpTest, ApiUrlIdentityRules) {
    const std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
    const std::string bob_key = server_.CreateKey("user", bob_);
    const std::string ann_key = server_.CreateKey("user", ann_);
    EXPECT_EQ(Post("/mcp/" + server_id_, ping).status, 401);
    EXPECT_EQ(Post("/mcp/" + server_id_, ping, {"Authorization: Bearer " + ann_key}).status, 200);
    EXPECT_EQ(Post("/mcp/" + server_id_, ping, {"Authorization: Bearer " + bob_key}).status, 403);
    EXPECT_EQ(Post("/mcp/nope-12345678", ping, {"Authorization: Bearer " + ann_key}).status, 404);
    EXPECT_EQ(Post("/mcp/" + server_id_,
                   ping,
                   {"Authorization: Bearer " + ann_key, "x-mcp-server-id: someone-else"})
                  .status,
              400);
    EXPECT_EQ(
        Post(
            "/mcp/" + server_id_, ping, {"Authorization: Bearer " + ann_key, "x-alloy-userid: bob"})
            .status,
        403);
}

TEST_F(McpTest, UsersRestrictionIsForbiddenForTheWholeRequest) {
    const auto only_bob = CreateServer(
        ann_,
        R"({"name":"Bob Only","restrictions":{"users":{"mode":"allowlist","allowedIds":[")" + bob_ +
            R"("]}}})");
    const std::string path = "/mcp/" + std::string(only_bob.at("serverId").as_string()) + "/" +
                             std::string(only_bob.at("accessToken").as_string());
    const HttpResult refused = Post(path, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(refused.ErrorCode(), "FORBIDDEN");
}

TEST_F(McpTest, TheAccessTokenNeverReachesTheLog) {
    EXPECT_EQ(Rpc("ping").status, 200);
    const std::string log = server_.WaitForLog("/mcp/{serverId}/{accessToken}");
    EXPECT_EQ(log.find(token_), std::string::npos);
}

constexpr std::string_view kListConnectors =
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call",)"
    R"("params":{"name":"list_connectors_alloy","arguments":{}}})";

// With the server row, the user and the rate limit in memory (CachingStore, SQLite's in-memory
// limiter), a tools/call is answered on the IO thread. The first call after the server was
// created misses the cache and is answered from the pool, the same way.
TEST_F(McpTest, AToolsCallWithAWarmCacheIsAnsweredOnTheIoThread) {
    const std::string call(kListConnectors);
    const HttpResult cold = Post(token_path_, call, {"X-Request-Id: mcp-token-cold"});
    ASSERT_EQ(cold.status, 200) << cold.body;
    const HttpResult warm = Post(token_path_, call, {"X-Request-Id: mcp-token-warm"});
    ASSERT_EQ(warm.status, 200) << warm.body;
    EXPECT_EQ(ToolJson(warm), ToolJson(cold));
    EXPECT_EQ(warm.Header("ratelimit-limit").value_or(""), "10000");
    EXPECT_FALSE(AnsweredInline("mcp-token-cold"));
    EXPECT_TRUE(AnsweredInline("mcp-token-warm"));

    // The API URL too, once the key is cached.
    const std::vector<std::string> as_ann{"Authorization: Bearer " +
                                          server_.CreateKey("user", ann_)};
    auto first = as_ann;
    first.emplace_back("X-Request-Id: mcp-api-first");
    ASSERT_EQ(Post("/mcp/" + server_id_, call, first).status, 200);
    auto second = as_ann;
    second.emplace_back("X-Request-Id: mcp-api-second");
    const HttpResult by_key = Post("/mcp/" + server_id_, call, second);
    ASSERT_EQ(by_key.status, 200) << by_key.body;
    EXPECT_EQ(ToolJson(by_key), ToolJson(cold));
    EXPECT_TRUE(AnsweredInline("mcp-api-second"));
}

// What always needs the store (a session), or must not run twice (a tool that writes), goes to
// the pool from the start, warm cache or not, and is answered as before.
TEST_F(McpTest, SessionsAndWritingToolsAreAnsweredFromThePool) {
    ASSERT_EQ(Post(token_path_, std::string(kListConnectors)).status, 200);  // warms the cache
    const HttpResult opened =
        Rpc("initialize", R"({"protocolVersion":"2025-06-18"})", {"X-Request-Id: mcp-initialize"});
    ASSERT_EQ(opened.status, 200) << opened.body;
    const std::string session = opened.Header("mcp-session-id").value_or("");
    ASSERT_FALSE(session.empty());
    const HttpResult in_session =
        Rpc("tools/list", "{}", {"Mcp-Session-Id: " + session, "X-Request-Id: mcp-in-session"});
    EXPECT_EQ(in_session.status, 200) << in_session.body;
    const HttpResult create = Rpc(
        "tools/call",
        R"({"name":"create_credential_alloy","arguments":{"connectorId":"slack","authenticationType":"nope"}})",
        {"X-Request-Id: mcp-create-credential"});
    ASSERT_EQ(create.status, 200) << create.body;
    EXPECT_TRUE(create.Json().at("result").at("isError").as_bool()) << create.body;
    const HttpResult warm =
        Post(token_path_, std::string(kListConnectors), {"X-Request-Id: mcp-after-pool"});
    EXPECT_EQ(warm.status, 200);

    EXPECT_FALSE(AnsweredInline("mcp-initialize"));
    EXPECT_FALSE(AnsweredInline("mcp-in-session"));
    EXPECT_FALSE(AnsweredInline("mcp-create-credential"));
    EXPECT_TRUE(AnsweredInline("mcp-after-pool"));  // the cache was warm all along
}

// A server updated, rotated or deleted through this node: the very next request sees it,
// although the row was cached and the requests before were answered on the IO thread.
TEST_F(McpTest, ServerChangesApplyToTheNextRequest) {
    const std::string call(kListConnectors);
    const auto connectors = [&](const std::string& path, const std::string& request_id) {
        const HttpResult listed = Post(path, call, {"X-Request-Id: " + request_id});
        EXPECT_EQ(listed.status, 200) << listed.body;
        return boost::json::serialize(ToolJson(listed));
    };
    ASSERT_NE(connectors(token_path_, "mcp-change-1").find(R"("notion")"), std::string::npos);
    ASSERT_NE(connectors(token_path_, "mcp-change-2").find(R"("notion")"), std::string::npos);
    EXPECT_TRUE(AnsweredInline("mcp-change-2"));

    const std::string server_path = "/api/servers/" + server_id_;
    ASSERT_EQ(ManageAsAnn(
                  "PUT",
                  server_path,
                  R"({"restrictions":{"connectors":{"mode":"allowlist","allowedIds":["slack"]}}})")
                  .status,
              200);
    for (const std::string request_id : {"mcp-change-3", "mcp-change-4"}) {
        const std::string restricted = connectors(token_path_, request_id);
        EXPECT_EQ(restricted.find(R"("notion")"), std::string::npos) << restricted;
        EXPECT_NE(restricted.find(R"("slack")"), std::string::npos) << restricted;
    }
    EXPECT_TRUE(AnsweredInline("mcp-change-4"));  // the new restrictions, served from memory

    const HttpResult rotated = ManageAsAnn("POST", server_path + "/rotate-token");
    ASSERT_EQ(rotated.status, 200) << rotated.body;
    const std::string new_path =
        "/mcp/" + server_id_ + "/" + std::string(rotated.Json().at("accessToken").as_string());
    const HttpResult old_token = Post(token_path_, call);
    EXPECT_EQ(old_token.status, 401) << old_token.body;
    EXPECT_EQ(old_token.ErrorCode(), "UNAUTHORIZED");
    EXPECT_NE(connectors(new_path, "mcp-change-5").find(R"("slack")"), std::string::npos);
    EXPECT_NE(connectors(new_path, "mcp-change-6").find(R"("slack")"), std::string::npos);
    EXPECT_TRUE(AnsweredInline("mcp-change-6"));

    ASSERT_EQ(ManageAsAnn("DELETE", server_path).status, 200);
    EXPECT_EQ(Post(new_path, call).status, 401);
}

TEST_F(McpTest, RateLimitHeadersAccompanyMcpAnswers) {
    const HttpResult answer = Rpc("ping");
    EXPECT_EQ(answer.Header("ratelimit-limit").value_or(""), "10000");
}

}  // namespace
}  // namespace junction
