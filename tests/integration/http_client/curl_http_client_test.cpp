#include "junction/http_client/curl/curl_http_client.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <zlib.h>

#include "junction/http_client/curl/io_context_curl_client.hpp"
#include "junction/http_client/plain/plain_http_client.hpp"
#include "junction/testing/fake_upstream.hpp"
#include "junction/testing/temp_dir.hpp"
#include "junction/testing/test_pki.hpp"

namespace junction::http_client::curl {
namespace {

using testing::FakeUpstream;
using testing::RecordedRequest;
using testing::UpstreamResponse;
using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace)

// Generous bounds only: these machines are noisy.
constexpr auto kPatience = 60s;

EgressPolicy MakePolicy(const std::vector<std::string>& allow_cidrs) {
    auto policy = EgressPolicy::Create(allow_cidrs);
    EXPECT_TRUE(policy.has_value());
    return policy.value_or(EgressPolicy());
}

// The driver with a thread of its own.
struct ThreadDriver {
    static std::unique_ptr<HttpClient> Make(const std::vector<std::string>& allow_cidrs,
                                            CurlHttpClientOptions options = {}) {
        auto client = CurlHttpClient::Create(MakePolicy(allow_cidrs), std::move(options));
        EXPECT_TRUE(client.has_value());
        return client ? std::move(*client) : nullptr;
    }
};

// What a server IO thread runs on its context: curl alone, or (as the server does) the plain
// HTTP client in front of curl.
enum class OnContext { kCurl, kPlainThenCurl };

// A client on a context run by a thread of its own as a server IO thread runs it. Calls from
// the test's thread take the cross-thread path (posted to the context).
class IoContextHarness final : public HttpClient {
public:
    explicit IoContextHarness(EgressPolicy policy,
                              OnContext kind = OnContext::kCurl,
                              CurlHttpClientOptions options = {}) {
        auto client = IoContextCurlClient::Create(ioc_, policy, std::move(options));
        EXPECT_TRUE(client.has_value());
        if (client && kind == OnContext::kPlainThenCurl) {
            client_ = plain::PlainHttpClient::Create(
                ioc_, std::move(policy), plain::PlainHttpClientOptions{}, std::move(*client));
        } else if (client) {
            client_ = std::move(*client);
        }
        thread_ = std::thread([this] { ioc_.run(); });
    }
    IoContextHarness(const IoContextHarness&) = delete;
    IoContextHarness& operator=(const IoContextHarness&) = delete;
    IoContextHarness(IoContextHarness&&) = delete;
    IoContextHarness& operator=(IoContextHarness&&) = delete;
    ~IoContextHarness() override {
        keep_running_.reset();
        ioc_.stop();
        thread_.join();
        client_.reset();  // the context no longer runs, as the client's destructor requires
    }

    void Start(OutboundRequest request, Completion done) override {
        client_->Start(std::move(request), std::move(done));
    }
    [[nodiscard]] bool CompletesOnThisThread() const override {
        return client_->CompletesOnThisThread();
    }
    boost::asio::io_context& Context() { return ioc_; }
    [[nodiscard]] std::thread::id ThreadId() const { return thread_.get_id(); }

private:
    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running_ =
        boost::asio::make_work_guard(ioc_);
    std::unique_ptr<HttpClient> client_;
    std::thread thread_;
};

struct IoContextDriver {
    static constexpr OnContext kKind = OnContext::kCurl;
    static std::unique_ptr<HttpClient> Make(const std::vector<std::string>& allow_cidrs,
                                            CurlHttpClientOptions options = {}) {
        return std::make_unique<IoContextHarness>(
            MakePolicy(allow_cidrs), kKind, std::move(options));
    }
};

struct PlainDriver {
    static constexpr OnContext kKind = OnContext::kPlainThenCurl;
    static std::unique_ptr<HttpClient> Make(const std::vector<std::string>& allow_cidrs,
                                            CurlHttpClientOptions options = {}) {
        return std::make_unique<IoContextHarness>(
            MakePolicy(allow_cidrs), kKind, std::move(options));
    }
};

void ExpectUpstreamError(const Result<OutboundResponse>& result,
                         std::string_view reason,
                         std::string_view message) {
    ASSERT_FALSE(result.has_value()) << "status " << result->status;
    EXPECT_EQ(result.error().code, ErrorCode::kUpstreamError) << result.error().message;
    ASSERT_TRUE(result.error().extra.contains("reason")) << result.error().message;
    EXPECT_EQ(result.error().extra.at("reason").as_string(), reason) << result.error().detail;
    EXPECT_EQ(result.error().message, message);
}

/// `text` as a gzip member (what an upstream sends with Content-Encoding: gzip).
std::string Gzip(const std::string& text) {
    z_stream stream{};
    EXPECT_EQ(deflateInit2(
                  &stream, Z_BEST_COMPRESSION, Z_DEFLATED, MAX_WBITS + 16, 8, Z_DEFAULT_STRATEGY),
              Z_OK);
    std::string packed(deflateBound(&stream, static_cast<uLong>(text.size())), '\0');
    std::string input = text;
    stream.next_in = reinterpret_cast<Bytef*>(input.data());
    stream.avail_in = static_cast<uInt>(input.size());
    stream.next_out = reinterpret_cast<Bytef*>(packed.data());
    stream.avail_out = static_cast<uInt>(packed.size());
    EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
    packed.resize(stream.total_out);
    deflateEnd(&stream);
    return packed;
}

/// A loopback port nobody listens on.
std::uint16_t ClosedPort() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();  // closed when the acceptor goes
}

