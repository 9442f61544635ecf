#include "junction/http_client/plain/plain_http_client.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <zlib.h>

#include "junction/core/ascii.hpp"
#include "junction/core/log.hpp"
#include "junction/http_client/redirect.hpp"

namespace junction::http_client::plain {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using SystemError = boost::system::error_code;

namespace {

constexpr std::size_t kMaxHeaderBytes = 256UL * 1024;  // as the curl clients
constexpr std::size_t kReadChunk = 16UL * 1024;
constexpr std::size_t kInflateChunk = 64UL * 1024;

Error ConnectionFailed(std::string detail) {
    return UpstreamError(
        "connection_failed", "Could not connect to the upstream API", std::move(detail));
}

bool SendsBody(const OutboundRequest& request) {
    return !request.body.empty() || request.method == "POST" || request.method == "PUT" ||
           request.method == "PATCH";
}

/// Decodes a gzip or deflate body in place (we ask for both); any other coding is left as
/// received, as curl leaves one it cannot decode. The limit applies to the decoded bytes, so a
/// small bomb cannot inflate past it.
Result<void> DecodeBody(OutboundResponse& response, std::size_t limit) {
    const auto coding = response.Header("content-encoding");
    if (!coding || response.body.empty()) {
        return {};
    }
    const std::string name = AsciiLowercase(*coding);
    int window_bits = 0;
    if (name == "gzip" || name == "x-gzip") {
        window_bits = MAX_WBITS + 16;
    } else if (name == "deflate") {
        window_bits = MAX_WBITS;  // zlib-wrapped, as RFC 9110 says; raw deflate tried next
    } else {
        return {};
    }
    for (const bool raw : {false, true}) {
        z_stream stream{};
        if (inflateInit2(&stream, raw ? -MAX_WBITS : window_bits) != Z_OK) {
            return Fail(ConnectionFailed("Could not start decoding the response"));
        }
        std::string decoded;
        // zlib's API is not const-correct; it never writes through next_in.
        stream.next_in = reinterpret_cast<Bytef*>(response.body.data());
        stream.avail_in = static_cast<uInt>(response.body.size());
        int status = Z_OK;
        while (status == Z_OK) {
            const std::size_t used = decoded.size();
            decoded.resize(used + kInflateChunk);
            stream.next_out = reinterpret_cast<Bytef*>(decoded.data() + used);
            stream.avail_out = static_cast<uInt>(kInflateChunk);
            status = inflate(&stream, Z_NO_FLUSH);
            decoded.resize(used + kInflateChunk - stream.avail_out);
            if (decoded.size() > limit) {
                inflateEnd(&stream);
                return Fail(ResponseTooLarge(limit));
            }
        }  // Z_BUF_ERROR: the input ended before the stream did (truncated)
        inflateEnd(&stream);
        if (status == Z_STREAM_END) {
            response.body = std::move(decoded);
            return {};
        }
        if (name != "deflate" || raw) {
            break;
        }
    }
    return Fail(ConnectionFailed("Upstream response body does not decode as " + name));
}

// One kept-alive TCP connection to an upstream.
struct Connection {
    explicit Connection(asio::io_context& context) : socket(context) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    tcp::endpoint peer;
    std::string key;  // "host:port" it was opened for
};

// Parses an upstream answer straight into an OutboundResponse (header names lowercased): no
// Beast fields container filled only to be copied out again. The base class enforces the
// header and body limits and tells keep-alive and completion.
class Parser final : public http::basic_parser<false> {
    static constexpr std::size_t kUsualHeaderCount = 12;

public:
    [[nodiscard]] const OutboundResponse& Get() const { return response_; }
    [[nodiscard]] OutboundResponse Release() { return std::move(response_); }

private:
    void on_request_impl(http::verb /*method*/,
                         beast::string_view /*method_string*/,
                         beast::string_view /*target*/,
                         int /*version*/,
                         SystemError& /*error*/) override {}

    void on_response_impl(int code,
                          beast::string_view /*reason*/,
                          int /*version*/,
                          SystemError& /*error*/) override {
        response_.status = code;
        response_.headers.reserve(kUsualHeaderCount);
    }

