// Transport limits, routing and envelopes of API.md §1.4 and §1.7, over real sockets.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "junction/testing/http_client.hpp"
#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::SendRaw;
using testing::TestServer;
using testing::TestServerOptions;

class HttpLimitsTest : public ::testing::Test {
protected:
    std::vector<std::string> JsonHeaders() const {
        auto headers = server_.AdminHeaders();
        headers.emplace_back("Content-Type: application/json");
        return headers;
    }
    std::size_t UserCount() {
        return server_.Client()
            .Send("GET", "/users", server_.AdminHeaders())
            .Json()
            .at("data")
            .as_array()
            .size();
    }
    std::string RawRequest(const std::string& method,
                           const std::string& target,
                           const std::string& extra_headers,
                           const std::string& body = "") const {
        return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
               server_.AdminKey() + "\r\nx-api-version: 2025-09\r\n" + extra_headers +
               (body.empty() ? ""
                             : "Content-Type: application/json\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\n") +
               "\r\n" + body;
    }

    TestServer server_;
};

std::string StatusLine(const std::string& response) {
    return response.substr(0, response.find("\r\n"));
}

std::string Body(const std::string& response) {
    const std::size_t split = response.find("\r\n\r\n");
    return split == std::string::npos ? "" : response.substr(split + 4);
}

TEST_F(HttpLimitsTest, UnknownPathIsNotFound) {
    const auto response = server_.Client().Send("GET", "/no/such/thing", server_.AdminHeaders());
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.ErrorCode(), "NOT_FOUND");
    EXPECT_EQ(response.ErrorMessage(), "No such endpoint");
}

TEST_F(HttpLimitsTest, WrongMethodIsNotAllowedWithAllow) {
    const auto response = server_.Client().Send("PATCH", "/users", server_.AdminHeaders());
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(response.ErrorCode(), "METHOD_NOT_ALLOWED");
    EXPECT_EQ(response.Header("allow"), "POST, GET");
    const auto item = server_.Client().Send("POST", "/users/abc", server_.AdminHeaders());
    EXPECT_EQ(item.status, 405);
    EXPECT_EQ(item.Header("allow"), "GET, PUT, DELETE");
}

TEST_F(HttpLimitsTest, NonJsonContentTypeIsUnsupported) {
    const std::size_t before = UserCount();
    auto headers = server_.AdminHeaders();
    headers.emplace_back("Content-Type: text/plain");
    const auto response = server_.Client().Send("POST", "/users", headers, R"({"username":"x"})");
    EXPECT_EQ(response.status, 415);
    EXPECT_EQ(response.ErrorCode(), "UNSUPPORTED_MEDIA_TYPE");
    EXPECT_EQ(response.ErrorMessage(), "Content-Type must be application/json");
    JUNCTION_EXPECT_SPEC("POST", "/users", response);
    headers.back() = "Content-Type: application/json; charset=utf-8";
    EXPECT_EQ(server_.Client().Send("POST", "/users", headers, R"({"username":"charset"})").status,
              200);
    EXPECT_EQ(UserCount(), before + 1);
}

TEST_F(HttpLimitsTest, EmptyBodyIsRejected) {
    const auto response = server_.Client().Send("POST", "/users", JsonHeaders(), "");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.ErrorMessage(), "Request body is required");
}

TEST_F(HttpLimitsTest, DeepJsonIsRejected) {
    const std::size_t before = UserCount();
    const std::string deep = std::string(65, '[') + std::string(65, ']');
    const auto response = server_.Client().Send("POST", "/users", JsonHeaders(), deep);
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.ErrorCode(), "INVALID_REQUEST");
    EXPECT_EQ(response.ErrorMessage().rfind("JSON nesting exceeds 64 levels", 0), 0U)
        << response.ErrorMessage();
    const std::string ok_depth =
        R"({"username":"deep-ok","x":)" + std::string(62, '[') + std::string(62, ']') + "}";
    EXPECT_EQ(server_.Client().Send("POST", "/users", JsonHeaders(), ok_depth).status, 200);
    EXPECT_EQ(UserCount(), before + 1);
}

TEST_F(HttpLimitsTest, LongArraysAreRejected) {
    std::string items = "0";
    for (int i = 1; i < 1001; ++i) {
        items += ",0";
    }
    const auto response = server_.Client().Send(
        "POST", "/users", JsonHeaders(), R"({"username":"arr","x":[)" + items + "]}");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.ErrorMessage().rfind("JSON array exceeds 1000 items", 0), 0U)
        << response.ErrorMessage();
    EXPECT_EQ(server_.Client().Send("GET", "/users/arr", server_.AdminHeaders()).status, 404);
}

