#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "junction/core/result.hpp"
#include "junction/http_client/curl/curl_http_client.hpp"
#include "junction/http_client/egress_policy.hpp"
#include "junction/http_client/http_client.hpp"

namespace junction::http_client::curl {

/// HttpClient over libcurl driven by one io_context (curl_multi_socket_action on the context's
/// reactor): a call started on that context's thread is sent, awaited and completed there,
/// with no thread hand-off. The same checks, limits and error mapping as CurlHttpClient (both
/// drive a CurlEngine). Connections are reused within one client.
/// Thread-safety: Start() from any thread (other threads' calls are posted to the context);
/// completions run on the context's thread.
class IoContextCurlClient final : public HttpClient {
public:
    /// kUnavailable when libcurl cannot be initialised.
    [[nodiscard]] static Result<std::unique_ptr<IoContextCurlClient>> Create(
        boost::asio::io_context& context, EgressPolicy policy, CurlHttpClientOptions options = {});
    IoContextCurlClient(const IoContextCurlClient&) = delete;
    IoContextCurlClient& operator=(const IoContextCurlClient&) = delete;
    IoContextCurlClient(IoContextCurlClient&&) = delete;
    IoContextCurlClient& operator=(IoContextCurlClient&&) = delete;
    /// Calls in flight complete with kUnavailable ("HTTP client is shutting down"); calls
    /// posted from other threads and not yet started are dropped with the context's queue.
    /// REQUIRES: the context is not running (e.g. run() has returned), and is destroyed after.
    ~IoContextCurlClient() override;

    // HttpClient
    void Start(OutboundRequest request, Completion done) override;
    /// True on the context's thread: calls started there complete there.
    [[nodiscard]] bool CompletesOnThisThread() const override;

private:
    class Impl;
    explicit IoContextCurlClient(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

}  // namespace junction::http_client::curl