    void on_field_impl(http::field /*known*/,
                       beast::string_view name,
                       beast::string_view value,
                       SystemError& /*error*/) override {
        response_.headers.emplace_back(AsciiLowercase(name), std::string(value));
    }

    void on_header_impl(SystemError& /*error*/) override {}

    void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                           SystemError& /*error*/) override {
        // The base class has already refused a length above the body limit.
        if (length) {
            response_.body.reserve(static_cast<std::size_t>(*length));
        }
    }

    std::size_t on_body_impl(beast::string_view body, SystemError& /*error*/) override {
        response_.body.append(body.data(), body.size());
        return body.size();
    }

    void on_chunk_header_impl(std::uint64_t /*size*/,
                              beast::string_view /*extensions*/,
                              SystemError& /*error*/) override {}

    std::size_t on_chunk_body_impl(std::uint64_t /*remain*/,
                                   beast::string_view body,
                                   SystemError& /*error*/) override {
        response_.body.append(body.data(), body.size());
        return body.size();
    }

    void on_finish_impl(SystemError& /*error*/) override {}

    OutboundResponse response_;
};

// One call, across its redirect hops.
struct Call {
    OutboundRequest request{};
    Completion done{};
    Clock::time_point started{};
    Clock::time_point deadline{};
    // The connect deadline while connecting (never after `deadline`), else `deadline`.
    Clock::time_point phase_deadline{};
    bool connecting = false;
    bool finished = false;
    int redirects = 0;

    // The current hop.
    std::string host{};  // for the resolver: a name or an IP literal without brackets
    std::uint16_t port = 80;
    std::string key{};
    std::string head{};  // the serialized request line and headers
    std::vector<tcp::endpoint> endpoints{};
    std::size_t next_endpoint = 0;
    std::optional<Error> refusal{};  // the first address the policy refused
    std::string connect_error{};
    std::shared_ptr<Connection> connection{};
    bool reused = false;   // the connection was kept alive from an earlier call
    bool retried = false;  // a dead kept-alive connection was replaced once already
    std::size_t received = 0;
    std::optional<Parser> parser{};
};

void NewParser(Call& call) {
    call.parser.emplace();
    call.parser->header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
    call.parser->body_limit(call.request.max_response_bytes);
    call.parser->eager(true);
    call.parser->skip(call.request.method == "HEAD");
}

}  // namespace

class PlainHttpClient::Impl {
public:
    Impl(asio::io_context& context,
         EgressPolicy policy,
         PlainHttpClientOptions options,
         std::unique_ptr<HttpClient> fallback)
        : context_(context),
          policy_(std::move(policy)),
          options_(std::move(options)),
          fallback_(std::move(fallback)),
          resolver_(context),
          watchdog_(context) {}
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    Impl(Impl&&) = delete;
    Impl& operator=(Impl&&) = delete;

    ~Impl() {
        stopping_ = true;
        try {
            auto active = std::move(active_);
            active_.clear();
            for (auto& [raw, call] : active) {
                Finish(call, Fail(ShuttingDown()));
            }
            for (auto& [key, connections] : idle_) {
                for (auto& connection : connections) {
                    Close(*connection);
                }
            }
            idle_.clear();
            watchdog_.cancel();
            resolver_.cancel();
        } catch (const std::exception& e) {
            LogEvent(spdlog::level::err, "outbound client shutdown failed", {{"what", e.what()}});
        }
        fallback_.reset();  // fails its own calls in flight
    }

    void Start(OutboundRequest request, Completion done) {
        if (!IsPlainHttpUrl(request.url) || request.multipart) {
            fallback_->Start(std::move(request), std::move(done));
            return;
        }
        auto call = std::make_shared<Call>();
        call->started = Clock::now();
        call->deadline = call->started + request.timeout;
        call->phase_deadline = call->deadline;
        call->request = std::move(request);
        call->done = std::move(done);
        if (RunningInThisThread()) {
            Launch(call);
            return;
        }
        asio::post(context_, [this, call = std::move(call)] { Launch(call); });
    }