// Every test runs against both drivers of the shared CurlEngine and against the plain HTTP
// client (with curl behind it for what it hands over).
template <class Driver>
class CurlHttpClientTest : public ::testing::Test {
protected:
    [[nodiscard]] OutboundRequest Get(std::string_view path) const {
        return OutboundRequest{.method = "GET", .url = upstream_.Url(path)};
    }
    static std::unique_ptr<HttpClient> MakeClient(const std::vector<std::string>& allow_cidrs) {
        return Driver::Make(allow_cidrs);
    }

    FakeUpstream upstream_;
    std::unique_ptr<HttpClient> client_ = MakeClient({"127.0.0.1/32"});
};

using Drivers = ::testing::Types<ThreadDriver, IoContextDriver, PlainDriver>;
TYPED_TEST_SUITE(CurlHttpClientTest, Drivers);

// ---- round trips -----------------------------------------------------------------------------

TYPED_TEST(CurlHttpClientTest, GetRoundTripsHeadersAndQuery) {
    UpstreamResponse answer = UpstreamResponse::Json(R"({"ok":true})");
    answer.headers.emplace_back("X-Upstream-Id", "u-1");
    this->upstream_.On("GET", "/items", answer);
    OutboundRequest request = this->Get("/items?limit=2&cursor=a%20b");
    request.headers = {{"X-Custom", "abc"}, {"Accept", "application/json"}};

    const auto result = SendAndWait(*this->client_, request);

    ASSERT_TRUE(result.has_value()) << result.error().message << " " << result.error().detail;
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->body, R"({"ok":true})");
    EXPECT_EQ(result->Header("content-type"), "application/json");
    EXPECT_EQ(result->Header("x-upstream-id"), "u-1");
    EXPECT_EQ(result->effective_url, request.url);
    const auto received = this->upstream_.RequestsTo("/items");
    ASSERT_EQ(received.size(), 1U);
    EXPECT_EQ(received[0].method, "GET");
    EXPECT_EQ(received[0].target, "/items?limit=2&cursor=a%20b");
    EXPECT_EQ(received[0].Header("x-custom"), "abc");
    EXPECT_EQ(received[0].Header("accept"), "application/json");
    EXPECT_EQ(received[0].Header("user-agent"), "junction");
    EXPECT_FALSE(received[0].Header("expect").has_value());
    EXPECT_TRUE(received[0].body.empty());
}

TYPED_TEST(CurlHttpClientTest, BodiesRoundTripForEveryMethod) {
    this->upstream_.On("*", "/echo", [](const RecordedRequest& request) {
        return UpstreamResponse::Text(request.method + ":" + request.body, 201);
    });
    for (const std::string method : {"POST", "PUT", "PATCH", "DELETE"}) {
        OutboundRequest request{.method = method,
                                .url = this->upstream_.Url("/echo"),
                                .headers = {{"Content-Type", "application/json"}},
                                .body = R"({"name":")" + std::string(3000, 'x') + R"("})"};
        const auto result = SendAndWait(*this->client_, request);
        ASSERT_TRUE(result.has_value()) << method << ": " << result.error().detail;
        EXPECT_EQ(result->status, 201);
        EXPECT_EQ(result->body, method + ":" + request.body);
    }
    const auto received = this->upstream_.RequestsTo("/echo");
    ASSERT_EQ(received.size(), 4U);
    EXPECT_EQ(received[0].Header("content-type"), "application/json");
    EXPECT_EQ(received[0].Header("content-length"), std::to_string(received[0].body.size()));
}

// More than a loopback socket's send buffer (4 MiB here) each way: the request goes out in
// several writes, the answer comes in many reads.
TYPED_TEST(CurlHttpClientTest, LargeBodiesRoundTrip) {
    this->upstream_.On("PUT", "/large", [](const RecordedRequest& request) {
        return UpstreamResponse::Text("echo:" + request.body, 200);
    });
    std::string body(6UL * 1024 * 1024, 'x');
    for (std::size_t i = 0; i < body.size(); i += 4096) {
        body[i] = static_cast<char>('a' + (i / 4096) % 26);  // a misplaced block shows
    }
    const OutboundRequest request{
        .method = "PUT", .url = this->upstream_.Url("/large"), .body = body, .timeout = 60s};

    const auto result = SendAndWait(*this->client_, request);

    ASSERT_TRUE(result.has_value()) << result.error().detail;
    EXPECT_EQ(result->status, 200);
    ASSERT_EQ(result->body.size(), body.size() + 5);
    EXPECT_TRUE(result->body == "echo:" + body);  // not EXPECT_EQ: no 6 MiB diff on failure
}

TYPED_TEST(CurlHttpClientTest, DeleteWithoutBodyAndHeadWork) {
    this->upstream_.On("DELETE", "/items/1", UpstreamResponse{.status = 204});
    this->upstream_.On(
        "HEAD", "/items/1", UpstreamResponse{.status = 200, .headers = {{"X-Size", "9"}}});
    const auto deleted =
        SendAndWait(*this->client_,
                    OutboundRequest{.method = "DELETE", .url = this->upstream_.Url("/items/1")});
    ASSERT_TRUE(deleted.has_value()) << deleted.error().detail;
    EXPECT_EQ(deleted->status, 204);
    const auto head = SendAndWait(
        *this->client_, OutboundRequest{.method = "HEAD", .url = this->upstream_.Url("/items/1")});
    ASSERT_TRUE(head.has_value()) << head.error().detail;
    EXPECT_EQ(head->Header("x-size"), "9");
    EXPECT_EQ(this->upstream_.RequestsTo("/items/1").at(0).method, "DELETE");
    EXPECT_EQ(this->upstream_.RequestsTo("/items/1").at(1).method, "HEAD");
}

