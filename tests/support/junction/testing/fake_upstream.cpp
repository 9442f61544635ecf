#include "junction/testing/fake_upstream.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>

namespace junction::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kBodyLimit = 64UL * 1024 * 1024;

struct Route {
    std::string method;
    std::string path;
    UpstreamHandler handler;
};

std::string Lowercase(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return lower;
}

}  // namespace

std::optional<std::string> RecordedRequest::Header(std::string_view lowercase_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lowercase_name) {
            return value;
        }
    }
    return std::nullopt;
}

UpstreamResponse UpstreamResponse::Json(std::string body, int status) {
    return UpstreamResponse{.status = status,
                            .headers = {{"Content-Type", "application/json"}},
                            .body = std::move(body)};
}

UpstreamResponse UpstreamResponse::Text(std::string body, int status) {
    return UpstreamResponse{
        .status = status, .headers = {{"Content-Type", "text/plain"}}, .body = std::move(body)};
}

UpstreamResponse UpstreamResponse::Redirect(int status, std::string location) {
    return UpstreamResponse{.status = status, .headers = {{"Location", std::move(location)}}};
}

class FakeUpstream::Impl {
public:
    explicit Impl(const UpstreamTls* tls)
        : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        if (tls != nullptr) {
            tls_.emplace(asio::ssl::context::tls_server);
            tls_->use_certificate_chain(asio::buffer(tls->cert_pem));
            tls_->use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
        }
        port_ = acceptor_.local_endpoint().port();
        asio::co_spawn(ioc_, Accept(), asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    Impl(Impl&&) = delete;
    Impl& operator=(Impl&&) = delete;
    ~Impl() {
        ioc_.stop();
        thread_.join();
    }

    [[nodiscard]] std::uint16_t Port() const { return port_; }
    [[nodiscard]] bool Tls() const { return tls_.has_value(); }

    void CloseConnectionsAfter(std::size_t requests) {
        const std::lock_guard lock(mutex_);
        close_after_ = requests;
    }

    [[nodiscard]] TlsConnectionStats TlsStats() const {
        const std::lock_guard lock(mutex_);
        return tls_stats_;
    }

    void On(std::string method, std::string path, UpstreamHandler handler) {
        const std::lock_guard lock(mutex_);
        routes_.push_back(Route{
            .method = std::move(method), .path = std::move(path), .handler = std::move(handler)});
    }

    [[nodiscard]] std::vector<RecordedRequest> Requests() const {
        const std::lock_guard lock(mutex_);
        return requests_;
    }

    void Reset() {
        const std::lock_guard lock(mutex_);
        routes_.clear();
        requests_.clear();
    }

private:
    asio::awaitable<void> Accept() {
        while (true) {
            boost::system::error_code ec;
            tcp::socket socket =
                co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                co_return;
            }
            if (tls_) {
                asio::co_spawn(ioc_, ServeTls(std::move(socket)), asio::detached);
            } else {
                asio::co_spawn(ioc_, ServePlain(std::move(socket)), asio::detached);
            }
        }
    }