    [[nodiscard]] bool RunningInThisThread() const {
        return context_.get_executor().running_in_this_thread();
    }

private:
    using CallPtr = std::shared_ptr<Call>;

    void Launch(const CallPtr& call) {
        if (stopping_) {
            Finish(call, Fail(ShuttingDown()));
            return;
        }
        active_.emplace(call.get(), call);
        ArmWatchdog(call->deadline);
        StartHop(call);
    }

    // ---- hops ----------------------------------------------------------------------------

    void StartHop(const CallPtr& call) {
        OutboundRequest& request = call->request;
        auto url =
            policy_.CheckUrl(request.url, request.allowed_hosts, request.allow_private_network);
        if (!url) {
            return Finish(call, Fail(HopRefusal(std::move(url.error()), call->redirects)));
        }
        if (auto shaped = CheckRequestShape(request); !shaped) {
            return Finish(call, Fail(std::move(shaped.error())));
        }
        if (call->deadline <= Clock::now()) {
            return Finish(call, Fail(UpstreamTimeout(request.timeout)));
        }
        if (!url->plain_http) {
            return HandOver(call);  // a redirect to https
        }
        call->host = std::move(url->host);
        call->port = url->port;
        call->key = call->host + ":" + std::to_string(call->port);
        WriteHead(*call, url->target, url->host_and_port);
        NewParser(*call);
        call->received = 0;

        if (auto connection = TakeIdle(call->key)) {
            // A connection opened for another call (other rules) is judged again for this one.
            if (auto checked = policy_.CheckAddress(
                    connection->peer.data(), request.allow_private_network, true);
                !checked) {
                Keep(std::move(connection));
                return Finish(call, Fail(std::move(checked.error())));
            }
            call->reused = true;
            call->connection = std::move(connection);
            return Send(call);
        }
        Connect(call);
    }

    void WriteHead(Call& call, std::string_view target, std::string_view host_and_port) const {
        const OutboundRequest& request = call.request;
        std::string& head = call.head;
        head.clear();
        head.reserve(256 + request.body.size() / 1024);
        head.append(request.method).append(" ");
        if (target.empty() || target.front() != '/') {
            head.append("/");  // "http://host" and "http://host?q" ask for the root
        }
        head.append(target).append(" HTTP/1.1\r\n");
        if (!HasHeader(request, "host")) {
            head.append("Host: ").append(host_and_port).append("\r\n");
        }
        for (const auto& [name, value] : request.headers) {
            head.append(name).append(value.empty() ? ":" : ": ").append(value).append("\r\n");
        }
        if (!HasHeader(request, "user-agent")) {
            head.append("User-Agent: ").append(options_.user_agent).append("\r\n");
        }
        if (!HasHeader(request, "accept")) {
            head.append("Accept: */*\r\n");
        }
        if (!HasHeader(request, "accept-encoding")) {
            head.append("Accept-Encoding: gzip, deflate\r\n");
        }
        if (SendsBody(request)) {
            head.append("Content-Length: ").append(std::to_string(request.body.size()));
            head.append("\r\n");
        }
        head.append("\r\n");
    }

    // ---- connecting ----------------------------------------------------------------------

    void Connect(const CallPtr& call) {
        const Clock::time_point now = Clock::now();
        const auto remaining = call->deadline - now;
        call->connecting = true;
        call->phase_deadline = now + std::min<Clock::duration>(options_.connect_timeout, remaining);
        ArmWatchdog(call->phase_deadline);
        call->endpoints.clear();
        call->next_endpoint = 0;
        call->refusal.reset();
        call->connect_error.clear();

        SystemError literal_error;
        const auto address = asio::ip::make_address(call->host, literal_error);
        if (!literal_error) {
            call->endpoints.emplace_back(address, call->port);
            return ConnectNext(call);
        }
        resolver_.async_resolve(
            call->host,
            std::to_string(call->port),
            tcp::resolver::numeric_service,
            [this, call](const SystemError& error, const tcp::resolver::results_type& results) {
                if (call->finished) {
                    return;
                }
                if (error) {
                    return Finish(call,
                                  Fail(ConnectionFailed("Could not resolve host: " + call->host)));
                }
                for (const auto& entry : results) {
                    call->endpoints.push_back(entry.endpoint());
                }
                ConnectNext(call);
            });
    }