TYPED_TEST(CurlHttpClientTest, ErrorStatusesAreResponsesNotErrors) {
    this->upstream_.On("GET", "/missing", UpstreamResponse::Json(R"({"error":"nope"})", 404));
    this->upstream_.On("GET", "/broken", UpstreamResponse::Text("boom", 500));
    this->upstream_.On(
        "GET", "/limited", UpstreamResponse{.status = 429, .headers = {{"Retry-After", "3"}}});

    const auto missing = SendAndWait(*this->client_, this->Get("/missing"));
    const auto broken = SendAndWait(*this->client_, this->Get("/broken"));
    const auto limited = SendAndWait(*this->client_, this->Get("/limited"));

    ASSERT_TRUE(missing.has_value());
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(missing->body, R"({"error":"nope"})");
    ASSERT_TRUE(broken.has_value());
    EXPECT_EQ(broken->status, 500);
    ASSERT_TRUE(limited.has_value());
    EXPECT_EQ(limited->status, 429);
    EXPECT_EQ(limited->Header("retry-after"), "3");
}

TYPED_TEST(CurlHttpClientTest, InvalidHeaderIsRefusedBeforeSending) {
    OutboundRequest request = this->Get("/x");
    request.headers = {{"X-Injected", "a\r\nHost: evil"}};
    const auto result = SendAndWait(*this->client_, request);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().message, "Outbound request header 'X-Injected' is invalid");
    EXPECT_EQ(this->upstream_.Requests().size(), 0U);
}

// ---- limits ----------------------------------------------------------------------------------

TYPED_TEST(CurlHttpClientTest, SlowUpstreamTimesOut) {
    this->upstream_.On("GET", "/slow", UpstreamResponse{.body = "late", .delay = 20s});
    OutboundRequest request = this->Get("/slow?token=secret");
    request.timeout = 300ms;

    const auto result = SendAndWait(*this->client_, request);

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kUpstreamTimeout);
    EXPECT_EQ(result.error().message, "Upstream API did not respond within 300 ms");
    EXPECT_EQ(result.error().extra.at("timeoutMs"), 300);
}

TYPED_TEST(CurlHttpClientTest, OversizedResponseIsRefused) {
    this->upstream_.On("GET", "/big", UpstreamResponse::Text(std::string(64UL * 1024, 'b')));
    OutboundRequest request = this->Get("/big");
    request.max_response_bytes = 1024;

    const auto result = SendAndWait(*this->client_, request);

    ExpectUpstreamError(result, "response_too_large", "Upstream response exceeds 1024 bytes");
    EXPECT_EQ(result.error().extra.at("limitBytes"), 1024);

    request.max_response_bytes = 64UL * 1024;  // exactly the cap is fine
    const auto fits = SendAndWait(*this->client_, request);
    ASSERT_TRUE(fits.has_value()) << fits.error().detail;
    EXPECT_EQ(fits->body.size(), 64UL * 1024);
}

// ---- egress policy ---------------------------------------------------------------------------

TYPED_TEST(CurlHttpClientTest, LoopbackIsRefusedWithoutAllowCidrs) {
    this->upstream_.On("GET", "/x", UpstreamResponse::Text("hi"));
    // allow_cidrs names another network, so http passes the URL check and only the address
    // actually resolved and connected (127.0.0.1 / ::1 for "localhost") is judged.
    const auto client = this->MakeClient({"10.99.0.0/16"});
    OutboundRequest request{
        .method = "GET",
        .url = "http://localhost:" + std::to_string(this->upstream_.Port()) + "/x"};

    const auto refused = SendAndWait(*client, request);
    ExpectUpstreamError(refused, "egress_denied", "Outbound request blocked by egress policy");
    ASSERT_TRUE(refused.error().extra.contains("host"));
    const auto host = refused.error().extra.at("host").as_string();
    EXPECT_TRUE(host == "127.0.0.1" || host == "::1") << host;  // judged after resolving
    request.allow_private_network = true;  // still no cleartext outside allow_cidrs
    ExpectUpstreamError(SendAndWait(*client, request),
                        "egress_denied",
                        "Outbound request blocked by egress policy");
    EXPECT_EQ(this->upstream_.Requests().size(), 0U);
}

TYPED_TEST(CurlHttpClientTest, LoopbackIsAllowedByAllowCidrs) {
    this->upstream_.On("GET", "/x", UpstreamResponse::Text("hi"));
    OutboundRequest request{
        .method = "GET",
        .url = "http://localhost:" + std::to_string(this->upstream_.Port()) + "/x"};
    const auto result =
        SendAndWait(*this->client_, request);  // only 127.0.0.1 allowed; ::1 refused
    ASSERT_TRUE(result.has_value()) << result.error().detail;
    EXPECT_EQ(result->body, "hi");
}

TYPED_TEST(CurlHttpClientTest, PlainHttpIsRefusedWithoutAllowCidrs) {
    this->upstream_.On("GET", "/x", UpstreamResponse::Text("hi"));
    const auto client = this->MakeClient({});
    const auto result = SendAndWait(*client, this->Get("/x"));
    ExpectUpstreamError(result, "egress_denied", "Outbound request blocked by egress policy");
    EXPECT_EQ(this->upstream_.Requests().size(), 0U);
}

TYPED_TEST(CurlHttpClientTest, HostOutsideAllowedHostsIsRefused) {
    OutboundRequest request = this->Get("/x");
    request.allowed_hosts = {"api.slack.com"};
    const auto result = SendAndWait(*this->client_, request);
    ExpectUpstreamError(result, "egress_denied", "Outbound request blocked by egress policy");
    EXPECT_EQ(result.error().extra.at("host"), "127.0.0.1");
}