TEST_F(HttpLimitsTest, DuplicateKeysAreRejected) {
    const auto response = server_.Client().Send(
        "POST", "/users", JsonHeaders(), R"({"username":"a","username":"b"})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.ErrorMessage(), "Duplicate JSON object key 'username' at line 1, column 26");
    EXPECT_EQ(server_.Client().Send("GET", "/users/a", server_.AdminHeaders()).status, 404);
    EXPECT_EQ(server_.Client().Send("GET", "/users/b", server_.AdminHeaders()).status, 404);
}

TEST_F(HttpLimitsTest, OversizedBodyIsRejectedByContentLength) {
    const std::size_t before = UserCount();
    const std::string body =
        R"({"username":"big","pad":")" + std::string(10 * 1024 * 1024, 'x') + R"("})";
    const auto response = server_.Client().Send("POST", "/users", JsonHeaders(), body);
    EXPECT_EQ(response.status, 413);
    EXPECT_EQ(response.ErrorCode(), "PAYLOAD_TOO_LARGE");
    EXPECT_EQ(response.ErrorMessage(), "Request body exceeds 10485760 bytes");
    EXPECT_EQ(response.Json().at("error").at("details").at("limitBytes").as_int64(), 10485760);
    JUNCTION_EXPECT_SPEC("POST", "/users", response);
    EXPECT_EQ(UserCount(), before);
}

TEST_F(HttpLimitsTest, OversizedChunkedBodyIsRejectedWhileReading) {
    const std::string chunk(1024 * 1024, 'x');
    std::string raw = "POST /users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                      server_.AdminKey() +
                      "\r\nx-api-version: 2025-09\r\nContent-Type: "
                      "application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", chunk.size());
    for (int i = 0; i < 11; ++i) {
        raw += size + chunk + "\r\n";
    }
    raw += "0\r\n\r\n";
    const std::string response = SendRaw(server_.Port(), raw);
    EXPECT_EQ(StatusLine(response), "HTTP/1.1 413 Payload Too Large");
    EXPECT_NE(Body(response).find("PAYLOAD_TOO_LARGE"), std::string::npos);
}

TEST_F(HttpLimitsTest, ExactlyTheBodyLimitIsAccepted) {
    std::string body = R"({"username":"at-limit","pad":")";
    body += std::string(10 * 1024 * 1024 - body.size() - 2, 'x') + R"("})";
    ASSERT_EQ(body.size(), 10U * 1024 * 1024);
    EXPECT_EQ(server_.Client().Send("POST", "/users", JsonHeaders(), body).status, 200);
}

TEST_F(HttpLimitsTest, LongTargetIsUriTooLong) {
    const auto response =
        server_.Client().Send("GET", "/users?x=" + std::string(9000, 'a'), server_.AdminHeaders());
    EXPECT_EQ(response.status, 414);
    EXPECT_EQ(response.ErrorCode(), "URI_TOO_LONG");
    EXPECT_EQ(response.ErrorMessage(), "Request target exceeds 8192 bytes");
    const auto huge =
        SendRaw(server_.Port(), RawRequest("GET", "/users?x=" + std::string(40000, 'a'), ""));
    EXPECT_EQ(StatusLine(huge), "HTTP/1.1 414 URI Too Long");
}

TEST_F(HttpLimitsTest, OversizedHeadersAreRejected) {
    auto one = server_.AdminHeaders();
    one.push_back("X-Big: " + std::string(8200, 'a'));
    const auto single = server_.Client().Send("GET", "/users", one);
    EXPECT_EQ(single.status, 431);
    EXPECT_EQ(single.ErrorCode(), "HEADERS_TOO_LARGE");
    EXPECT_EQ(single.ErrorMessage(), "Request header 'X-Big' exceeds 8192 bytes");

    auto total = server_.AdminHeaders();
    for (int i = 0; i < 3; ++i) {
        total.push_back("X-Part-" + std::to_string(i) + ": " + std::string(6000, 'a'));
    }
    const auto summed = server_.Client().Send("GET", "/users", total);
    EXPECT_EQ(summed.status, 431);
    EXPECT_EQ(summed.ErrorMessage(), "Request headers exceed 16384 bytes");

    auto many = server_.AdminHeaders();
    for (int i = 0; i < 101; ++i) {
        many.push_back("X-H" + std::to_string(i) + ": v");
    }
    const auto counted = server_.Client().Send("GET", "/users", many);
    EXPECT_EQ(counted.status, 431);
    EXPECT_EQ(counted.ErrorMessage(), "More than 100 request headers");

    const auto flood =
        SendRaw(server_.Port(),
                RawRequest("GET", "/users", "X-Flood: " + std::string(40000, 'a') + "\r\n"));
    EXPECT_EQ(StatusLine(flood), "HTTP/1.1 431 Request Header Fields Too Large");
}