    // Tries the resolved addresses in order; the policy judges each before any packet leaves.
    void ConnectNext(const CallPtr& call) {
        while (call->next_endpoint < call->endpoints.size()) {
            const tcp::endpoint endpoint = call->endpoints[call->next_endpoint++];
            if (auto checked = policy_.CheckAddress(
                    endpoint.data(), call->request.allow_private_network, true);
                !checked) {
                if (!call->refusal) {
                    call->refusal = std::move(checked.error());
                }
                continue;
            }
            auto connection = std::make_shared<Connection>(context_);
            connection->peer = endpoint;
            connection->key = call->key;
            SystemError error;
            connection->socket.open(endpoint.protocol(), error);
            if (error) {
                call->connect_error = error.message();
                continue;
            }
            call->connection = connection;
            connection->socket.async_connect(endpoint, [this, call](const SystemError& connected) {
                OnConnected(call, connected);
            });
            return;
        }
        if (call->refusal && call->connect_error.empty()) {
            return Finish(call, Fail(std::move(*call->refusal)));
        }
        Finish(call,
               Fail(ConnectionFailed(call->connect_error.empty() ? "No address to connect to"
                                                                 : call->connect_error)));
    }

    void OnConnected(const CallPtr& call, const SystemError& error) {
        if (call->finished) {
            return;
        }
        if (error) {
            call->connect_error = error.message();
            Close(*call->connection);
            call->connection.reset();
            return ConnectNext(call);
        }
        SystemError ignored;
        call->connection->socket.set_option(tcp::no_delay(true), ignored);
        call->connection->socket.non_blocking(true, ignored);
        call->connecting = false;
        call->phase_deadline = call->deadline;
        call->reused = false;
        Send(call);
    }

    // ---- one exchange --------------------------------------------------------------------

    // Writes at once on the non-blocking socket; an async write only when it is full.
    void Send(const CallPtr& call) {
        Connection& connection = *call->connection;
        connection.buffer.clear();
        const std::array<asio::const_buffer, 2> buffers{
            asio::buffer(call->head),
            asio::buffer(SendsBody(call->request) ? std::string_view(call->request.body)
                                                  : std::string_view())};
        const std::size_t total = call->head.size() + buffers[1].size();
        SystemError error;
        std::size_t written = connection.socket.write_some(buffers, error);
        if (error == asio::error::would_block || error == asio::error::try_again) {
            error = {};
            written = 0;
        }
        if (error) {
            return OnTransportError(call, error);
        }
        if (written == total) {
            return AwaitResponse(call);
        }
        beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(buffers);
        rest.consume(written);
        asio::async_write(
            connection.socket, rest, [this, call](const SystemError& sent, std::size_t /*bytes*/) {
                if (call->finished) {
                    return;
                }
                if (sent) {
                    return OnTransportError(call, sent);
                }
                AwaitResponse(call);
            });
    }

    // asio tries the read at once (a kept-alive connection the upstream closed answers EOF
    // here) and otherwise leaves it queued on the reactor, which costs no system call: a
    // readiness wait (async_wait) would re-register the socket, an epoll_ctl per call.
    void AwaitResponse(const CallPtr& call) {
        const std::shared_ptr<Connection>& connection = call->connection;
        connection->socket.async_read_some(
            connection->buffer.prepare(kReadChunk),
            [this, call, connection](const SystemError& error, std::size_t bytes) {
                if (call->finished) {
                    return;
                }
                if (error == asio::error::eof) {
                    return OnEof(call);
                }
                if (error) {
                    return OnTransportError(call, error);
                }
                connection->buffer.commit(bytes);
                call->received += bytes;
                if (!ParseBuffered(call)) {
                    AwaitResponse(call);
                }
            });
    }