// ---- redirects -------------------------------------------------------------------------------

TYPED_TEST(CurlHttpClientTest, RedirectsAreFollowedWhenAsked) {
    this->upstream_.On("GET", "/old", UpstreamResponse::Redirect(302, "/new?page=2"));
    this->upstream_.On(
        "GET",
        "/new",
        UpstreamResponse{.status = 200, .headers = {{"X-Hop", "last"}}, .body = "here"});
    OutboundRequest request = this->Get("/old");
    request.allowed_hosts = {"127.0.0.1"};
    request.max_redirects = 5;

    const auto followed = SendAndWait(*this->client_, request);

    ASSERT_TRUE(followed.has_value()) << followed.error().detail;
    EXPECT_EQ(followed->status, 200);
    EXPECT_EQ(followed->body, "here");
    EXPECT_EQ(followed->effective_url, this->upstream_.Url("/new?page=2"));
    EXPECT_EQ(followed->Header("x-hop"), "last");
    EXPECT_FALSE(followed->Header("location").has_value());  // last hop's headers only

    request.max_redirects = 0;
    const auto as_is = SendAndWait(*this->client_, request);
    ASSERT_TRUE(as_is.has_value());
    EXPECT_EQ(as_is->status, 302);
    EXPECT_EQ(as_is->Header("location"), "/new?page=2");
}

// A header the credential placed (X-Api-Key here) reaches a same-origin hop, but not another
// origin (another loopback port), nor does a credential query parameter the Location repeats.
TYPED_TEST(CurlHttpClientTest, CredentialHeadersStayWithTheirOrigin) {
    FakeUpstream other;
    other.On("GET", "/landing", UpstreamResponse::Text("elsewhere"));
    this->upstream_.On("GET", "/here", UpstreamResponse::Text("same"));
    this->upstream_.On("GET", "/same", UpstreamResponse::Redirect(302, "/here"));
    this->upstream_.On(
        "GET", "/away", UpstreamResponse::Redirect(302, other.Url("/landing?api_key=k1&page=2")));
    OutboundRequest request = this->Get("/same");
    request.headers = {{"X-Api-Key", "k1"}, {"X-Trace", "t1"}};
    request.credential_headers = {"X-Api-Key"};
    request.credential_query = {"api_key"};
    request.max_redirects = 5;

    const auto same = SendAndWait(*this->client_, request);
    ASSERT_TRUE(same.has_value()) << same.error().detail;
    EXPECT_EQ(same->body, "same");
    ASSERT_EQ(this->upstream_.RequestsTo("/here").size(), 1U);
    EXPECT_EQ(this->upstream_.RequestsTo("/here")[0].Header("x-api-key"), "k1");

    request.url = this->upstream_.Url("/away");
    const auto away = SendAndWait(*this->client_, request);
    ASSERT_TRUE(away.has_value()) << away.error().detail;
    EXPECT_EQ(away->body, "elsewhere");
    const auto landed = other.RequestsTo("/landing");
    ASSERT_EQ(landed.size(), 1U);
    EXPECT_FALSE(landed[0].Header("x-api-key").has_value());
    EXPECT_EQ(landed[0].Header("x-trace"), "t1");
    EXPECT_EQ(landed[0].target, "/landing?page=2");
}

TYPED_TEST(CurlHttpClientTest, RedirectToHostOutsideAllowedHostsIsDenied) {
    this->upstream_.On(
        "GET",
        "/away",
        UpstreamResponse::Redirect(
            302, "http://localhost:" + std::to_string(this->upstream_.Port()) + "/x"));
    OutboundRequest request = this->Get("/away");
    request.allowed_hosts = {"127.0.0.1"};
    request.max_redirects = 5;

    const auto result = SendAndWait(*this->client_, request);

    ExpectUpstreamError(result, "redirect_denied", "Upstream redirect blocked by egress policy");
    EXPECT_EQ(result.error().extra.at("host"), "localhost");
    EXPECT_EQ(this->upstream_.CallCount("/x"), 0U);
}

TYPED_TEST(CurlHttpClientTest, RedirectToBlockedAddressIsDenied) {
    this->upstream_.On("GET",
                       "/metadata",
                       UpstreamResponse::Redirect(302, "http://169.254.169.254/latest/meta-data/"));
    OutboundRequest request = this->Get("/metadata");
    request.max_redirects = 5;
    request.allow_private_network = true;
    ExpectUpstreamError(SendAndWait(*this->client_, request),
                        "redirect_denied",
                        "Upstream redirect blocked by egress policy");
}

TYPED_TEST(CurlHttpClientTest, TooManyRedirectsAreDenied) {
    this->upstream_.On("GET", "/loop", UpstreamResponse::Redirect(307, "/loop"));
    OutboundRequest request = this->Get("/loop");
    request.max_redirects = 3;

    const auto result = SendAndWait(*this->client_, request);

    ExpectUpstreamError(result, "redirect_denied", "Upstream redirected more than 3 times");
    EXPECT_EQ(this->upstream_.CallCount("/loop"), 4U);
}

TYPED_TEST(CurlHttpClientTest, SeeOtherTurnsPostIntoGet) {
    this->upstream_.On("POST", "/submit", UpstreamResponse::Redirect(303, "/result"));
    this->upstream_.On("GET", "/result", UpstreamResponse::Json(R"({"done":true})"));
    OutboundRequest request{.method = "POST",
                            .url = this->upstream_.Url("/submit"),
                            .headers = {{"Content-Type", "application/json"}},
                            .body = R"({"a":1})",
                            .max_redirects = 5};

    const auto result = SendAndWait(*this->client_, request);

    ASSERT_TRUE(result.has_value()) << result.error().detail;
    EXPECT_EQ(result->body, R"({"done":true})");
    const auto followed = this->upstream_.RequestsTo("/result");
    ASSERT_EQ(followed.size(), 1U);
    EXPECT_EQ(followed[0].method, "GET");
    EXPECT_TRUE(followed[0].body.empty());
    EXPECT_FALSE(followed[0].Header("content-type").has_value());
}