    asio::awaitable<void> ServePlain(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        co_await Serve(stream);
        boost::system::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    asio::awaitable<void> ServeTls(tcp::socket socket) {
        beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls_);
        boost::system::error_code ec;
        co_await stream.async_handshake(asio::ssl::stream_base::server,
                                        asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            co_return;
        }
        {
            const std::lock_guard lock(mutex_);
            ++tls_stats_.handshakes;
            tls_stats_.resumed += SSL_session_reused(stream.native_handle()) == 1 ? 1U : 0U;
        }
        co_await Serve(stream);
        // close_notify first, as web servers do: a TLS client treats a bare TCP close as an
        // error and drops the session it would have resumed.
        co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
        beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    template <class Stream>
    asio::awaitable<void> Serve(Stream& stream) {
        beast::flat_buffer buffer;
        std::size_t answered = 0;
        while (true) {
            bhttp::request_parser<bhttp::string_body> parser;
            parser.body_limit(kBodyLimit);
            boost::system::error_code ec;
            co_await bhttp::async_read(
                stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                co_return;  // closed by the client, or not HTTP at all (e.g. a TLS hello)
            }
            const bhttp::request<bhttp::string_body>& request = parser.get();
            RecordedRequest recorded{.method = std::string(request.method_string()),
                                     .target = std::string(request.target())};
            recorded.path = recorded.target.substr(0, recorded.target.find('?'));
            for (const auto& field : request) {
                recorded.headers.emplace_back(Lowercase(field.name_string()),
                                              std::string(field.value()));
            }
            recorded.body = request.body();
            ++answered;
            const bool keep_alive = request.keep_alive() && !CloseNow(answered);
            const UpstreamResponse answer = Answer(recorded);

            if (answer.delay.count() > 0) {
                asio::steady_timer timer(ioc_, answer.delay);
                co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
            bhttp::response<bhttp::string_body> response;
            response.version(11);
            response.result(static_cast<unsigned>(answer.status));
            for (const auto& [name, value] : answer.headers) {
                response.insert(name, value);
            }
            response.body() = answer.body;
            response.keep_alive(keep_alive);
            response.prepare_payload();
            co_await bhttp::async_write(
                stream, response, asio::redirect_error(asio::use_awaitable, ec));
            if (ec || !keep_alive) {
                co_return;  // the caller closes the connection
            }
        }
    }

    bool CloseNow(std::size_t answered) {
        const std::lock_guard lock(mutex_);
        return close_after_ != 0 && answered >= close_after_;
    }

    UpstreamResponse Answer(const RecordedRequest& recorded) {
        UpstreamHandler handler;
        {
            const std::lock_guard lock(mutex_);
            requests_.push_back(recorded);
            const auto route =
                std::find_if(routes_.rbegin(), routes_.rend(), [&](const Route& candidate) {
                    return (candidate.method == "*" || candidate.method == recorded.method) &&
                           candidate.path == recorded.path;
                });
            if (route != routes_.rend()) {
                handler = route->handler;
            }
        }
        if (!handler) {
            return UpstreamResponse::Text("no route", 404);
        }
        return handler(recorded);  // outside the lock: handlers may inspect the upstream
    }

    asio::io_context ioc_{1};
    std::optional<asio::ssl::context> tls_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    mutable std::mutex mutex_;
    std::vector<Route> routes_;              // Guarded by mutex_.
    std::vector<RecordedRequest> requests_;  // Guarded by mutex_.
    std::size_t close_after_ = 0;            // Guarded by mutex_.
    TlsConnectionStats tls_stats_{};         // Guarded by mutex_.
    std::thread thread_;
};

FakeUpstream::FakeUpstream() : impl_(std::make_unique<Impl>(nullptr)) {}

FakeUpstream::FakeUpstream(const UpstreamTls& tls) : impl_(std::make_unique<Impl>(&tls)) {}

FakeUpstream::~FakeUpstream() = default;

std::uint16_t FakeUpstream::Port() const {
    return impl_->Port();
}

std::string FakeUpstream::BaseUrl() const {
    return (impl_->Tls() ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(Port());
}

std::string FakeUpstream::Url(std::string_view path_and_query) const {
    return BaseUrl() + std::string(path_and_query);
}

void FakeUpstream::On(std::string method, std::string path, UpstreamResponse response) {
    impl_->On(std::move(method), std::move(path), [response = std::move(response)](const auto&) {
        return response;
    });
}

void FakeUpstream::On(std::string method, std::string path, UpstreamHandler handler) {
    impl_->On(std::move(method), std::move(path), std::move(handler));
}

std::vector<RecordedRequest> FakeUpstream::Requests() const {
    return impl_->Requests();
}

std::vector<RecordedRequest> FakeUpstream::RequestsTo(std::string_view path) const {
    std::vector<RecordedRequest> matching;
    for (auto& request : impl_->Requests()) {
        if (request.path == path) {
            matching.push_back(std::move(request));
        }
    }
    return matching;
}

std::size_t FakeUpstream::CallCount(std::string_view path) const {
    return RequestsTo(path).size();
}

void FakeUpstream::Reset() {
    impl_->Reset();
}

void FakeUpstream::CloseConnectionsAfter(std::size_t requests) {
    impl_->CloseConnectionsAfter(requests);
}

TlsConnectionStats FakeUpstream::TlsStats() const {
    return impl_->TlsStats();
}

}  // namespace junction::testing
