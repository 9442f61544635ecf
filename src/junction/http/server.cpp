#include "junction/http/server.hpp"

#include <algorithm>
#include <array>
#include <csignal>
#include <iterator>
#include <list>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <sys/resource.h>

#include "junction/core/ascii.hpp"
#include "junction/core/event_queue.hpp"
#include "junction/core/log.hpp"
#include "junction/core/per_thread_rng.hpp"
#include "junction/core/ulid.hpp"
#include "junction/http/connection_limits.hpp"
#include "junction/http/deadline_stream.hpp"
#include "junction/http/response_head.hpp"
#include "junction/http/responses.hpp"

namespace junction::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using BeastRequest = bhttp::request<bhttp::string_body>;

constexpr auto kLingerTimeout = std::chrono::seconds(2);
// Access-log status of a request whose client went away before it was answered (nginx's 499).
constexpr int kClientClosedRequest = 499;
constexpr std::size_t kLingerMaxBytes = 64UL * 1024 * 1024;
// Bodies up to this size may be parsed on an IO thread (Api::TryInline); bigger JSON goes to
// the pool, where parsing it cannot delay other connections.
constexpr std::size_t kInlineMaxBodyBytes = 64UL * 1024;
// A connection's read buffer holds at most a request head and this much more (Beast reads at
// most 64 KiB at a time).
constexpr std::size_t kBufferSlackBytes = 128UL * 1024;
// Connection caps (OPERATIONS.md, "Connection limits"). A connection answered from the reserve
// gets this long for its request head; idle connections closed per failed accept (nginx's
// ngx_drain_connections closes up to 32); the accept back-off; the cap warnings' spacing.
constexpr auto kRefusalReadTimeout = std::chrono::milliseconds(2000);
constexpr std::size_t kShedWhenOutOfDescriptors = 32;
constexpr auto kAcceptBackoffFirst = std::chrono::milliseconds(10);
constexpr auto kAcceptBackoffMax = std::chrono::milliseconds(100);
constexpr auto kCapLogInterval = std::chrono::seconds(10);

std::int64_t SteadyTicks() {
    return std::max<std::int64_t>(std::chrono::steady_clock::now().time_since_epoch().count(), 1);
}

/// One accepted connection.
struct Connection {
    Connection(tcp::socket socket,
               http_client::HttpClient& local_outbound,
               std::string ip,
               OverCap over_cap)
        : stream(std::move(socket)),
          outbound(local_outbound),
          remote_ip(std::move(ip)),
          refused(over_cap) {}
    DeadlineStream stream;
    // Sends the outbound calls of requests answered on this connection's IO thread.
    http_client::HttpClient& outbound;
    const std::string remote_ip;
    // Over which cap it was admitted from the reserve (kNo: a connection like any other):
    // then it gets one answer, 503 or 429 unless it asks for /healthz, and is closed.
    const OverCap refused;
    // Since when (steady-clock ticks) it has waited for its next request, 0 while one is in
    // flight. Written on the connection's IO thread; read by the shedding on Accept's.
    std::atomic<std::int64_t> idle_since{SteadyTicks()};
    std::atomic<bool> shedding{false};  // chosen to be closed for a newer connection
    std::list<std::weak_ptr<Connection>>::iterator entry;  // in connections_, under its mutex

    [[nodiscard]] bool Busy() const { return idle_since.load(std::memory_order_relaxed) == 0; }
    void SetBusy() { idle_since.store(0, std::memory_order_relaxed); }
    void SetIdle() { idle_since.store(SteadyTicks(), std::memory_order_relaxed); }
};

// Closes `connection` on its IO thread unless a request has begun there meanwhile (its
// pending read of the next request then ends the Serve loop).
void CloseIfIdle(const std::shared_ptr<Connection>& connection) {
    asio::post(connection->stream.get_executor(), [connection] {
        if (connection->Busy()) {
            connection->shedding = false;
            return;
        }
        beast::error_code ec;
        connection->stream.Socket().shutdown(tcp::socket::shutdown_both, ec);
        connection->stream.Socket().close(ec);
    });
}