TEST_F(HttpLimitsTest, MalformedHttpIsABadRequest) {
    const auto response = SendRaw(server_.Port(), "NOT A REQUEST\r\n\r\n");
    EXPECT_EQ(StatusLine(response), "HTTP/1.1 400 Bad Request");
    EXPECT_NE(Body(response).find("Malformed HTTP request"), std::string::npos);
}

// Issue 18: a bad chunk size made the server answer 400 and then corrupt its heap (a temporary
// Error inside a co_await, which GCC 12 destroys early); the second to fourth such request
// crashed the process. Every bad framing is sent several times; the server must answer each
// with 400 and still serve a normal request after all of them.
TEST_F(HttpLimitsTest, MalformedChunkedBodiesNeverCrashTheServer) {
    const std::vector<std::string> bad_chunks = {
        "zz\r\n\r\n",
        "-2\r\nab\r\n0\r\n\r\n",
        "ffffffffffffffffff\r\nab\r\n0\r\n\r\n",
        "2\r\nabXY0\r\n\r\n",
        "2;\x01=\r\nab\r\n0\r\n\r\n",
        "0\r\nbad trailer\r\n\r\n",
    };
    for (int round = 0; round < 4; ++round) {
        for (const auto& chunks : bad_chunks) {
            for (const char* target : {"/healthz", "/users"}) {
                const std::string raw = std::string("POST ") + target +
                                        " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                                        "chunked\r\nContent-Type: application/json\r\n\r\n" +
                                        chunks;
                const std::string response = SendRaw(server_.Port(), raw);
                EXPECT_EQ(StatusLine(response), "HTTP/1.1 400 Bad Request") << chunks;
            }
        }
    }
    const auto health = server_.Client().Send("GET", "/healthz", {});
    EXPECT_EQ(health.status, 200);
}

TEST_F(HttpLimitsTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    const std::string request = RawRequest("GET", "/users", "");
    const std::string closing = RawRequest("GET", "/healthz", "Connection: close\r\n");
    const std::string response = SendRaw(server_.Port(), request + request + closing);
    std::size_t count = 0;
    for (std::size_t pos = response.find("HTTP/1.1 200 OK"); pos != std::string::npos;
         pos = response.find("HTTP/1.1 200 OK", pos + 1)) {
        ++count;
    }
    EXPECT_EQ(count, 3U);
}

