#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "junction/http_client/egress_policy.hpp"
#include "junction/http_client/http_client.hpp"

namespace junction::http_client::plain {

struct PlainHttpClientOptions {
    std::string user_agent = "junction";  // app passes "junction/<version>"
    // Per hop, and never more than what is left of the request's timeout (DESIGN.md §11).
    std::chrono::milliseconds connect_timeout{10'000};
    std::size_t max_idle_connections = 64;  // per client, all hosts together
};

/// HttpClient for cleartext HTTP/1.1 calls, on one io_context's thread (Boost.Beast's parser,
/// asio sockets): the hop a server IO thread makes to an upstream inside egress.allow_cidrs
/// (plain http is allowed nowhere else). Every other call — https (TLS, HTTP/2), multipart
/// bodies, a redirect that leaves plain http — goes to `fallback`, which must complete on the
/// same thread (the IoContextCurlClient of this context).
///
/// Why not libcurl for these: per call, curl's transfer set-up, its two `poll`s (a liveness
/// check of the cached connection, a readability check after sending) and its state machine
/// cost more CPU than the rest of an execute together (bench/RESULTS.md). Here a call on a
/// kept-alive connection is one `sendmsg`, one wait and one `recv`.
///
/// Same contract as the curl clients (HttpClient): the URL is checked before every hop, the
/// address before every connect and on every reuse (EgressPolicy), redirects are followed here
/// and re-checked, the timeout covers the whole call, the connect timeout each connect, the
/// body limit applies after decoding (gzip and deflate are asked for and decoded), headers are
/// capped at 256 KiB. A kept-alive connection the upstream closed while it was idle (or that
/// dies before answering) is found out by the first read after sending, and the request goes
/// once more on a new connection, as curl does.
/// Thread-safety: Start() from any thread (other threads' calls are posted to the context);
/// completions run on the context's thread.
class PlainHttpClient final : public HttpClient {
public:
    [[nodiscard]] static std::unique_ptr<PlainHttpClient> Create(
        boost::asio::io_context& context,
        EgressPolicy policy,
        PlainHttpClientOptions options,
        std::unique_ptr<HttpClient> fallback);
    PlainHttpClient(const PlainHttpClient&) = delete;
    PlainHttpClient& operator=(const PlainHttpClient&) = delete;
    PlainHttpClient(PlainHttpClient&&) = delete;
    PlainHttpClient& operator=(PlainHttpClient&&) = delete;
    /// Calls in flight complete with kUnavailable ("HTTP client is shutting down"), then the
    /// fallback goes. REQUIRES: the context is not running, and is destroyed after.
    ~PlainHttpClient() override;

    // HttpClient
    void Start(OutboundRequest request, Completion done) override;
    /// True on the context's thread: calls started there complete there.
    [[nodiscard]] bool CompletesOnThisThread() const override;

private:
    class Impl;
    explicit PlainHttpClient(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

}  // namespace junction::http_client::plain
