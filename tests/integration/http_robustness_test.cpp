// Hostile and malformed raw requests against a running server (issue 18): each gets the
// answer the table says (or, where the outcome is not determinate, any answer or none), and a
// normal request on a new connection still succeeds after it. The suite runs under ASan and
// UBSan, so a memory error anywhere in the parse-and-answer path fails it. Malformed chunk
// sizes are http_limits_test's MalformedChunkedBodiesNeverCrashTheServer.
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "junction/core/ascii.hpp"
#include "junction/testing/http_client.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::RawConnection;
using testing::SendRaw;
using testing::TestServer;
using testing::TestServerOptions;

// The status of each complete response in `received`, in order (a pipeline's answers follow
// one another on the connection; each has a Content-Length).
std::vector<int> Statuses(const std::string& received) {
    std::vector<int> statuses;
    std::size_t at = 0;
    while (at < received.size()) {
        const std::size_t head_end = received.find("\r\n\r\n", at);
        if (head_end == std::string::npos || received.compare(at, 7, "HTTP/1.") != 0 ||
            head_end - at < 12) {
            statuses.push_back(-1);  // not an HTTP response: the test shows it
            break;
        }
        statuses.push_back(std::stoi(received.substr(at + 9, 3)));
        const std::string head = AsciiLowercase(received.substr(at, head_end - at));
        std::size_t body = 0;
        if (const std::size_t length = head.find("\r\ncontent-length: ");
            length != std::string::npos) {
            body = std::stoul(head.substr(length + 18));
        }
        at = head_end + 4 + body;
    }
    return statuses;
}

struct HostileRequest {
    const char* name;
    std::string raw;
    // The statuses of the answers, in order; empty: the server closes without an answer;
    // nullopt: not determinate (only the server's survival is checked).
    std::optional<std::vector<int>> statuses;
};

// A literal's bytes, NULs included.
template <std::size_t N>
std::string Bytes(const char (&text)[N]) {
    return std::string(text, N - 1);
}

std::string Repeat(const std::string& text, std::size_t times) {
    std::string repeated;
    repeated.reserve(text.size() * times);
    for (std::size_t i = 0; i < times; ++i) {
        repeated += text;
    }
    return repeated;
}

const std::string kHealth = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string kHealthClose = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

std::string Chunked(const std::string& chunks) {
    return "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Transfer-Encoding: chunked\r\n\r\n" +
           chunks;
}

std::string Post(const std::string& framing, const std::string& body) {
    return "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + framing +
           "\r\n" + body;
}