TYPED_TEST(CurlHttpClientTest, TemporaryRedirectKeepsMethodAndBody) {
    this->upstream_.On("POST", "/v1", UpstreamResponse::Redirect(307, "/v2"));
    this->upstream_.On("POST", "/v2", [](const RecordedRequest& request) {
        return UpstreamResponse::Text(request.body);
    });
    OutboundRequest request{
        .method = "POST", .url = this->upstream_.Url("/v1"), .body = "payload", .max_redirects = 1};
    const auto result = SendAndWait(*this->client_, request);
    ASSERT_TRUE(result.has_value()) << result.error().detail;
    EXPECT_EQ(result->body, "payload");
}

// ---- content codings ------------------------------------------------------------------------

TYPED_TEST(CurlHttpClientTest, GzipBodiesAreDecoded) {
    const std::string json = R"({"items":[)" + std::string(20'000, ' ') + "]}";
    this->upstream_.On("GET",
                       "/packed",
                       UpstreamResponse{.headers = {{"Content-Type", "application/json"},
                                                    {"Content-Encoding", "gzip"}},
                                        .body = Gzip(json)});

    const auto result = SendAndWait(*this->client_, this->Get("/packed"));

    ASSERT_TRUE(result.has_value()) << result.error().detail;
    EXPECT_EQ(result->body, json);
    const auto received = this->upstream_.RequestsTo("/packed");
    ASSERT_EQ(received.size(), 1U);
    EXPECT_NE(received[0].Header("accept-encoding").value_or("").find("gzip"), std::string::npos);
}

// The limit is on what the body inflates to: 1 MiB of zeros packs into about 1 KiB.
TYPED_TEST(CurlHttpClientTest, InflatedSizeCountsTowardsTheLimit) {
    const std::string packed = Gzip(std::string(1024UL * 1024, '\0'));
    ASSERT_LT(packed.size(), 16UL * 1024);
    this->upstream_.On("GET",
                       "/bomb",
                       UpstreamResponse{.headers = {{"Content-Encoding", "gzip"}}, .body = packed});
    OutboundRequest request = this->Get("/bomb");
    request.max_response_bytes = 64UL * 1024;

    const auto result = SendAndWait(*this->client_, request);

    ExpectUpstreamError(result, "response_too_large", "Upstream response exceeds 65536 bytes");
}

// ---- transport failures ----------------------------------------------------------------------

TYPED_TEST(CurlHttpClientTest, ClosedPortIsConnectionFailed) {
    const OutboundRequest request{
        .method = "GET",
        .url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/x?token=secret"};
    const auto result = SendAndWait(*this->client_, request);
    ExpectUpstreamError(result, "connection_failed", "Could not connect to the upstream API");
    EXPECT_EQ(result.error().message.find("secret"), std::string::npos);
}

// The plain HTTP client hands a call that is redirected to https over to curl, with what is
// left of its redirects and time: the TLS handshake with a plain server then fails as TLS.
TYPED_TEST(CurlHttpClientTest, RedirectToHttpsIsFollowedOverTls) {
    const std::string secure =
        "https://127.0.0.1:" + std::to_string(this->upstream_.Port()) + "/secure";
    this->upstream_.On("GET", "/upgrade", UpstreamResponse::Redirect(301, secure));
    OutboundRequest request = this->Get("/upgrade");
    request.max_redirects = 3;
    request.timeout = 20s;

    const auto result = SendAndWait(*this->client_, request);

    ExpectUpstreamError(result, "tls_error", "TLS with the upstream API failed");
    EXPECT_EQ(this->upstream_.CallCount("/upgrade"), 1U);
}

TYPED_TEST(CurlHttpClientTest, TlsToAPlainServerIsTlsError) {
    const auto result = SendAndWait(
        *this->client_,
        OutboundRequest{.method = "GET",
                        .url = "https://127.0.0.1:" + std::to_string(this->upstream_.Port()) + "/x",
                        .timeout = 20s});
    ExpectUpstreamError(result, "tls_error", "TLS with the upstream API failed");
}

// ---- TLS upstreams ----------------------------------------------------------------------------

/// A TLS upstream signed by a throw-away CA, and the CA's file for the client's trust.
class TlsUpstream {
public:
    TlsUpstream()
        : pki_(testing::MakeTestPki()),
          upstream_(testing::UpstreamTls{.cert_pem = pki_.server_cert_pem,
                                         .key_pem = pki_.server_key_pem}) {
        std::ofstream(CaFile()) << pki_.ca_pem;
    }
    [[nodiscard]] std::string CaFile() const { return dir_.File("ca.pem"); }
    /// Trust in the system bundle and this upstream's CA, read now.
    [[nodiscard]] std::shared_ptr<const TlsTrust> Trust() const {
        auto trust = TlsTrust::Load("", CaFile());
        EXPECT_TRUE(trust.has_value()) << trust.error().message;
        return trust ? *trust : nullptr;
    }
    FakeUpstream& Upstream() { return upstream_; }

private:
    testing::TempDir dir_;
    testing::TestPki pki_;
    FakeUpstream upstream_;
};

TYPED_TEST(CurlHttpClientTest, TlsUpstreamSignedByTheExtraCaIsReached) {
    TlsUpstream tls;
    tls.Upstream().On("GET", "/secure", UpstreamResponse::Text("over tls"));
    auto client = TypeParam::Make({"127.0.0.1/32"}, CurlHttpClientOptions{.trust = tls.Trust()});

    const auto result = SendAndWait(
        *client, OutboundRequest{.method = "GET", .url = tls.Upstream().Url("/secure")});

    ASSERT_TRUE(result.has_value()) << result.error().detail;
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->body, "over tls");
}

TYPED_TEST(CurlHttpClientTest, TlsUpstreamOfAnUnknownCaIsTlsError) {
    TlsUpstream tls;
    tls.Upstream().On("GET", "/secure", UpstreamResponse::Text("over tls"));

    const auto result = SendAndWait(
        *this->client_, OutboundRequest{.method = "GET", .url = tls.Upstream().Url("/secure")});

    ExpectUpstreamError(result, "tls_error", "TLS with the upstream API failed");
    EXPECT_EQ(tls.Upstream().CallCount("/secure"), 0U);
}

// Vendors close idle connections; each new connection resumes the TLS session of an earlier
// one instead of a full handshake, and verifies against the store read at start-up: the CA
// file is gone before the first call.
TYPED_TEST(CurlHttpClientTest, NewTlsConnectionsResumeAndNeverReadTheCaFile) {
    TlsUpstream tls;
    tls.Upstream().On("GET", "/n", UpstreamResponse::Text("ok"));
    tls.Upstream().CloseConnectionsAfter(1);
    auto client = TypeParam::Make({"127.0.0.1/32"}, CurlHttpClientOptions{.trust = tls.Trust()});
    std::filesystem::remove(tls.CaFile());

    const OutboundRequest request{.method = "GET", .url = tls.Upstream().Url("/n")};
    const auto first = SendAndWait(*client, request);
    ASSERT_TRUE(first.has_value()) << first.error().detail;

    // Then bursts of concurrent calls: each burst takes easy handles that never connected
    // before, so a session cache per handle (libcurl's default) would resume none of them.
    constexpr std::size_t kBursts = 3;
    constexpr std::size_t kBurst = 8;
    for (std::size_t burst = 0; burst < kBursts; ++burst) {
        std::vector<std::future<Result<OutboundResponse>>> calls;
        for (std::size_t i = 0; i < kBurst; ++i) {
            calls.push_back(
                std::async(std::launch::async, [&] { return SendAndWait(*client, request); }));
        }
        for (auto& call : calls) {
            const auto result = call.get();
            ASSERT_TRUE(result.has_value()) << result.error().detail;
            ASSERT_EQ(result->status, 200);
        }
    }

    const auto stats = tls.Upstream().TlsStats();
    EXPECT_EQ(stats.handshakes, 1 + kBursts * kBurst);
    EXPECT_EQ(stats.resumed, kBursts * kBurst)
        << "only the first connection needs a full handshake";
}

// ---- concurrency, helpers, shutdown ----------------------------------------------------------

TYPED_TEST(CurlHttpClientTest, ManyConcurrentCallsComplete) {
    this->upstream_.On("GET", "/echo", [](const RecordedRequest& request) {
        return UpstreamResponse{.body = request.target, .delay = 20ms};
    });
    constexpr int kCalls = 50;
    std::mutex mutex;
    std::condition_variable all_done;
    std::vector<Result<OutboundResponse>> results;  // Guarded by mutex.
    for (int i = 0; i < kCalls; ++i) {
        this->client_->Start(this->Get("/echo?i=" + std::to_string(i)),
                             [&](Result<OutboundResponse> result) {
                                 const std::lock_guard lock(mutex);
                                 results.push_back(std::move(result));
                                 all_done.notify_all();
                             });
    }
    std::unique_lock lock(mutex);
    ASSERT_TRUE(all_done.wait_for(lock, kPatience, [&] { return results.size() == kCalls; }));
    std::set<std::string> bodies;
    for (const auto& result : results) {
        ASSERT_TRUE(result.has_value()) << result.error().detail;
        EXPECT_EQ(result->status, 200);
        bodies.insert(result->body);
    }
    EXPECT_EQ(bodies.size(), static_cast<std::size_t>(kCalls));
}

TYPED_TEST(CurlHttpClientTest, AwaitableSendResumesOnTheCallersExecutor) {
    this->upstream_.On("GET", "/co", UpstreamResponse::Text("from coroutine"));
    boost::asio::io_context ioc;
    std::optional<Result<OutboundResponse>> outcome;
    std::thread::id resumed_on;
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<void> {
            outcome = co_await Send(*this->client_, this->Get("/co"));
            resumed_on = std::this_thread::get_id();
        },
        boost::asio::detached);

    ioc.run();  // returns only once the coroutine is done: Send keeps the context busy
    // The client's thread may still hold the completion's channel, which needs `ioc` alive.
    this->client_.reset();

    ASSERT_TRUE(outcome.has_value());
    ASSERT_TRUE(outcome->has_value()) << outcome->error().detail;
    EXPECT_EQ((*outcome)->body, "from coroutine");
    EXPECT_EQ(resumed_on, std::this_thread::get_id());
}