bool IsWellFormedRequestId(std::string_view value) {
    if (value.empty() || value.size() > 128) {
        return false;
    }
    return std::all_of(value.begin(), value.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

Error LimitError(ErrorCode code, std::string message, std::size_t limit) {
    Error error{.code = code, .message = std::move(message)};
    error.extra["limitBytes"] = limit;
    return error;
}

Error UploadTooLarge(std::uint64_t limit) {
    return LimitError(ErrorCode::kPayloadTooLarge,
                      "File exceeds " + std::to_string(limit) + " bytes",
                      static_cast<std::size_t>(limit));
}

Error PayloadTooLarge(const HttpLimits& limits) {
    return LimitError(ErrorCode::kPayloadTooLarge,
                      "Request body exceeds " + std::to_string(limits.max_body_bytes) + " bytes",
                      limits.max_body_bytes);
}

// A header that overflowed the parser: a request line longer than the target limit is a 414,
// anything else a 431. Once Beast has parsed the request line it is gone from the buffer but
// known to the parser.
Error HeaderOverflow(const HttpLimits& limits,
                     const beast::flat_buffer& buffer,
                     const BeastRequest& partial) {
    if (!partial.target().empty()) {
        return partial.target().size() > limits.max_target_bytes
                   ? LimitError(ErrorCode::kUriTooLong,
                                "Request target exceeds " +
                                    std::to_string(limits.max_target_bytes) + " bytes",
                                limits.max_target_bytes)
                   : LimitError(ErrorCode::kHeadersTooLarge,
                                "Request headers exceed " +
                                    std::to_string(limits.max_header_bytes) + " bytes",
                                limits.max_header_bytes);
    }
    const auto data = buffer.data();
    const std::string_view received(static_cast<const char*>(data.data()), data.size());
    const std::size_t line_end = received.find("\r\n");
    const std::size_t line_length = line_end == std::string_view::npos ? received.size() : line_end;
    if (line_length > limits.max_target_bytes) {
        return LimitError(
            ErrorCode::kUriTooLong,
            "Request target exceeds " + std::to_string(limits.max_target_bytes) + " bytes",
            limits.max_target_bytes);
    }
    return LimitError(
        ErrorCode::kHeadersTooLarge,
        "Request headers exceed " + std::to_string(limits.max_header_bytes) + " bytes",
        limits.max_header_bytes);
}

std::optional<Error> CheckHeaderLimits(const HttpLimits& limits, const BeastRequest& request) {
    if (request.target().size() > limits.max_target_bytes) {
        return LimitError(
            ErrorCode::kUriTooLong,
            "Request target exceeds " + std::to_string(limits.max_target_bytes) + " bytes",
            limits.max_target_bytes);
    }
    std::size_t count = 0;
    std::size_t total = 0;
    for (const auto& field : request) {
        const std::size_t size = field.name_string().size() + field.value().size() + 4;
        if (size > limits.max_header_field_bytes) {
            return LimitError(ErrorCode::kHeadersTooLarge,
                              "Request header '" + std::string(field.name_string()) + "' exceeds " +
                                  std::to_string(limits.max_header_field_bytes) + " bytes",
                              limits.max_header_field_bytes);
        }
        total += size;
        ++count;
    }
    if (count > limits.max_header_count) {
        Error error{
            .code = ErrorCode::kHeadersTooLarge,
            .message = "More than " + std::to_string(limits.max_header_count) + " request headers"};
        error.extra["limitCount"] = limits.max_header_count;
        return error;
    }
    if (total > limits.max_header_bytes) {
        return LimitError(
            ErrorCode::kHeadersTooLarge,
            "Request headers exceed " + std::to_string(limits.max_header_bytes) + " bytes",
            limits.max_header_bytes);
    }
    return std::nullopt;
}

// Whether the request's body length is known (RFC 9112 §6.1, §6.3): a Transfer-Encoding must
// be `chunked` alone, and in HTTP/1.1. Beast reads a request whose last coding is not chunked
// (`gzip`, `chunked, gzip`, `xchunked`) as having no body, so its body would be taken for the
// next request: the seed of request smuggling behind a proxy that reads it otherwise.
bool HasKnownFraming(const BeastRequest& request) {
    const auto [first, last] = request.equal_range(bhttp::field::transfer_encoding);
    if (first == last) {
        return true;
    }
    std::size_t codings = 0;
    for (auto field = first; field != last; ++field) {
        for (const auto coding : bhttp::token_list{field->value()}) {
            if (++codings > 1 || !beast::iequals(coding, "chunked")) {
                return false;
            }
        }
    }
    return codings == 1 && request.version() == 11;
}

// What every answer to one request carries besides the response itself (X-Request-Id, the
// HTTP version) and what its access-log line says. `remote_ip` is the connection's.
struct RequestTrace {
    std::string request_id;
    std::string method;  // empty when the request could not be read
    unsigned version = 11;
    std::chrono::steady_clock::time_point started;
    std::string_view remote_ip;
};

// The origin form of a request target. A server must accept the absolute form too (RFC 9112
// §3.2.2: `GET http://host/path`, as clients send to proxies): its scheme and authority are
// dropped, and an empty path is "/" (as is one that starts with its query: that query goes).
std::string_view OriginForm(std::string_view target) {
    if (!AsciiIStartsWith(target, "http://") && !AsciiIStartsWith(target, "https://")) {
        return target;
    }
    const std::size_t path = target.find('/', target.find("://") + 3);
    const std::size_t query = target.find('?', target.find("://") + 3);
    return path == std::string_view::npos || query < path ? "/" : target.substr(path);
}

std::string_view OriginForm(const BeastRequest& request) {
    return OriginForm(std::string_view(request.target().data(), request.target().size()));
}

// The request line and headers (the body is the caller's business).
HttpRequest ToRequestHead(const BeastRequest& beast_request, std::string_view remote_ip) {
    HttpRequest request;
    request.method = std::string(beast_request.method_string());
    request.target = std::string(OriginForm(beast_request));
    const std::size_t question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) {
        request.query = request.target.substr(question + 1);
    }
    request.headers.reserve(
        static_cast<std::size_t>(std::distance(beast_request.begin(), beast_request.end())));
    for (const auto& field : beast_request) {
        request.headers.emplace_back(AsciiLowercase(field.name_string()), field.value());
    }
    request.remote_ip = remote_ip;
    return request;
}

HttpRequest ToRequest(BeastRequest&& beast_request, std::string_view remote_ip) {
    HttpRequest request = ToRequestHead(beast_request, remote_ip);
    request.body = std::move(beast_request.body());
    return request;
}

// Parses the body bytes the buffer already holds (a small body usually arrives with the head),
// sparing an asynchronous read whose immediate completion would cost a trip round the event
// loop. Returns the parse error, if any; the caller reads the rest when the parser is not done.
beast::error_code ParseBuffered(bhttp::request_parser<bhttp::string_body>& parser,
                                beast::flat_buffer& buffer) {
    beast::error_code ec;
    while (!parser.is_done() && buffer.size() > 0) {
        const std::size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == bhttp::error::need_more) {
            return {};
        }
        if (ec || used == 0) {
            break;
        }
    }
    return ec;
}

// Writes the head and body at once when the socket takes them (the usual small answer): an
// asynchronous write that completes immediately still costs a trip round the event loop. The
// socket is in non-blocking mode, so a full send buffer hands the rest to an asynchronous write.
asio::awaitable<beast::error_code> WriteNow(DeadlineStream& stream,
                                            std::string_view head,
                                            std::string_view body) {
    const std::array buffers{asio::const_buffer(head.data(), head.size()),
                             asio::const_buffer(body.data(), body.size())};
    beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(buffers);
    beast::error_code ec;
    while (!ec && beast::buffer_bytes(rest) > 0) {
        rest.consume(stream.Socket().write_some(rest, ec));
    }
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
        ec = {};
        co_await asio::async_write(stream, rest, asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return ec;
}

// What a connection over the caps may still ask of the reserve: the liveness probe.
bool IsHealthCheck(std::string_view method, std::string_view target) {
    return (method == "GET" || method == "HEAD") &&
           target.substr(0, target.find('?')) == "/healthz";
}

// The answer to a request on a connection admitted over a cap (and from the reserve).
Error OverCapError(OverCap over, const ConnectionCaps& caps) {
    Error error{.code = ErrorCode::kUnavailable, .message = "Too many connections; retry later"};
    error.extra["limitConnections"] = caps.max_connections;
    if (over == OverCap::kPerIp) {
        error.code = ErrorCode::kRateLimited;
        error.message = "Too many connections from this address; retry later";
        error.extra["limitConnections"] = caps.max_per_ip;
    }
    error.extra["retryAfterSeconds"] = 1;
    return error;
}

bool IsDisconnect(const beast::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
           ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
           ec == asio::error::eof || ec == asio::error::broken_pipe ||
           ec == bhttp::error::partial_message;
}

}  // namespace