    /// Feeds the buffer to the parser; true when the call went on (answer or failure).
    bool ParseBuffered(const CallPtr& call) {
        beast::flat_buffer& buffer = call->connection->buffer;
        while (buffer.size() > 0) {
            SystemError error;
            const std::size_t used = call->parser->put(buffer.data(), error);
            buffer.consume(used);
            if (error == http::error::need_more) {
                return false;
            }
            if (error) {
                OnParseError(call, error);
                return true;
            }
            if (call->parser->is_done()) {
                const int status = call->parser->Get().status;
                if (status >= 100 && status < 200 && status != 101) {
                    NewParser(*call);  // an interim answer: the real one follows
                    continue;
                }
                Complete(call, buffer.size() == 0 && call->parser->keep_alive());
                return true;
            }
        }
        return false;
    }

    void OnParseError(const CallPtr& call, const SystemError& error) {
        if (error == http::error::body_limit) {
            return Finish(call, Fail(ResponseTooLarge(call->request.max_response_bytes)));
        }
        if (error == http::error::header_limit) {
            return Finish(call, Fail(ResponseTooLarge(kMaxHeaderBytes)));
        }
        Finish(call,
               Fail(ConnectionFailed("Upstream response is not valid HTTP: " + error.message())));
    }

    void OnEof(const CallPtr& call) {
        if (RetryOnFreshConnection(call)) {
            return;
        }
        if (call->parser->got_some()) {
            SystemError error;
            call->parser->put_eof(error);
            if (!error && call->parser->is_done()) {
                return Complete(call, false);  // a body delimited by the close
            }
        }
        Finish(call, Fail(ConnectionFailed("Upstream closed the connection before answering")));
    }

    void OnTransportError(const CallPtr& call, const SystemError& error) {
        if (RetryOnFreshConnection(call)) {
            return;
        }
        Finish(call, Fail(ConnectionFailed(error.message())));
    }

    // A kept-alive connection the upstream closed while we were sending on it: nothing was
    // answered, so the request goes once more on a new connection (curl does the same).
    bool RetryOnFreshConnection(const CallPtr& call) {
        if (!call->reused || call->retried || call->received > 0) {
            return false;
        }
        call->retried = true;
        call->reused = false;
        Close(*call->connection);
        call->connection.reset();
        NewParser(*call);
        Connect(call);
        return true;
    }

    void Complete(const CallPtr& call, bool reusable) {
        OutboundResponse response = call->parser->Release();
        call->parser.reset();
        std::shared_ptr<Connection> connection = std::move(call->connection);
        if (reusable) {
            Keep(std::move(connection));
        } else {
            Close(*connection);
        }

        OutboundRequest& request = call->request;
        const auto location = response.Header("location");
        if (request.max_redirects > 0 && IsFollowableRedirect(response.status) &&
            location.has_value()) {
            if (auto next = FollowRedirect(request, call->redirects, response.status, *location);
                !next) {
                return Finish(call, Fail(std::move(next.error())));
            }
            ++call->redirects;
            return StartHop(call);
        }
        if (auto decoded = DecodeBody(response, request.max_response_bytes); !decoded) {
            return Finish(call, Fail(std::move(decoded.error())));
        }
        response.effective_url = request.url;
        Finish(call, std::move(response));
    }

    // The rest of a call that left plain http (a redirect to https, already checked) goes to
    // the fallback, with what is left of its time and of its redirects.
    void HandOver(const CallPtr& call) {
        OutboundRequest& request = call->request;
        const auto remaining =
            std::chrono::duration_cast<std::chrono::milliseconds>(call->deadline - Clock::now());
        if (remaining.count() <= 0) {
            return Finish(call, Fail(UpstreamTimeout(request.timeout)));
        }
        call->finished = true;
        active_.erase(call.get());
        OutboundRequest rest = std::move(request);
        rest.timeout = remaining;
        rest.max_redirects -= call->redirects;
        fallback_->Start(std::move(rest), std::move(call->done));
    }