TYPED_TEST(CurlHttpClientTest, DestructorFailsCallsInFlight) {
    this->upstream_.On("GET", "/hang", UpstreamResponse{.body = "never", .delay = 60s});
    std::promise<Result<OutboundResponse>> promise;
    auto future = promise.get_future();
    std::atomic<int> completions = 0;
    this->client_->Start(this->Get("/hang"), [&](Result<OutboundResponse> result) {
        ++completions;
        promise.set_value(std::move(result));
    });
    const auto waited_since = std::chrono::steady_clock::now();
    while (this->upstream_.CallCount("/hang") == 0 &&
           std::chrono::steady_clock::now() - waited_since < kPatience) {
        std::this_thread::sleep_for(5ms);  // until the request is on the wire
    }
    ASSERT_EQ(this->upstream_.CallCount("/hang"), 1U);

    this->client_.reset();

    ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
    const auto result = future.get();
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(result.error().message, "HTTP client is shutting down");
    EXPECT_EQ(completions.load(), 1);
}

// The clients a server IO thread runs.
template <class Driver>
class OnContextTest : public ::testing::Test {
protected:
    static constexpr OnContext kKind = Driver::kKind;
};
using ContextDrivers = ::testing::Types<IoContextDriver, PlainDriver>;
TYPED_TEST_SUITE(OnContextTest, ContextDrivers);