std::vector<HostileRequest> HostileRequests() {
    std::vector<HostileRequest> requests = {
        // Chunked bodies (the bad chunk sizes of issue 18 are in http_limits_test).
        {"chunk size with a plus sign", Chunked("+5\r\nhello\r\n0\r\n\r\n"), {{400}}},
        {"chunk size in 0x form", Chunked("0x5\r\nhello\r\n0\r\n\r\n"), {{400}}},
        {"chunk size past the body limit", Chunked("ffffffffffffffff\r\nab\r\n0\r\n\r\n"), {{413}}},
        // Beast waits for a CRLF that never comes: cut by the read timeout.
        {"chunks with bare LF", Chunked("2\n{}\n0\n\n"), {{}}},
        // Beast would buffer the line whole: the server's read buffer is bounded.
        {"a 1 MB chunk extension",
         Chunked("2;" + Repeat("a=b;", 250'000) + "x\r\n{}\r\n0\r\n\r\n"),
         {{400}}},
        {"last chunk never sent", Chunked("2\r\n{}\r\n"), {{}}},
        // Content-Length and Transfer-Encoding.
        {"Content-Length then Transfer-Encoding",
         Post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
         {{400}}},
        {"Transfer-Encoding then Content-Length",
         Post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"),
         {{400}}},
        {"two different Content-Lengths",
         Post("Content-Length: 2\r\nContent-Length: 3\r\n", "{}x"),
         {{400}}},
        {"a Content-Length list that disagrees", Post("Content-Length: 2, 3\r\n", "{}x"), {{400}}},
        {"two equal Content-Lengths (one length: read, then 401 for want of a key)",
         Post("Content-Length: 2\r\nContent-Length: 2\r\n", "{}"),
         {{401}}},
        {"negative Content-Length", Post("Content-Length: -2\r\n", "{}"), {{400}}},
        {"Content-Length past 2^64",
         Post("Content-Length: 99999999999999999999\r\n", "{}"),
         {{400}}},
        {"Content-Length with a sign", Post("Content-Length: +2\r\n", "{}"), {{400}}},
        {"Content-Length not a number", Post("Content-Length: 2abc\r\n", "{}"), {{400}}},
        {"empty Content-Length", Post("Content-Length: \r\n", "{}"), {{400}}},
        {"Content-Length past every limit",
         Post("Content-Length: 1000000000000\r\n", "{}"),
         {{413}}},
        {"Content-Length longer than what is sent", Post("Content-Length: 10\r\n", "{}"), {{}}},
        {"Transfer-Encoding gzip (no knowable length)",
         Post("Transfer-Encoding: gzip\r\n", "{}" + kHealth),
         {{400}}},
        {"Transfer-Encoding chunked, gzip",
         Post("Transfer-Encoding: chunked, gzip\r\n", "2\r\n{}\r\n0\r\n\r\n"),
         {{400}}},
        {"Transfer-Encoding xchunked", Post("Transfer-Encoding: xchunked\r\n", "{}"), {{400}}},
        {"Transfer-Encoding twice",
         Post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
         {{400}}},
        {"Transfer-Encoding in HTTP/1.0",
         "POST /users HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: "
         "chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
         {{400}}},
        // Pipelines.
        {"pipeline of ten", Repeat(kHealth, 9) + kHealthClose, std::vector<int>(10, 200)},
        {"pipeline with a bad request in the middle",
         kHealth + "NOT A REQUEST\r\n\r\n" + kHealth,
         {{200, 400}}},
        {"pipeline with an oversized body in the middle",
         kHealth + Post("Content-Length: 1000000000000\r\n", "{}") + kHealth,
         {{200, 413}}},
        {"pipeline after a body", Post("Content-Length: 2\r\n", "{}") + kHealthClose, {{401, 200}}},
        // Headers.
        {"150 headers",
         "GET /healthz HTTP/1.1\r\nHost: x\r\n" + Repeat("X-Flood: 1\r\n", 150) + "\r\n",
         {{431}}},
        {"20,000 headers",
         "GET /healthz HTTP/1.1\r\nHost: x\r\n" + Repeat("X-Flood: 1\r\n", 20'000) + "\r\n",
         {{431}}},
        {"a 1 MB header line",
         "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1024 * 1024, 'a') + "\r\n\r\n",
         {{431}}},
        {"a 1 MB request target",
         "GET /healthz?" + std::string(1024 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
         {{414}}},
        {"NUL in a header value",
         Bytes("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"),
         {{400}}},
        {"NUL in a header name",
         Bytes("GET /healthz HTTP/1.1\r\nHost: x\r\nX-\0A: b\r\n\r\n"),
         {{400}}},
        {"CR in a header value", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", {{400}}},
        {"space before the colon", "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", {{400}}},
        {"empty header name", "GET /healthz HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n", {{400}}},
        {"bare LF line endings", "GET /healthz HTTP/1.1\nHost: x\n\n", {{400}}},
        {"obs-fold (unfolded into a space)",
         "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\nConnection: close\r\n\r\n",
         {{200}}},
        {"obs-text in a value",
         "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: \xc3\xa9\xff\r\nConnection: close\r\n\r\n",
         {{200}}},
        // Request lines.
        {"absolute-form target",
         "GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
         {{200}}},
        {"absolute-form without a path",
         "GET https://example.com HTTP/1.1\r\nHost: x\r\n\r\n",
         {{404}}},
        {"asterisk target", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", {{404}}},
        {"asterisk target on GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", {{404}}},
        {"HTTP/0.9 request line", "GET /healthz\r\n\r\n", {{400}}},
        {"HTTP/2.0 request line", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", {{400}}},
        {"HTTP/2 connection preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {{400}}},
        {"HTTP/1.0", "GET /healthz HTTP/1.0\r\n\r\n", {{200}}},
        {"lowercase version", "GET /healthz http/1.1\r\nHost: x\r\n\r\n", {{400}}},
        {"two spaces in the request line", "GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n", {{400}}},
        {"unknown method", "BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", {{405}}},
        {"a 30 KB method",
         std::string(30'000, 'G') + " /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
         {{414}}},
        {"an empty line, then nothing", "\r\n\r\n", std::nullopt},
        {"binary garbage", Bytes("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), {{400}}},
        // Upgrades and tunnels: served as plain HTTP/1.1, never switched.
        {"WebSocket upgrade",
         "GET /healthz HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
         {{200}}},
        {"h2c upgrade",
         "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
         "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
         {{200}}},
        {"CONNECT", "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n", {{404}}},
        {"CONNECT then bytes for the tunnel",
         "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n" +
             Bytes("\x16\x03\x01\x00\x05hello"),
         {{404, 400}}},
        {"Expect 100-continue with a body past the limit",
         Post("Expect: 100-continue\r\nContent-Length: 1000000000000\r\n", ""),
         {{413}}},
    };
    return requests;
}

class HttpRobustnessTest : public ::testing::Test {
protected:
    // A short read timeout: requests that never finish are cut within a second.
    TestServer server_{
        TestServerOptions{.environment = {{"JUNCTION_HTTP_READ_TIMEOUT_MS", "1000"}}}};

    void ExpectHealthy(const std::string& after) {
        const auto health = server_.Client().Send("GET", "/healthz");
        EXPECT_EQ(health.status, 200) << "after: " << after;
    }
};

TEST_F(HttpRobustnessTest, EveryHostileRequestGetsItsAnswerAndTheServerCarriesOn) {
    for (const HostileRequest& request : HostileRequests()) {
        SCOPED_TRACE(request.name);
        const std::string received = SendRaw(server_.Port(), request.raw, std::chrono::seconds(5));
        if (request.statuses) {
            EXPECT_EQ(Statuses(received), *request.statuses) << received.substr(0, 300);
        }
        ExpectHealthy(request.name);
    }
}

TEST_F(HttpRobustnessTest, AHeaderTrickledByteByBytePastTheReadTimeoutIsCut) {
    const std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(40, 'a');
    RawConnection connection(server_.Port());
    const auto started = std::chrono::steady_clock::now();
    bool cut = false;
    for (const char byte : head) {
        if (!connection.Send(std::string_view(&byte, 1))) {
            cut = true;
            break;
        }
        (void)connection.ReadUntil("(never)", std::chrono::milliseconds(100));
        if (connection.PeerClosed()) {
            cut = true;
            break;
        }
    }
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(cut);
    // Cut once the head has taken longer than the 1 s read timeout, not later.
    EXPECT_GE(waited, std::chrono::milliseconds(900));
    EXPECT_LT(waited, std::chrono::milliseconds(3000));
    ExpectHealthy("slowloris");
}

TEST_F(HttpRobustnessTest, ABodyTrickledPastTheReadTimeoutIsCut) {
    RawConnection connection(server_.Port());
    ASSERT_TRUE(
        connection.Send("POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        "application/json\r\nContent-Length: 100\r\n\r\n"));
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 40 && !connection.PeerClosed(); ++i) {
        (void)connection.Send(" ");
        (void)connection.ReadUntil("(never)", std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(connection.PeerClosed());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(3000));
    ExpectHealthy("slow body");
}

TEST_F(HttpRobustnessTest, ManySimultaneousHalfRequestsDoNotStopOthers) {
    std::vector<std::unique_ptr<RawConnection>> stalled;
    for (int i = 0; i < 50; ++i) {
        stalled.push_back(std::make_unique<RawConnection>(server_.Port()));
        ASSERT_TRUE(stalled.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: "));
    }
    ExpectHealthy("50 half requests");
    for (auto& connection : stalled) {
        (void)connection->ReadUntil("(never)", std::chrono::milliseconds(3000));
        EXPECT_TRUE(connection->PeerClosed());
    }
    ExpectHealthy("50 half requests cut");
}

}  // namespace
}  // namespace junction
