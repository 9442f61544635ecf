#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "junction/core/clock.hpp"
#include "junction/core/config.hpp"
#include "junction/core/result.hpp"
#include "junction/core/rng.hpp"
#include "junction/http/api.hpp"
#include "junction/http_client/http_client.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace junction::http {

/// The HTTP/1.1 listener (Boost.Beast, C++20 coroutines): keep-alive, the transport limits of
/// API.md §1.4 (header, target and body sizes, read timeout), request ids, one JSON access-log
/// line per request, and graceful drain. Each IO thread runs its own io_context. A request's
/// pipeline runs on a blocking pool of `blocking_threads` threads, except on routes marked
/// `inline_first` when all it needs is in memory (then on its IO thread, Api::TryInline); with
/// more than `blocking_threads + blocking_queue` requests in the pipeline the next one gets
/// 503. IO threads never touch the store. Client connections are capped, globally and per
/// peer address (connection_limits.hpp; idle ones are shed first, and a failed accept backs
/// off). Beast stays inside server.cpp (compile time, DESIGN.md §14).
/// Makes the HttpClient for one IO thread's io_context (see Server's constructor).
using IoClientFactory = std::function<Result<std::unique_ptr<http_client::HttpClient>>(
    boost::asio::io_context& context)>;

class Server {
public:
    /// `outbound` sends the OutboundSteps handlers return (no thread waits for them).
    /// `make_io_client`, when set, makes one client per IO thread's io_context for the calls
    /// of requests answered on that thread (Api::TryInline): no thread hand-off per call.
    Server(const Config& config,
           Api& api,
           http_client::HttpClient& outbound,
           IoClientFactory make_io_client,
           const Clock& clock,
           Rng& rng);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    Server(Server&&) = delete;
    Server& operator=(Server&&) = delete;
    ~Server();

    /// Binds `host:port` (port 0 picks a free one) and sets the connection caps from the config
    /// and the open-file limit. kInvalidArgument for a bad address, kUnavailable when the port
    /// cannot be bound. Returns the bound port.
    [[nodiscard]] Result<std::uint16_t> Listen(const std::string& listen);

    /// Serves on `io_threads` threads until Shutdown() (or SIGINT/SIGTERM when
    /// `handle_signals`; SIGHUP is then logged and ignored) has drained every in-flight
    /// request. Blocks.
    void Run(std::size_t io_threads, bool handle_signals);

    /// Stops accepting, closes idle connections, lets in-flight requests finish (new requests
    /// on open connections get 503) and then makes Run() return; after the configured grace
    /// period it stops regardless. Thread-safe; idempotent.
    void Shutdown();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace junction::http