// The point of the io_context driver: a call started on the context's thread is sent and
// completed on that thread, and so are calls posted from elsewhere.
TYPED_TEST(OnContextTest, CallsCompleteOnTheContextsThread) {
    FakeUpstream upstream;
    upstream.On("GET", "/here", UpstreamResponse::Text("same thread"));
    IoContextHarness harness(MakePolicy({"127.0.0.1/32"}), TestFixture::kKind);
    const OutboundRequest request{.method = "GET", .url = upstream.Url("/here")};

    std::promise<std::pair<std::thread::id, Result<OutboundResponse>>> inside;
    boost::asio::post(harness.Context(), [&] {
        harness.Start(request, [&](Result<OutboundResponse> result) {
            inside.set_value({std::this_thread::get_id(), std::move(result)});
        });
    });
    auto future_inside = inside.get_future();
    ASSERT_EQ(future_inside.wait_for(kPatience), std::future_status::ready);
    auto [inside_thread, inside_result] = future_inside.get();
    ASSERT_TRUE(inside_result.has_value()) << inside_result.error().detail;
    EXPECT_EQ(inside_result->body, "same thread");
    EXPECT_EQ(inside_thread, harness.ThreadId());

    std::promise<std::thread::id> outside;
    harness.Start(request, [&](Result<OutboundResponse> result) {
        EXPECT_TRUE(result.has_value());
        outside.set_value(std::this_thread::get_id());
    });
    auto future_outside = outside.get_future();
    ASSERT_EQ(future_outside.wait_for(kPatience), std::future_status::ready);
    EXPECT_EQ(future_outside.get(), harness.ThreadId());
    EXPECT_EQ(upstream.CallCount("/here"), 2U);
}

// Sockets are handed back and forth between curl and the reactor as connections are reused;
// sequential calls on one connection must each complete (a lost readiness event would hang).
TYPED_TEST(OnContextTest, SequentialCallsOnAReusedConnectionComplete) {
    FakeUpstream upstream;
    upstream.On("GET", "/n", UpstreamResponse::Text("ok"));
    IoContextHarness harness(MakePolicy({"127.0.0.1/32"}), TestFixture::kKind);
    for (int i = 0; i < 200; ++i) {
        const auto result =
            SendAndWait(harness, OutboundRequest{.method = "GET", .url = upstream.Url("/n")});
        ASSERT_TRUE(result.has_value()) << i << ": " << result.error().detail;
        ASSERT_EQ(result->status, 200);
    }
}

// A coroutine on the context's own thread: Send resumes it inline from the completion, and a
// call refused while it is being started (egress) is posted instead, never run inside Start.
TYPED_TEST(OnContextTest, SendOnTheContextsThreadResumesThere) {
    FakeUpstream upstream;
    upstream.On("GET", "/inline", UpstreamResponse::Text("inline"));
    IoContextHarness harness(MakePolicy({"127.0.0.1/32"}), TestFixture::kKind);
    std::promise<std::vector<std::pair<std::thread::id, Result<OutboundResponse>>>> done;
    boost::asio::co_spawn(
        harness.Context(),
        [&]() -> boost::asio::awaitable<void> {
            std::vector<std::pair<std::thread::id, Result<OutboundResponse>>> outcomes;
            EXPECT_TRUE(harness.CompletesOnThisThread());
            // Named requests: GCC 12 mishandles aggregate temporaries inside co_await.
            const OutboundRequest allowed{.method = "GET", .url = upstream.Url("/inline")};
            const OutboundRequest blocked{.method = "GET", .url = "http://10.0.0.1/refused"};
            auto sent = co_await Send(harness, allowed);
            outcomes.emplace_back(std::this_thread::get_id(), std::move(sent));
            auto refused = co_await Send(harness, blocked);
            outcomes.emplace_back(std::this_thread::get_id(), std::move(refused));
            done.set_value(std::move(outcomes));
        },
        boost::asio::detached);
    auto future = done.get_future();
    ASSERT_EQ(future.wait_for(kPatience), std::future_status::ready);
    const auto outcomes = future.get();
    ASSERT_EQ(outcomes.size(), 2U);
    EXPECT_EQ(outcomes[0].first, harness.ThreadId());
    ASSERT_TRUE(outcomes[0].second.has_value()) << outcomes[0].second.error().detail;
    EXPECT_EQ(outcomes[0].second->body, "inline");
    EXPECT_EQ(outcomes[1].first, harness.ThreadId());
    ASSERT_FALSE(outcomes[1].second.has_value());
    EXPECT_EQ(outcomes[1].second.error().extra.at("reason").as_string(), "egress_denied");
    EXPECT_FALSE(harness.CompletesOnThisThread());  // asked from the test's thread
}