    void Finish(const CallPtr& call, Result<OutboundResponse> result) {
        if (call->finished) {
            return;
        }
        call->finished = true;
        active_.erase(call.get());
        if (call->connection) {
            Close(*call->connection);  // mid-exchange: its state is unknown
            call->connection.reset();
        }
        call->parser.reset();
        LogOutboundCall(call->request, call->started, result);
        Completion done = std::move(call->done);
        done(std::move(result));
    }

    // ---- idle connections ----------------------------------------------------------------

    std::shared_ptr<Connection> TakeIdle(const std::string& key) {
        const auto found = idle_.find(key);
        if (found == idle_.end() || found->second.empty()) {
            return nullptr;
        }
        std::shared_ptr<Connection> connection = std::move(found->second.back());
        found->second.pop_back();
        --idle_count_;
        return connection;
    }

    void Keep(std::shared_ptr<Connection> connection) {
        if (stopping_ || idle_count_ >= options_.max_idle_connections) {
            Close(*connection);
            return;
        }
        idle_[connection->key].push_back(std::move(connection));
        ++idle_count_;
    }

    static void Close(Connection& connection) {
        SystemError ignored;
        connection.socket.close(ignored);
    }

    // ---- the watchdog --------------------------------------------------------------------

    // One timer for every call, re-armed only when a deadline comes earlier than the armed
    // one: setting the reactor's timer is a system call, and most calls share one timeout.
    void ArmWatchdog(Clock::time_point at) {
        if (watchdog_armed_ && watchdog_at_ <= at) {
            return;
        }
        watchdog_armed_ = true;
        watchdog_at_ = at;
        const std::uint64_t generation = ++watchdog_generation_;
        watchdog_.expires_at(at);
        watchdog_.async_wait([this, generation](const SystemError& error) {
            if (error || generation != watchdog_generation_) {
                return;
            }
            watchdog_armed_ = false;
            OnWatchdog();
        });
    }

    void OnWatchdog() {
        const Clock::time_point now = Clock::now();
        std::vector<CallPtr> expired;
        std::optional<Clock::time_point> next;
        for (const auto& [raw, call] : active_) {
            if (call->phase_deadline <= now) {
                expired.push_back(call);
            } else if (!next || call->phase_deadline < *next) {
                next = call->phase_deadline;
            }
        }
        for (const CallPtr& call : expired) {
            if (call->connecting && call->phase_deadline < call->deadline) {
                Finish(call, Fail(ConnectionFailed("Connection timed out")));
            } else {
                Finish(call, Fail(UpstreamTimeout(call->request.timeout)));
            }
        }
        if (next) {
            ArmWatchdog(*next);
        }
    }

    asio::io_context& context_;
    EgressPolicy policy_;
    PlainHttpClientOptions options_;
    std::unique_ptr<HttpClient> fallback_;
    tcp::resolver resolver_;
    asio::steady_timer watchdog_;
    bool watchdog_armed_ = false;
    Clock::time_point watchdog_at_{};
    std::uint64_t watchdog_generation_ = 0;
    bool stopping_ = false;
    std::unordered_map<Call*, CallPtr> active_;
    std::unordered_map<std::string, std::vector<std::shared_ptr<Connection>>> idle_;
    std::size_t idle_count_ = 0;
};

std::unique_ptr<PlainHttpClient> PlainHttpClient::Create(asio::io_context& context,
                                                         EgressPolicy policy,
                                                         PlainHttpClientOptions options,
                                                         std::unique_ptr<HttpClient> fallback) {
    return std::unique_ptr<PlainHttpClient>(new PlainHttpClient(std::make_unique<Impl>(
        context, std::move(policy), std::move(options), std::move(fallback))));
}

PlainHttpClient::PlainHttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PlainHttpClient::~PlainHttpClient() = default;

void PlainHttpClient::Start(OutboundRequest request, Completion done) {
    impl_->Start(std::move(request), std::move(done));
}

bool PlainHttpClient::CompletesOnThisThread() const {
    return impl_->RunningInThisThread();
}

}  // namespace junction::http_client::plain
