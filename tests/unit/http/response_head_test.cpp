#include "junction/http/response_head.hpp"

#include <string>

#include <gtest/gtest.h>

namespace junction::http {
namespace {

HttpResponse WithHeaders(int status, Headers headers) {
    HttpResponse response;
    response.status = status;
    response.headers = std::move(headers);
    return response;
}

TEST(FormatResponseHeadTest, WritesStatusHandlerHeadersRequestIdAndLength) {
    const HttpResponse response =
        WithHeaders(201, {{"content-type", "application/json"}, {"RateLimit-Limit", "100"}});

    const std::string head =
        FormatResponseHead(response, {.version = 11, .request_id = "01REQ", .content_length = 54});

    EXPECT_EQ(head,
              "HTTP/1.1 201 Created\r\n"
              "content-type: application/json\r\n"
              "RateLimit-Limit: 100\r\n"
              "X-Request-Id: 01REQ\r\n"
              "Content-Length: 54\r\n"
              "\r\n");
}

TEST(FormatResponseHeadTest, ConnectionHeaderFollowsVersionAndKeepAlive) {
    const HttpResponse response = WithHeaders(200, {});

    EXPECT_EQ(
        FormatResponseHead(response, {.version = 11, .request_id = "r", .keep_alive = false}),
        "HTTP/1.1 200 OK\r\nX-Request-Id: r\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(FormatResponseHead(response, {.version = 10, .request_id = "r", .keep_alive = true}),
              "HTTP/1.0 200 OK\r\nX-Request-Id: r\r\nConnection: keep-alive\r\n"
              "Content-Length: 0\r\n\r\n");
    EXPECT_EQ(FormatResponseHead(response, {.version = 10, .request_id = "r", .keep_alive = false}),
              "HTTP/1.0 200 OK\r\nX-Request-Id: r\r\nContent-Length: 0\r\n\r\n");
}

TEST(FormatResponseHeadTest, ChunkedFramingReplacesContentLength) {
    const HttpResponse response = WithHeaders(200, {{"content-type", "text/event-stream"}});

    const std::string head = FormatResponseHead(response,
                                                {.request_id = "r",
                                                 .keep_alive = false,
                                                 .framing = BodyFraming::kChunked,
                                                 .content_length = 99});

    EXPECT_EQ(head,
              "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nX-Request-Id: r\r\n"
              "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n");
}

TEST(FormatResponseHeadTest, NoContentAndNotModifiedCarryNoLength) {
    EXPECT_EQ(FormatResponseHead(WithHeaders(204, {}), {.request_id = "r"}),
              "HTTP/1.1 204 No Content\r\nX-Request-Id: r\r\n\r\n");
    EXPECT_EQ(FormatResponseHead(WithHeaders(304, {}), {.request_id = "r"}),
              "HTTP/1.1 304 Not Modified\r\nX-Request-Id: r\r\n\r\n");
}

TEST(FormatResponseHeadTest, LaterHeaderOfTheSameNameWinsWhateverItsCase) {
    const HttpResponse response = WithHeaders(
        200, {{"Cache-Control", "no-store"}, {"vary", "a"}, {"cache-control", "max-age=5"}});

    const std::string head = FormatResponseHead(response, {.request_id = "r", .content_length = 1});

    EXPECT_EQ(head,
              "HTTP/1.1 200 OK\r\nvary: a\r\ncache-control: max-age=5\r\nX-Request-Id: r\r\n"
              "Content-Length: 1\r\n\r\n");
}

TEST(FormatResponseHeadTest, ServerOwnedHeadersComeOnlyFromTheServer) {
    const HttpResponse response = WithHeaders(200,
                                              {{"Content-Length", "999"},
                                               {"transfer-encoding", "chunked"},
                                               {"connection", "upgrade"},
                                               {"x-request-id", "spoofed"}});

    const std::string head = FormatResponseHead(response, {.request_id = "r", .content_length = 3});

    EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nX-Request-Id: r\r\nContent-Length: 3\r\n\r\n");
}

TEST(FormatResponseHeadTest, HeadersThatCouldSplitTheResponseAreDropped) {
    const HttpResponse response = WithHeaders(200,
                                              {{"x-ok", "fine"},
                                               {"x-split", "a\r\nSet-Cookie: evil=1"},
                                               {"x-lf", "a\nb"},
                                               {std::string("x-nul"), std::string("a\0b", 3)},
                                               {"bad name", "v"},
                                               {"bad:name", "v"},
                                               {"", "v"}});

    const std::string head = FormatResponseHead(response, {.request_id = "r", .content_length = 0});

    EXPECT_EQ(head,
              "HTTP/1.1 200 OK\r\nx-ok: fine\r\nX-Request-Id: r\r\nContent-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace junction::http