// curl's timer is re-armed only when its deadline comes earlier: a short timeout started while
// a long call is in flight must still fire on time.
TYPED_TEST(OnContextTest, ShortTimeoutFiresWhileALongCallIsInFlight) {
    FakeUpstream upstream;
    upstream.On("GET", "/slow", UpstreamResponse{.body = "late", .delay = 20s});
    std::promise<Result<OutboundResponse>> long_call;  // completed as the harness goes
    IoContextHarness harness(MakePolicy({"127.0.0.1/32"}), TestFixture::kKind);
    harness.Start(OutboundRequest{.method = "GET", .url = upstream.Url("/slow"), .timeout = 15s},
                  [&](Result<OutboundResponse> result) { long_call.set_value(std::move(result)); });
    const auto started = std::chrono::steady_clock::now();
    const auto short_call = SendAndWait(
        harness, OutboundRequest{.method = "GET", .url = upstream.Url("/slow"), .timeout = 300ms});
    const auto waited = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(short_call.has_value());
    EXPECT_EQ(short_call.error().code, ErrorCode::kUpstreamTimeout);
    EXPECT_LT(waited, 10s);
    EXPECT_EQ(long_call.get_future().wait_for(0s), std::future_status::timeout);
}

// An upstream that answers one request per connection and then closes it without saying so
// (a server whose keep-alive timeout passed): each cached connection dies while idle, its
// socket still registered with the reactor, and curl must find that out on reuse.
TYPED_TEST(OnContextTest, ConnectionsClosedWhileIdleAreNotReusedDead) {
    constexpr int kCalls = 20;
    boost::asio::io_context server_context;
    boost::asio::ip::tcp::acceptor acceptor(server_context,
                                            {boost::asio::ip::make_address("127.0.0.1"), 0});
    const std::uint16_t port = acceptor.local_endpoint().port();
    std::atomic<int> served = 0;
    std::thread server([&] {
        for (int i = 0; i < kCalls; ++i) {
            boost::system::error_code ec;
            boost::asio::ip::tcp::socket socket(server_context);
            acceptor.accept(socket, ec);
            if (ec) {
                return;
            }
            std::string request;
            std::array<char, 4096> buffer{};
            while (request.find("\r\n\r\n") == std::string::npos && !ec) {
                const std::size_t got = socket.read_some(boost::asio::buffer(buffer), ec);
                request.append(buffer.data(), got);
            }
            static constexpr std::string_view kAnswer =
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
            boost::asio::write(socket, boost::asio::buffer(kAnswer), ec);
            ++served;
            socket.close(ec);  // no "Connection: close": curl keeps the connection
        }
    });
    IoContextHarness harness(MakePolicy({"127.0.0.1/32"}), TestFixture::kKind);
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/one";
    int succeeded = 0;
    for (int i = 0; i < kCalls; ++i) {
        std::this_thread::sleep_for(20ms);  // the close reaches the idle connection first
        const auto result =
            SendAndWait(harness, OutboundRequest{.method = "GET", .url = url, .timeout = 10s});
        EXPECT_TRUE(result.has_value()) << i << ": " << result.error().detail;
        if (!result) {
            break;
        }
        EXPECT_EQ(result->body, "ok");
        ++succeeded;
    }
    while (served.load() < kCalls) {  // a failed call: let the server thread finish
        boost::asio::io_context ioc;
        boost::asio::ip::tcp::socket unblock(ioc);
        boost::system::error_code ignored;
        unblock.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ignored);
        unblock.close(ignored);
        std::this_thread::sleep_for(5ms);
    }
    server.join();
    EXPECT_EQ(succeeded, kCalls);
    EXPECT_EQ(served.load(), kCalls);
}

// Bodies framed every way HTTP/1.1 allows, one connection each: chunked (with an interim
// 100 Continue before it) and delimited by the close; then a connection that closes at once.
TYPED_TEST(OnContextTest, ChunkedAndCloseDelimitedBodiesAreRead) {
    static constexpr std::array<std::string_view, 3> kAnswers{
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Framing: chunked\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
        ""};
    boost::asio::io_context server_context;
    boost::asio::ip::tcp::acceptor acceptor(server_context,
                                            {boost::asio::ip::make_address("127.0.0.1"), 0});
    const std::uint16_t port = acceptor.local_endpoint().port();
    std::thread server([&] {
        for (const std::string_view answer : kAnswers) {
            boost::system::error_code ec;
            boost::asio::ip::tcp::socket socket(server_context);
            acceptor.accept(socket, ec);
            std::string request;
            std::array<char, 4096> buffer{};
            while (!ec && request.find("\r\n\r\n") == std::string::npos) {
                request.append(buffer.data(), socket.read_some(boost::asio::buffer(buffer), ec));
            }
            boost::asio::write(socket, boost::asio::buffer(answer), ec);
            socket.close(ec);
        }
    });
    IoContextHarness harness(MakePolicy({"127.0.0.1/32"}), TestFixture::kKind);
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/framed";
    const OutboundRequest request{.method = "GET", .url = url, .timeout = 20s};

    const auto chunked = SendAndWait(harness, request);
    const auto close_delimited = SendAndWait(harness, request);
    const auto unanswered = SendAndWait(harness, request);
    server.join();

    ASSERT_TRUE(chunked.has_value()) << chunked.error().detail;
    EXPECT_EQ(chunked->status, 200);
    EXPECT_EQ(chunked->body, "hello world");
    EXPECT_EQ(chunked->Header("x-framing"), "chunked");
    ASSERT_TRUE(close_delimited.has_value()) << close_delimited.error().detail;
    EXPECT_EQ(close_delimited->body, "until the end");
    ExpectUpstreamError(unanswered, "connection_failed", "Could not connect to the upstream API");
}

}  // namespace
}  // namespace junction::http_client::curl
