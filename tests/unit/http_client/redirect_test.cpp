#include "junction/http_client/redirect.hpp"

#include <gtest/gtest.h>

namespace junction::http_client {
namespace {

OutboundRequest Post(std::string url) {
    return OutboundRequest{.method = "POST",
                           .url = std::move(url),
                           .headers = {{"Content-Type", "application/json"},
                                       {"Authorization", "Bearer secret"},
                                       {"X-Trace", "1"}},
                           .body = R"({"a":1})"};
}

TEST(RedirectTest, OnlyTheFiveRedirectStatusesAreFollowable) {
    for (const int status : {301, 302, 303, 307, 308}) {
        EXPECT_TRUE(IsFollowableRedirect(status)) << status;
    }
    for (const int status : {200, 300, 304, 305, 306, 309, 400}) {
        EXPECT_FALSE(IsFollowableRedirect(status)) << status;
    }
}

TEST(RedirectTest, SeeOtherTurnsPostIntoGetWithoutBody) {
    OutboundRequest request = Post("https://api.example.com/v1/items");
    ASSERT_TRUE(ApplyRedirect(request, 303, "/v1/items/7").has_value());
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.url, "https://api.example.com/v1/items/7");
    EXPECT_TRUE(request.body.empty());
    ASSERT_EQ(request.headers.size(), 2U);  // Content-Type dropped, same origin keeps the rest
    EXPECT_EQ(request.headers[0].first, "Authorization");
    EXPECT_EQ(request.headers[1].first, "X-Trace");
}

TEST(RedirectTest, MovedAndFoundTurnPostIntoGetButKeepOtherMethods) {
    for (const int status : {301, 302}) {
        OutboundRequest post = Post("https://api.example.com/a");
        ASSERT_TRUE(ApplyRedirect(post, status, "b").has_value());
        EXPECT_EQ(post.method, "GET");
        EXPECT_EQ(post.url, "https://api.example.com/b");
        OutboundRequest put = Post("https://api.example.com/a");
        put.method = "PUT";
        ASSERT_TRUE(ApplyRedirect(put, status, "b").has_value());
        EXPECT_EQ(put.method, "PUT");
        EXPECT_EQ(put.body, R"({"a":1})");
    }
}

TEST(RedirectTest, TemporaryAndPermanentRedirectKeepMethodAndBody) {
    for (const int status : {307, 308}) {
        OutboundRequest request = Post("https://api.example.com/a?x=1");
        ASSERT_TRUE(
            ApplyRedirect(request, status, "https://api.example.com/c?y=2#frag").has_value());
        EXPECT_EQ(request.method, "POST");
        EXPECT_EQ(request.body, R"({"a":1})");
        EXPECT_EQ(request.url, "https://api.example.com/c?y=2");
        EXPECT_EQ(request.headers.size(), 3U);
    }
}

TEST(RedirectTest, HeadStaysHeadOnSeeOther) {
    OutboundRequest request{.method = "HEAD", .url = "https://api.example.com/a"};
    ASSERT_TRUE(ApplyRedirect(request, 303, "/b").has_value());
    EXPECT_EQ(request.method, "HEAD");
}

TEST(RedirectTest, CrossOriginDropsCredentials) {
    OutboundRequest request = Post("https://api.example.com/a");
    request.headers.emplace_back("cookie", "s=1");
    request.headers.emplace_back("Proxy-Authorization", "Basic x");
    ASSERT_TRUE(ApplyRedirect(request, 307, "https://other.example.com/a").has_value());
    ASSERT_EQ(request.headers.size(), 2U);
    EXPECT_EQ(request.headers[0].first, "Content-Type");
    EXPECT_EQ(request.headers[1].first, "X-Trace");

    OutboundRequest port_change = Post("https://api.example.com/a");
    ASSERT_TRUE(ApplyRedirect(port_change, 307, "https://api.example.com:8443/a").has_value());
    EXPECT_EQ(port_change.headers.size(), 2U);
}

// Whatever header or query parameter the credential placed (an API key in X-Api-Key or in
// `?api_key=`) stays with its origin: only a same-origin hop carries it.
TEST(RedirectTest, CrossOriginDropsWhatTheCredentialPlaced) {
    OutboundRequest request{.method = "GET",
                            .url = "https://api.example.com/a?api_key=k1",
                            .headers = {{"X-Api-Key", "k1"}, {"X-Tenant", "t"}},
                            .credential_headers = {"x-api-key"},
                            .credential_query = {"api_key"}};
    OutboundRequest same = request;
    ASSERT_TRUE(ApplyRedirect(same, 302, "/b?api_key=k1&page=2").has_value());
    EXPECT_EQ(same.url, "https://api.example.com/b?api_key=k1&page=2");
    ASSERT_EQ(same.headers.size(), 2U);
    EXPECT_EQ(same.headers[0].first, "X-Api-Key");

    ASSERT_TRUE(
        ApplyRedirect(request, 302, "https://cdn.example.net/b?api_key=k1&page=2").has_value());
    EXPECT_EQ(request.url, "https://cdn.example.net/b?page=2");
    ASSERT_EQ(request.headers.size(), 1U);
    EXPECT_EQ(request.headers[0].first, "X-Tenant");
}

TEST(RedirectTest, InvalidLocationIsRedirectDenied) {
    for (const char* location : {"", "http://exa mple.com/", "https://[::1/"}) {
        OutboundRequest request = Post("https://api.example.com/a");
        const auto applied = ApplyRedirect(request, 302, location);
        ASSERT_FALSE(applied.has_value()) << location;
        EXPECT_EQ(applied.error().code, ErrorCode::kUpstreamError);
        EXPECT_EQ(applied.error().message, "Upstream redirect is invalid");
        EXPECT_EQ(applied.error().extra.at("reason"), "redirect_denied");
        EXPECT_EQ(request.url, "https://api.example.com/a");
    }
}

}  // namespace
}  // namespace junction::http_client