class Server::Impl {
public:
    Impl(const Config& config,
         Api& api,
         http_client::HttpClient& outbound,
         IoClientFactory make_io_client,
         const Clock& clock,
         Rng& rng)
        : config_(config),
          api_(api),
          outbound_(outbound),
          make_io_client_(std::move(make_io_client)),
          pool_(config.blocking_threads),
          clock_(clock),
          request_id_rng_(rng),
          acceptor_(ioc_),
          control_(asio::make_strand(ioc_)),
          signals_(control_),
          grace_timer_(control_),
          accept_backoff_(ioc_),
          limiter_(ConnectionCaps{}, {}) {}

    Result<std::uint16_t> Listen(const std::string& listen) {
        const std::size_t colon = listen.rfind(':');
        if (colon == std::string::npos) {
            return Fail(ErrorCode::kInvalidArgument,
                        "listen must be HOST:PORT, got '" + listen + "'");
        }
        std::string host = listen.substr(0, colon);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
        }
        int port = -1;
        try {
            port = std::stoi(listen.substr(colon + 1));
        } catch (const std::exception&) {
            port = -1;
        }
        beast::error_code ec;
        const auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
        if (ec || port < 0 || port > 65535) {
            return Fail(ErrorCode::kInvalidArgument,
                        "listen must be HOST:PORT, got '" + listen + "'");
        }
        const tcp::endpoint endpoint(address, static_cast<std::uint16_t>(port));
        if (acceptor_.open(endpoint.protocol(), ec);
            ec || acceptor_.set_option(asio::socket_base::reuse_address(true), ec) ||
            acceptor_.bind(endpoint, ec) ||
            acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
            return Fail(ErrorCode::kUnavailable,
                        "Cannot listen on " + listen + ": " + ec.message());
        }
        // The caps follow the descriptors this process may open now (the application raised
        // the soft limit to the hard one before listening).
        rlimit files{};
        const std::uint64_t fd_limit =
            ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY
                ? files.rlim_cur
                : 1024;
        limiter_ = ConnectionLimiter(
            ResolveConnectionCaps(
                config_.http.max_connections, config_.http.max_connections_per_ip, fd_limit),
            config_.trusted_proxies);
        const ConnectionCaps& caps = limiter_.Caps();
        LogEvent(spdlog::level::info,
                 "connection limits",
                 {{"max_connections", caps.max_connections},
                  {"max_connections_per_ip", caps.max_per_ip},
                  {"reserve", caps.reserve},
                  {"fd_limit", fd_limit}});
        if (caps.max_connections + caps.reserve + NonClientDescriptors(fd_limit) > fd_limit) {
            LogEvent(spdlog::level::warn,
                     "http.max_connections leaves too few file descriptors: raise the limit "
                     "(ulimit -n, LimitNOFILE=) or lower the cap",
                     {{"max_connections", caps.max_connections}, {"fd_limit", fd_limit}});
        }
        return acceptor_.local_endpoint().port();
    }

    void Run(std::size_t io_threads, bool handle_signals) {
        if (handle_signals) {
            signals_.add(SIGINT);
            signals_.add(SIGTERM);
            signals_.add(SIGHUP);
            WaitForSignal();
        }
        // One io_context per IO thread: IO threads never contend for one scheduler's lock or
        // wake each other. ioc_ (this thread) also hosts the acceptor and the shutdown steps;
        // connections are dealt out round-robin.
        std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
        for (std::size_t i = 1; i < io_threads; ++i) {
            workers_.push_back(std::make_unique<asio::io_context>(1));
            keep_running.push_back(asio::make_work_guard(*workers_.back()));
        }
        if (make_io_client_) {
            local_outbound_.push_back(MakeLocalClient(ioc_));
            for (auto& worker : workers_) {
                local_outbound_.push_back(MakeLocalClient(*worker));
            }
        }
        asio::co_spawn(ioc_, Accept(), asio::detached);
        std::vector<std::thread> threads;
        for (auto& worker : workers_) {
            threads.emplace_back([&context = *worker] { context.run(); });
        }
        ioc_.run();
        // Shutdown is over (the last connection closed, or the grace period ran out): StopAll
        // has stopped every context.
        keep_running.clear();
        for (auto& thread : threads) {
            thread.join();
        }
        local_outbound_.clear();  // no context runs now, as their destructors require
        pool_.join();
    }

    std::unique_ptr<http_client::HttpClient> MakeLocalClient(asio::io_context& context) {
        auto client = make_io_client_(context);
        if (!client) {
            LogEvent(spdlog::level::warn,
                     "outbound calls of this IO thread go through the shared client",
                     {{"error", client.error().message}});
            return nullptr;
        }
        return std::move(*client);
    }

    void Shutdown() {
        asio::post(control_, [this] { BeginShutdown(); });
    }