TEST_F(HttpLimitsTest, ExpectContinueIsHonoured) {
    const std::string body = R"({"username":"continued"})";
    const std::string raw =
        "POST /users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + server_.AdminKey() +
        "\r\nx-api-version: 2025-09\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    // The head alone: the client waits for the 100 before it sends the body. (A body sent
    // with the head is simply read: RFC 9110 §10.1.1 lets the server skip the 100 then.)
    testing::RawConnection connection(server_.Port());
    ASSERT_TRUE(connection.Send(raw));
    const std::string interim = connection.ReadUntil("\r\n\r\n", std::chrono::seconds(10));
    EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
    ASSERT_TRUE(connection.Send(body));
    const std::string response = connection.ReadUntil("continued", std::chrono::seconds(10));
    EXPECT_EQ(response.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", 0), 0U)
        << response.substr(0, 200);
}

TEST_F(HttpLimitsTest, RequestIdsAreEchoedOrGenerated) {
    auto headers = server_.AdminHeaders();
    headers.emplace_back("X-Request-Id: my-trace.id_42");
    EXPECT_EQ(server_.Client().Send("GET", "/users", headers).Header("x-request-id"),
              "my-trace.id_42");

    headers.back() = "X-Request-Id: bad id with spaces";
    const auto replaced = server_.Client().Send("GET", "/users", headers).Header("x-request-id");
    ASSERT_TRUE(replaced.has_value());
    EXPECT_EQ(replaced->size(), 26U);  // a ULID
    const auto error = server_.Client().Send("GET", "/nothing");
    EXPECT_EQ(error.Header("x-request-id")->size(), 26U);
}

TEST_F(HttpLimitsTest, AccessLogHasOneJsonLinePerRequestWithoutSecrets) {
    auto headers = server_.AdminHeaders();
    headers.emplace_back("X-Request-Id: access-log-probe");
    headers.emplace_back("X-Custom-Secret: header-value-never-logged");
    (void)server_.Client().Send("GET", "/users", headers);
    const std::string log = server_.WaitForLog(R"("request_id":"access-log-probe")");
    const auto line_start = log.find(R"("request_id":"access-log-probe")");
    ASSERT_NE(line_start, std::string::npos) << log;
    const std::string line =
        log.substr(log.rfind('\n', line_start) + 1,
                   log.find('\n', line_start) - log.rfind('\n', line_start) - 1);
    EXPECT_NE(line.find(R"("msg":"request")"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("route":"/users")"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("status":200)"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("duration_ms":)"), std::string::npos) << line;
    EXPECT_EQ(log.find("header-value-never-logged"), std::string::npos);
    EXPECT_EQ(log.find(server_.AdminKey()), std::string::npos);
}

TEST_F(HttpLimitsTest, CorsIsOffByDefault) {
    const auto preflight = server_.Client().Send(
        "OPTIONS",
        "/users",
        {"Origin: https://app.example.com", "Access-Control-Request-Method: GET"});
    EXPECT_EQ(preflight.status, 405);
    EXPECT_FALSE(preflight.Header("access-control-allow-origin").has_value());
    auto headers = server_.AdminHeaders();
    headers.emplace_back("Origin: https://app.example.com");
    EXPECT_FALSE(server_.Client()
                     .Send("GET", "/users", headers)
                     .Header("access-control-allow-origin")
                     .has_value());
}

TEST(SlowClientTest, SlowClientsAreCut) {
    // Its own server: a 1 s read timeout would also cut the 10 MiB uploads above on a busy machine.
    TestServer server(
        TestServerOptions{.environment = {{"JUNCTION_HTTP_READ_TIMEOUT_MS", "1000"}}});
    const auto started = std::chrono::steady_clock::now();
    // Headers never finish: the server closes after its read timeout (1 s in this test).
    const auto response =
        SendRaw(server.Port(), "GET /users HTTP/1.1\r\nHost: x\r\n", std::chrono::seconds(10));
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(response, "");
    EXPECT_LT(waited, std::chrono::seconds(5));
    EXPECT_GE(waited, std::chrono::milliseconds(900));
}

TEST(SlowClientTest, KeepAliveDeadlineMovesWithEachRequestThenCutsTheIdleConnection) {
    TestServer server(
        TestServerOptions{.environment = {{"JUNCTION_HTTP_READ_TIMEOUT_MS", "1000"}}});
    testing::RawConnection connection(server.Port());
    // 4 requests 600 ms apart: 2.4 s in all, more than the 1 s timeout, so the connection
    // stays open only if each request moved its deadline on.
    for (int i = 0; i < 4; ++i) {
        if (i > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(600));
        }
        const std::string id = "keepalive-" + std::to_string(i);
        ASSERT_TRUE(connection.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + id +
                                    "\r\n\r\n"));
        const std::string received = connection.ReadUntil(id, std::chrono::seconds(5));
        ASSERT_NE(received.find(id), std::string::npos) << "request " << i << ": " << received;
        ASSERT_FALSE(connection.PeerClosed()) << "request " << i;
    }
    const auto idle_since = std::chrono::steady_clock::now();
    (void)connection.ReadUntil("(nothing more is sent)", std::chrono::seconds(10));
    const auto waited = std::chrono::steady_clock::now() - idle_since;
    EXPECT_TRUE(connection.PeerClosed());
    EXPECT_GE(waited, std::chrono::milliseconds(900));
    EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST(CorsTest, ConfiguredOriginsGetPreflightAndHeaders) {
    TestServer server(
        TestServerOptions{.environment = {{"JUNCTION_CORS_ORIGINS", "https://app.example.com"}}});
    const auto preflight = server.Client().Send(
        "OPTIONS",
        "/users",
        {"Origin: https://app.example.com", "Access-Control-Request-Method: POST"});
    EXPECT_EQ(preflight.status, 204);
    EXPECT_EQ(preflight.Header("access-control-allow-origin"), "https://app.example.com");
    EXPECT_EQ(preflight.Header("access-control-allow-methods"), "POST, GET");
    EXPECT_NE(preflight.Header("access-control-allow-headers")->find("x-api-version"),
              std::string::npos);

    auto headers = server.AdminHeaders();
    headers.emplace_back("Origin: https://app.example.com");
    const auto actual = server.Client().Send("GET", "/users", headers);
    EXPECT_EQ(actual.status, 200);
    EXPECT_EQ(actual.Header("access-control-allow-origin"), "https://app.example.com");
    EXPECT_NE(actual.Header("access-control-expose-headers")->find("X-Request-Id"),
              std::string::npos);

    const auto stranger = server.Client().Send(
        "OPTIONS",
        "/users",
        {"Origin: https://evil.example.com", "Access-Control-Request-Method: POST"});
    EXPECT_EQ(stranger.status, 405);
    EXPECT_FALSE(stranger.Header("access-control-allow-origin").has_value());
}

}  // namespace
}  // namespace junction