private:
    // SIGINT and SIGTERM drain and stop. SIGHUP, which OPERATIONS.md once promised would reload
    // the catalog, is logged and ignored until that reload exists (its default action would
    // kill the process).
    void WaitForSignal() {
        signals_.async_wait([this](const beast::error_code& ec, int signal) {
            if (ec) {
                return;
            }
            if (signal == SIGHUP) {
                LogEvent(spdlog::level::warn,
                         "SIGHUP received: catalog reload is not implemented yet; ignoring");
                WaitForSignal();
                return;
            }
            BeginShutdown();  // runs on control_, like every shutdown step
        });
    }

    // The next connection's context index (each context runs on one thread, so a connection's
    // handlers never run concurrently without a strand).
    std::size_t NextContext() { return next_context_++ % (workers_.size() + 1); }
    asio::io_context& Context(std::size_t index) {
        return index == 0 ? ioc_ : *workers_[index - 1];
    }
    // The client for calls started on context `index`'s thread: its own when the factory made
    // one, else the shared client (which completes on its own thread).
    http_client::HttpClient& OutboundFor(std::size_t index) {
        return index < local_outbound_.size() && local_outbound_[index] ? *local_outbound_[index]
                                                                        : outbound_;
    }

    asio::awaitable<void> Accept() {
        std::size_t failures = 0;  // accepts failed in a row
        auto failing_since = std::chrono::steady_clock::now();
        while (acceptor_.is_open()) {
            beast::error_code ec;
            const std::size_t context = NextContext();
            tcp::socket socket = co_await acceptor_.async_accept(
                Context(context), asio::redirect_error(asio::use_awaitable, ec));
            if (ec == asio::error::connection_aborted) {
                continue;  // that client gave up while queued
            }
            if (ec) {
                if (!acceptor_.is_open() || ec == asio::error::operation_aborted) {
                    co_return;
                }
                // Out of descriptors (EMFILE, ENFILE) or kernel memory: the connection stays
                // queued, and accepting again at once fails again (that spun a core at 70-90%).
                // Close idle connections to free descriptors (like nginx, up to 32), then
                // wait: 10 ms, doubling up to 100 ms. One warning for the whole burst.
                if (failures++ == 0) {
                    failing_since = std::chrono::steady_clock::now();
                    LogEvent(spdlog::level::warn,
                             "accept failing: shedding idle connections and backing off",
                             {{"error", ec.message()}, {"open_connections", OpenConnections()}});
                }
                ShedIdle(kShedWhenOutOfDescriptors, nullptr);
                accept_backoff_.expires_after(
                    std::min(kAcceptBackoffFirst * (1U << std::min<std::size_t>(failures - 1, 4)),
                             kAcceptBackoffMax));
                beast::error_code ignored;
                co_await accept_backoff_.async_wait(
                    asio::redirect_error(asio::use_awaitable, ignored));
                continue;
            }
            if (failures > 0) {
                LogEvent(spdlog::level::info,
                         "accepting again",
                         {{"failed_accepts", failures},
                          {"failing_ms",
                           std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - failing_since)
                               .count()}});
                failures = 0;
            }
            Admit(std::move(socket), context);
        }
    }

    // Applies the connection caps to a connection just accepted: serve it, serve it in place
    // of the oldest idle connection, answer it from the reserve, or close it.
    void Admit(tcp::socket socket, std::size_t context) {
        beast::error_code ec;
        const auto endpoint = socket.remote_endpoint(ec);
        if (ec) {
            return;  // the client is gone already
        }
        std::string ip = endpoint.address().to_string();
        std::shared_ptr<Connection> connection;
        {
            const std::lock_guard lock(connections_mutex_);
            const OverCap over = limiter_.Check(ip);
            const bool shed = over != OverCap::kNo &&
                              ShedIdleLocked(1, over == OverCap::kPerIp ? &ip : nullptr) > 0;
            const Admission admission = limiter_.Admit(ip, over, shed);
            if (over != OverCap::kNo) {
                NoteOverCapLocked(over, shed, admission);
            }
            if (admission == Admission::kDrop) {
                return;  // closes the socket
            }
            connection =
                std::make_shared<Connection>(std::move(socket),
                                             OutboundFor(context),
                                             std::move(ip),
                                             admission == Admission::kRefuse ? over : OverCap::kNo);
            connection->entry = connections_.insert(connections_.end(), connection);
        }
        ++active_connections_;
        asio::co_spawn(connection->stream.get_executor(), Serve(connection), asio::detached);
    }

    // Closes up to `count` of the connections idle the longest (from address `*ip` only, when
    // given) on their IO threads; returns how many were chosen.
    std::size_t ShedIdle(std::size_t count, const std::string* ip) {
        const std::lock_guard lock(connections_mutex_);
        return ShedIdleLocked(count, ip);
    }

    std::size_t ShedIdleLocked(std::size_t count, const std::string* ip) {
        std::vector<std::shared_ptr<Connection>> candidates;
        std::vector<IdleSince> idle;
        for (const auto& weak : connections_) {
            auto connection = weak.lock();
            if (!connection || connection->refused != OverCap::kNo || connection->shedding ||
                (ip != nullptr && connection->remote_ip != *ip)) {
                continue;
            }
            idle.push_back(IdleSince{connection->idle_since.load(std::memory_order_relaxed)});
            candidates.push_back(std::move(connection));
        }
        const std::vector<std::size_t> chosen = OldestIdle(idle, count);
        for (const std::size_t index : chosen) {
            candidates[index]->shedding = true;
            CloseIfIdle(candidates[index]);
        }
        return chosen.size();
    }

    // One warning when a cap is first reached, then at most one every kCapLogInterval, each
    // counting what the caps did since the last.
    void NoteOverCapLocked(OverCap over, bool shed, Admission admission) {
        if (shed) {
            ++cap_counts_.shed;
        } else if (admission == Admission::kRefuse) {
            ++cap_counts_.refused;
        } else if (admission == Admission::kDrop) {
            ++cap_counts_.dropped;
        }
        const auto now = std::chrono::steady_clock::now();
        if (cap_logged_at_ && now - *cap_logged_at_ < kCapLogInterval) {
            return;
        }
        cap_logged_at_ = now;
        const ConnectionCaps& caps = limiter_.Caps();
        LogEvent(spdlog::level::warn,
                 "connection cap reached",
                 {{"cap", over == OverCap::kPerIp ? "per_ip" : "global"},
                  {"open_connections", limiter_.Open()},
                  {"max_connections", caps.max_connections},
                  {"max_connections_per_ip", caps.max_per_ip},
                  {"shed_idle", cap_counts_.shed},
                  {"refused", cap_counts_.refused},
                  {"dropped", cap_counts_.dropped}});
        cap_counts_ = {};
    }

    std::size_t OpenConnections() {
        const std::lock_guard lock(connections_mutex_);
        return limiter_.Open();
    }

    asio::awaitable<void> Serve(std::shared_ptr<Connection> connection) {
        const HttpLimits& limits = config_.http;
        auto& stream = connection->stream;
        const std::string& remote_ip = connection->remote_ip;
        const bool refusing = connection->refused != OverCap::kNo;
        {
            beast::error_code ec;
            // Non-blocking for WriteMessage's immediate write; no Nagle delay on the writes of
            // a streamed answer.
            stream.Socket().non_blocking(true, ec);
            stream.Socket().set_option(tcp::no_delay(true), ec);
        }
        // Room for the full target and headers; the exact limits are checked below so each
        // gets its own status (414 vs 431).
        const std::size_t head_limit = limits.max_header_bytes + limits.max_target_bytes + 1024;
        // Bounded: Beast keeps reading a chunk-size line until its CRLF comes, with no limit of
        // its own (one such line grew the server by 460 MB in 8 s). A head and two reads fit;
        // past it the read fails (400).
        beast::flat_buffer buffer(head_limit + kBufferSlackBytes);
        bool linger = false;
        while (!draining_.load()) {
            bhttp::request_parser<bhttp::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(head_limit));
            // A signed upload may be larger than a JSON body: the header passes with the larger
            // limit and the right one is applied once the route is known (below).
            parser.body_limit(
                std::max<std::uint64_t>(limits.max_body_bytes, config_.files.max_upload_bytes));
            // A connection answered from the reserve holds it briefly.
            stream.ExpiresAfter(refusing ? std::min<std::chrono::milliseconds>(limits.read_timeout,
                                                                               kRefusalReadTimeout)
                                         : limits.read_timeout);
            beast::error_code read_error;
            co_await bhttp::async_read_header(
                stream, buffer, parser, asio::redirect_error(asio::use_awaitable, read_error));
            const auto started = std::chrono::steady_clock::now();
            if (read_error) {
                if (IsDisconnect(read_error)) {
                    break;
                }
                connection->SetBusy();
                Error error{.code = ErrorCode::kInvalidArgument,
                            .message = "Malformed HTTP request"};
                if (read_error == bhttp::error::header_limit) {
                    error = HeaderOverflow(limits, buffer, parser.get());
                } else if (read_error == bhttp::error::body_limit) {
                    const auto& partial = parser.get();
                    error = Api::StreamsBody(std::string_view(partial.method_string().data(),
                                                              partial.method_string().size()),
                                             OriginForm(partial))
                                ? UploadTooLarge(config_.files.max_upload_bytes)
                                : PayloadTooLarge(limits);
                }
                // Named, not a temporary in the co_await: GCC 12 frees such aggregates'
                // members early (see curl_http_client_test).
                const RequestTrace unread{.request_id = GenerateUlid(clock_, request_id_rng_),
                                          .method = "",
                                          .version = 11,
                                          .started = started,
                                          .remote_ip = remote_ip};
                co_await WriteError(stream, error, unread);
                linger = true;
                break;
            }
            connection->SetBusy();
            const BeastRequest& head = parser.get();
            const auto client_id = head["x-request-id"];
            std::string request_id =
                IsWellFormedRequestId(std::string_view(client_id.data(), client_id.size()))
                    ? std::string(client_id)
                    : GenerateUlid(clock_, request_id_rng_);
            const RequestTrace trace{.request_id = std::move(request_id),
                                     .method = std::string(head.method_string()),
                                     .version = head.version(),
                                     .started = started,
                                     .remote_ip = remote_ip};
            // Answers this request with `error`; the caller then closes the connection, after
            // draining what the client still sends.
            const auto refuse = [&](const Error& error) -> asio::awaitable<void> {
                co_await WriteError(stream, error, trace);
                linger = true;
            };
            if (auto limit_error = CheckHeaderLimits(limits, head)) {
                co_await refuse(*limit_error);
                break;
            }
            if (!HasKnownFraming(head)) {
                const Error unframed{
                    .code = ErrorCode::kInvalidArgument,
                    .message = "Transfer-Encoding must be chunked alone, in HTTP/1.1"};
                co_await refuse(unframed);
                break;
            }
            if (draining_.load()) {
                const Error shutting_down{
                    .code = ErrorCode::kUnavailable,
                    .message = "Server is shutting down; retry on another node"};
                co_await refuse(shutting_down);
                break;
            }
            if (refusing && !IsHealthCheck(trace.method, OriginForm(head))) {
                const Error over_cap = OverCapError(connection->refused, limiter_.Caps());
                co_await refuse(over_cap);
                break;
            }
            if (Api::StreamsBody(trace.method, OriginForm(head))) {
                const bool keep_going =
                    co_await ServeStreamedBody(stream, buffer, parser, trace, linger);
                connection->SetIdle();
                if (!keep_going) {
                    break;
                }
                continue;
            }
            if (const auto length = parser.content_length();
                length && *length > limits.max_body_bytes) {
                const Error too_large = PayloadTooLarge(limits);
                co_await refuse(too_large);
                break;
            }
            parser.body_limit(limits.max_body_bytes);  // chunked JSON bodies
            beast::error_code body_error = ParseBuffered(parser, buffer);
            if (!body_error && !parser.is_done()) {
                const auto expect = head[bhttp::field::expect];
                if (beast::iequals(expect, "100-continue")) {
                    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                    beast::error_code continue_error;
                    co_await asio::async_write(
                        stream,
                        asio::buffer(kContinue.data(), kContinue.size()),
                        asio::redirect_error(asio::use_awaitable, continue_error));
                    if (continue_error) {
                        break;
                    }
                }
                co_await bhttp::async_read(
                    stream, buffer, parser, asio::redirect_error(asio::use_awaitable, body_error));
            }
            if (body_error) {
                if (body_error == bhttp::error::body_limit) {
                    const Error too_large = PayloadTooLarge(limits);
                    co_await refuse(too_large);
                } else if (!IsDisconnect(body_error)) {
                    const Error malformed{.code = ErrorCode::kInvalidArgument,
                                          .message = "Malformed HTTP request body"};
                    co_await refuse(malformed);
                }
                break;
            }
            stream.ExpiresNever();
            const bool client_keep_alive = parser.get().keep_alive() && !refusing;
            HttpRequest request = ToRequest(parser.release(), remote_ip);
            HttpResponse response =
                co_await RunPipeline(std::move(request), trace.request_id, connection->outbound);
            if (response.stream) {
                // A stream owns the connection until it ends; the client reconnects after.
                co_await WriteStream(stream, std::move(response), trace);
                break;
            }
            const bool keep_going =
                co_await Answer(stream, std::move(response), trace, client_keep_alive);
            connection->SetIdle();
            if (!keep_going) {
                break;
            }
        }
        if (linger) {
            co_await LingeringClose(stream);
        }
        beast::error_code ignored;
        stream.Socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream.Close();
        {
            const std::lock_guard lock(connections_mutex_);
            connections_.erase(connection->entry);
            limiter_.Remove(remote_ip, refusing);
        }
        if (--active_connections_ == 0 && draining_.load()) {
            // On control_, after BeginShutdown has armed the timer: never concurrently with it.
            asio::post(control_, [this] {
                if (active_connections_.load() == 0) {
                    StopAll();
                }
            });
        }
    }

    // Half-closes and discards what the client is still sending (up to a bound), so it reads
    // our error response instead of a connection reset.
    static asio::awaitable<void> LingeringClose(DeadlineStream& stream) {
        beast::error_code ec;
        stream.Socket().shutdown(tcp::socket::shutdown_send, ec);
        std::vector<char> scratch(64UL * 1024);
        std::size_t discarded = 0;
        stream.ExpiresAfter(kLingerTimeout);
        while (discarded < kLingerMaxBytes) {
            beast::error_code read_error;
            const std::size_t bytes = co_await stream.async_read_some(
                asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, read_error));
            if (read_error) {
                break;
            }
            discarded += bytes;
        }
    }

    // Runs the pipeline: on this IO thread when the route allows and all it needs is in memory,
    // else on the blocking pool, resuming here. The pool queue is bounded: past
    // `blocking_queue` waiting requests the answer is 503.
    asio::awaitable<HttpResponse> RunPipeline(HttpRequest request,
                                              std::string request_id,
                                              http_client::HttpClient& local_outbound) {
        PipelineState state;
        std::shared_ptr<http_client::PendingCall> started;
        HttpResponse response;
        if (auto answer = request.body.size() <= kInlineMaxBodyBytes
                              ? api_.TryInline(request, request_id, state)
                              : std::nullopt) {
            response = std::move(*answer);
            response.handled_inline = true;
        } else {
            if (queued_.fetch_add(1) >= config_.blocking_queue + config_.blocking_threads) {
                --queued_;
                HttpResponse busy =
                    ToHttpResponse(Error{.code = ErrorCode::kUnavailable,
                                         .message = "Server is overloaded; retry later"},
                                   request_id);
                busy.SetHeader("Retry-After", "1");
                co_return busy;
            }
            // A handler that answers with an outbound call has the pool thread start it at
            // once, instead of this IO thread after it resumes: one thread hand-off fewer.
            const asio::any_io_executor io_executor = co_await asio::this_coro::executor;
            response = co_await asio::co_spawn(
                pool_,
                [this, &request, &request_id, &state, &io_executor, &started]()
                    -> asio::awaitable<HttpResponse> {
                    HttpResponse handled = api_.Handle(request, request_id, state);
                    if (handled.next && handled.next->delay.count() == 0) {
                        started =
                            http_client::StartOn(outbound_, io_executor, handled.next->request);
                    }
                    co_return handled;
                },
                asio::use_awaitable);
            --queued_;
        }
        // Outbound calls: no thread waits for the third party. A continuation that only does
        // in-memory work runs here; one that may block runs on the pool (short, so it skips the
        // queue bound: the request already started).
        const std::string route = response.route;
        const std::string user_id = response.user_id;
        const bool handled_inline = response.handled_inline;
        // What the pipeline put on its answer (RateLimit-*, x-api-version, CORS) belongs on the
        // final answer, which the continuation builds afresh (so they can be moved out).
        const auto pipeline_headers =
            response.next ? std::move(response.headers) : decltype(response.headers){};
        while (response.next) {
            const std::shared_ptr<OutboundStep> step = std::move(response.next);
            Result<http_client::OutboundResponse> outcome{http_client::OutboundResponse{}};
            if (started) {
                outcome = co_await http_client::Receive(std::move(started));
                started.reset();
            } else {
                if (step->delay.count() > 0) {
                    asio::steady_timer timer(co_await asio::this_coro::executor, step->delay);
                    co_await timer.async_wait(asio::use_awaitable);
                }
                // A multipart body is read from disk by the client's thread: never an IO
                // thread's client.
                outcome = co_await http_client::Send(
                    step->request.multipart ? outbound_ : local_outbound, step->request);
            }
            if (step->resume_blocks && !step->resume_blocks(outcome)) {
                // In-memory work only: answer from this IO thread, no round trip to the pool.
                response = Api::Resume(*step, std::move(outcome), request_id);
                continue;
            }
            response = co_await asio::co_spawn(
                pool_,
                [&step, &outcome, &request_id]() -> asio::awaitable<HttpResponse> {
                    co_return Api::Resume(*step, std::move(outcome), request_id);
                },
                asio::use_awaitable);
        }
        if (response.route.empty()) {
            response.route = route;
            response.user_id = user_id;
        }
        response.handled_inline = handled_inline;
        response.headers.reserve(response.headers.size() + pipeline_headers.size());
        for (const auto& header : pipeline_headers) {
            const bool present =
                std::any_of(response.headers.begin(), response.headers.end(), [&](const auto& h) {
                    return AsciiIEquals(h.first, header.first);
                });
            if (!present) {
                response.headers.push_back(header);
            }
        }
        co_return response;
    }

    asio::awaitable<bool> Write(DeadlineStream& stream,
                                HttpResponse response,
                                const RequestTrace& trace,
                                bool keep_alive) {
        if (response.file_body) {
            co_return co_await WriteFileBody(stream, std::move(response), trace, keep_alive);
        }
        const std::string head = FormatResponseHead(response,
                                                    {.version = trace.version,
                                                     .request_id = trace.request_id,
                                                     .keep_alive = keep_alive,
                                                     .framing = BodyFraming::kContentLength,
                                                     .content_length = response.body.size()});
        stream.ExpiresAfter(config_.http.read_timeout);
        const beast::error_code ec = co_await WriteNow(stream, head, response.body);
        stream.ExpiresNever();
        LogAccess(response, trace, false);
        co_return !ec;
    }

    // ---- Streamed bodies: signed file uploads and downloads (API.md §3.5) ----------------
    // The disk work (ByteSource reads, BodySink writes, and dropping a sink, which may delete
    // a temporary file) runs on the blocking pool; this IO thread only moves bytes.

    // Runs `work` on the blocking pool and resumes here with its result.
    template <class Work>
    auto OnPool(Work work) -> asio::awaitable<decltype(work())> {
        co_return co_await asio::co_spawn(
            pool_,
            [&work]() -> asio::awaitable<decltype(work())> { co_return work(); },
            asio::use_awaitable);
    }

    // A request whose route takes a streamed body (BodyKind::kStream). The handler sees the
    // head first (signature, size and header checks answer before any byte is read); an
    // accepting handler returns a sink, which gets the body in chunks of at most kChunkBytes
    // and then answers. Returns whether the connection may serve another request.
    asio::awaitable<bool> ServeStreamedBody(DeadlineStream& stream,
                                            beast::flat_buffer& buffer,
                                            bhttp::request_parser<bhttp::string_body>& parser,
                                            const RequestTrace& trace,
                                            bool& linger) {
        static constexpr std::size_t kChunkBytes = 256UL * 1024;
        const bool client_keep_alive = parser.get().keep_alive();
        stream.ExpiresNever();
        HttpRequest head = ToRequestHead(parser.get(), trace.remote_ip);
        HttpResponse begun = co_await RunPipeline(std::move(head), trace.request_id, outbound_);
        std::shared_ptr<BodySink> sink = std::move(begun.sink);
        if (!sink) {
            // Refused before the body: answer and close (the unread body would be the next
            // "request"); the lingering close lets the client read the answer.
            begun.close_connection = true;
            linger = !parser.is_done();
            co_await Write(stream, std::move(begun), trace, false);
            co_return false;
        }
        const std::string route = begun.route;
        const auto release = [this, &sink]() -> asio::awaitable<void> {
            co_await OnPool([&sink] {
                sink.reset();
                return true;
            });
        };
        const auto refuse = [&](const Error& error) -> asio::awaitable<void> {
            co_await release();
            HttpResponse response = ToHttpResponse(error, trace.request_id);
            response.route = route;
            response.close_connection = true;
            linger = true;
            co_await Write(stream, std::move(response), trace, false);
        };
        if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue") &&
            !parser.is_done()) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            beast::error_code continue_error;
            co_await asio::async_write(stream,
                                       asio::buffer(kContinue.data(), kContinue.size()),
                                       asio::redirect_error(asio::use_awaitable, continue_error));
            if (continue_error) {
                co_await release();
                co_return false;
            }
        }
        bhttp::request_parser<bhttp::buffer_body> body_parser(std::move(parser));
        body_parser.body_limit(config_.files.max_upload_bytes);
        std::vector<char> scratch(kChunkBytes);
        while (!body_parser.is_done()) {
            body_parser.get().body().data = scratch.data();
            body_parser.get().body().size = scratch.size();
            // An idle timeout per read: a 100 MiB body may take longer than read_timeout.
            stream.ExpiresAfter(config_.http.read_timeout);
            beast::error_code ec;
            co_await bhttp::async_read(
                stream, buffer, body_parser, asio::redirect_error(asio::use_awaitable, ec));
            if (ec == bhttp::error::need_buffer) {
                ec = {};
            }
            if (ec) {
                stream.ExpiresNever();
                if (ec == bhttp::error::body_limit) {
                    const Error too_large = UploadTooLarge(config_.files.max_upload_bytes);
                    co_await refuse(too_large);
                } else if (IsDisconnect(ec)) {
                    co_await release();  // the client went away: nothing is kept
                    HttpResponse gone;
                    gone.status = kClientClosedRequest;
                    gone.route = route;
                    LogAccess(gone, trace, false);
                } else {
                    const Error malformed{.code = ErrorCode::kInvalidArgument,
                                          .message = "Malformed HTTP request body"};
                    co_await refuse(malformed);
                }
                co_return false;
            }
            const std::size_t received = scratch.size() - body_parser.get().body().size;
            if (received == 0) {
                continue;
            }
            const std::string_view chunk(scratch.data(), received);
            auto written = co_await OnPool([&sink, chunk] { return sink->Write(chunk); });
            if (!written) {
                stream.ExpiresNever();
                co_await refuse(written.error());
                co_return false;
            }
        }
        stream.ExpiresNever();
        HttpResponse response = co_await OnPool([&sink, &trace] {
            HttpResponse answer = sink->Finish(trace.request_id);
            sink.reset();
            return answer;
        });
        response.route = route;
        co_return co_await Answer(stream, std::move(response), trace, client_keep_alive);
    }

    // Writes `response`, keeping the connection open when the client asked for it, the
    // response does not close it and the server is not draining. Returns whether the
    // connection may serve another request.
    asio::awaitable<bool> Answer(DeadlineStream& stream,
                                 HttpResponse response,
                                 const RequestTrace& trace,
                                 bool client_keep_alive) {
        const bool keep_alive =
            client_keep_alive && !response.close_connection && !draining_.load();
        const bool written = co_await Write(stream, std::move(response), trace, keep_alive);
        co_return written&& keep_alive;
    }

    // A file download: the headers with Content-Length, then the bytes, each chunk read on the
    // pool and then written from here.
    asio::awaitable<bool> WriteFileBody(DeadlineStream& stream,
                                        HttpResponse response,
                                        const RequestTrace& trace,
                                        bool keep_alive) {
        static constexpr std::size_t kChunkBytes = 256UL * 1024;
        const std::shared_ptr<const ByteSource> source = std::move(response.file_body);
        const std::string head = FormatResponseHead(response,
                                                    {.version = trace.version,
                                                     .request_id = trace.request_id,
                                                     .keep_alive = keep_alive,
                                                     .framing = BodyFraming::kContentLength,
                                                     .content_length = source->Size()});
        beast::error_code ec;
        stream.ExpiresAfter(config_.http.read_timeout);
        co_await asio::async_write(
            stream, asio::buffer(head), asio::redirect_error(asio::use_awaitable, ec));
        std::vector<char> chunk(kChunkBytes);
        std::uint64_t offset = 0;
        const bool head_only = trace.method == "HEAD";
        while (!ec && !head_only && offset < source->Size()) {
            auto read = co_await OnPool([&source, &chunk, offset] {
                return source->ReadAt(offset, chunk.data(), chunk.size());
            });
            if (!read || *read == 0) {
                // The file cannot be read to its announced length: cut the connection so the
                // client sees a short body, never a wrong one.
                LogEvent(
                    spdlog::level::err, "file read failed", {{"request_id", trace.request_id}});
                ec = asio::error::broken_pipe;
                break;
            }
            offset += *read;
            stream.ExpiresAfter(config_.http.read_timeout);
            co_await asio::async_write(stream,
                                       asio::buffer(chunk.data(), *read),
                                       asio::redirect_error(asio::use_awaitable, ec));
        }
        stream.ExpiresNever();
        LogAccess(response, trace, false);
        co_return !ec;
    }

    // Writes the status and headers, then the queue's chunks as they come (chunked encoding),
    // with keepalive comments while idle, until the queue closes, the lifetime ends, the
    // client goes away or the server drains (checked at least every second).
    asio::awaitable<void> WriteStream(DeadlineStream& stream,
                                      HttpResponse response,
                                      const RequestTrace& trace) {
        static constexpr std::string_view kKeepalive = ": keepalive\n\n";
        const std::shared_ptr<EventQueue> queue = response.stream;
        const std::string head = FormatResponseHead(response,
                                                    {.version = trace.version,
                                                     .request_id = trace.request_id,
                                                     .keep_alive = false,
                                                     .framing = BodyFraming::kChunked,
                                                     .content_length = 0});
        beast::error_code ec;
        stream.ExpiresAfter(config_.http.read_timeout);
        co_await asio::async_write(
            stream, asio::buffer(head), asio::redirect_error(asio::use_awaitable, ec));
        stream.ExpiresNever();

        const auto executor = co_await asio::this_coro::executor;
        auto timer = std::make_shared<asio::steady_timer>(executor);
        auto woken = std::make_shared<bool>(false);  // touched only on the connection's strand
        queue->SetWake([executor, timer, woken] {
            asio::post(executor, [timer, woken] {
                *woken = true;
                timer->cancel();
            });
        });
        const auto write_chunk = [&](std::string_view data) -> asio::awaitable<bool> {
            stream.ExpiresAfter(config_.http.read_timeout);
            beast::error_code write_error;
            const auto chunk = bhttp::make_chunk(asio::buffer(data.data(), data.size()));
            co_await asio::async_write(
                stream, chunk, asio::redirect_error(asio::use_awaitable, write_error));
            stream.ExpiresNever();
            co_return !write_error;
        };
        const auto now = [] {
            return std::chrono::steady_clock::now();
        };
        const auto end_at = now() + response.stream_lifetime;
        auto keepalive_at = now() + response.stream_keepalive;
        bool open = !ec;
        while (open) {
            *woken = false;
            bool closed = false;
            for (const std::string& chunk : queue->Drain(closed)) {
                if (!(open = co_await write_chunk(chunk))) {
                    break;
                }
            }
            if (!open || closed || draining_.load() || now() >= end_at) {
                break;
            }
            if (now() >= keepalive_at) {
                open = co_await write_chunk(kKeepalive);
                keepalive_at = now() + response.stream_keepalive;
                continue;
            }
            if (*woken) {
                continue;
            }
            timer->expires_at(std::min({keepalive_at, end_at, now() + std::chrono::seconds(1)}));
            beast::error_code wait_error;
            co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, wait_error));
        }
        queue->SetWake(nullptr);
        queue->Close();  // tells producers the stream is gone
        if (open) {
            stream.ExpiresAfter(config_.http.read_timeout);
            beast::error_code last_error;
            const auto last_chunk = bhttp::make_chunk_last();
            co_await asio::async_write(
                stream, last_chunk, asio::redirect_error(asio::use_awaitable, last_error));
            stream.ExpiresNever();
        }
        LogAccess(response, trace, true);
    }

    // The one access-log line per request (never a header value or a raw path: `route` is the
    // template, so an MCP token in the path stays out of the log).
    static void LogAccess(const HttpResponse& response, const RequestTrace& trace, bool streamed) {
        if (!LogEnabled(spdlog::level::info)) {  // building the line is not free
            return;
        }
        const auto duration = std::chrono::duration<double, std::milli>(
            std::chrono::steady_clock::now() - trace.started);
        boost::json::object fields{{"request_id", trace.request_id},
                                   {"method", trace.method},
                                   {"route", response.route.empty() ? "-" : response.route},
                                   {"status", response.status},
                                   {"duration_ms", std::llround(duration.count())},
                                   {"remote_ip", trace.remote_ip}};
        if (streamed) {
            fields["stream"] = true;
        }
        // Whether the pipeline needed a thread hand-off: what tests and operators look at to
        // see which requests the caches kept on the IO thread.
        if (response.handled_inline) {
            fields["inline"] = true;
        }
        if (!response.user_id.empty()) {
            fields["user_id"] = response.user_id;
        }
        LogEvent(spdlog::level::info, "request", fields);
    }

    // Answers in HTTP/1.1 whatever the request said (it may not have been read) and closes.
    // An error whose details give retryAfterSeconds says it in Retry-After too.
    asio::awaitable<void> WriteError(DeadlineStream& stream,
                                     const Error& error,
                                     const RequestTrace& trace) {
        HttpResponse response = ToHttpResponse(error, trace.request_id);
        response.close_connection = true;
        if (const auto* retry_after = error.extra.if_contains("retryAfterSeconds")) {
            response.SetHeader("Retry-After", boost::json::serialize(*retry_after));
        }
        RequestTrace answer = trace;
        answer.version = 11;
        co_await Write(stream, std::move(response), answer, false);
    }

    void BeginShutdown() {
        if (draining_.exchange(true)) {
            return;
        }
        api_.SetDraining();
        LogEvent(spdlog::level::info, "shutdown: draining in-flight requests");
        beast::error_code ignored;
        acceptor_.close(ignored);
        accept_backoff_.cancel();
        signals_.cancel(ignored);
        {
            const std::lock_guard lock(connections_mutex_);
            for (const auto& weak : connections_) {
                if (auto connection = weak.lock()) {
                    CloseIfIdle(connection);
                }
            }
        }
        grace_timer_.expires_after(config_.shutdown_grace);
        grace_timer_.async_wait([this](const beast::error_code& ec) {
            if (!ec) {
                LogEvent(spdlog::level::warn, "shutdown: grace period over, stopping");
                StopAll();
            }
        });
        if (active_connections_.load() == 0) {
            StopAll();
        }
    }

    // Ends Run: every context stops (idle outbound clients may still hold timers or sockets
    // that would keep one running).
    void StopAll() {
        grace_timer_.cancel();
        for (auto& worker : workers_) {
            worker->stop();
        }
        ioc_.stop();
    }

    const Config& config_;
    Api& api_;
    http_client::HttpClient& outbound_;
    IoClientFactory make_io_client_;
    asio::thread_pool pool_;
    std::atomic<std::size_t> queued_{0};
    const Clock& clock_;
    PerThreadRng request_id_rng_;  // request ids are public: unique, not secret
    // Before ioc_, so they outlive it: ioc_'s pending accept holds a socket of a worker.
    std::vector<std::unique_ptr<asio::io_context>> workers_;  // set up by Run before serving
    asio::io_context ioc_{1};
    std::size_t next_context_ = 0;  // touched only by Accept (on ioc_)
    tcp::acceptor acceptor_;
    // Serializes the shutdown steps (signal, BeginShutdown, the grace timer and its cancel),
    // which otherwise race across IO threads.
    asio::strand<asio::io_context::executor_type> control_;
    asio::signal_set signals_;
    asio::steady_timer grace_timer_;
    std::atomic<bool> draining_{false};
    std::atomic<std::size_t> active_connections_{0};
    asio::steady_timer accept_backoff_;  // Accept's wait after a failed accept
    std::mutex connections_mutex_;
    // Guarded by connections_mutex_ (caps set by Listen, before any connection):
    std::list<std::weak_ptr<Connection>> connections_;
    ConnectionLimiter limiter_;
    struct {
        std::size_t shed = 0;
        std::size_t refused = 0;
        std::size_t dropped = 0;
    } cap_counts_;  // since the last "connection cap reached" warning
    std::optional<std::chrono::steady_clock::time_point> cap_logged_at_;
    // One per context, in Context(index) order; made by Run, freed by Run once none runs.
    std::vector<std::unique_ptr<http_client::HttpClient>> local_outbound_;
};

Server::Server(const Config& config,
               Api& api,
               http_client::HttpClient& outbound,
               IoClientFactory make_io_client,
               const Clock& clock,
               Rng& rng)
    : impl_(std::make_unique<Impl>(config, api, outbound, std::move(make_io_client), clock, rng)) {}

Server::~Server() = default;

Result<std::uint16_t> Server::Listen(const std::string& listen) {
    return impl_->Listen(listen);
}

void Server::Run(std::size_t io_threads, bool handle_signals) {
    impl_->Run(io_threads, handle_signals);
}

void Server::Shutdown() {
    impl_->Shutdown();
}

}  // namespace junction::http
