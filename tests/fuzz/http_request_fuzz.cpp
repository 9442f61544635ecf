// The HTTP request reader: raw bytes sent over a loopback TCP connection to a real in-process
// Junction (app::Application, the same http::Server the binary runs: Beast's request_parser
// through async_read_header/async_read, the header, target and body limits, 100-continue,
// chunked bodies, streamed uploads, pipelined keep-alive requests), then routing and the
// unauthenticated part of the pipeline. The limits are lowered so that the fuzzer's inputs
// reach them.
//
// Each input is written on a new connection, which is then half-closed; the target reads
// until the server closes. Invariants: the server closes the connection (within 10 s); what it
// sends is empty or starts with an HTTP/1.x status line; no answer is a 500; and every 64
// inputs, a plain GET /healthz on a fresh connection is still answered 200.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_app.hpp"
#include "fuzz_support.hpp"

namespace {

using junction::fuzz::Check;

constexpr auto kAnswerDeadline = std::chrono::seconds(10);

std::uint16_t g_port = 0;
junction::app::Application* g_app = nullptr;
std::thread* g_server = nullptr;

void StopServer() {
    g_app->Shutdown();
    g_server->join();
}

// Sends `request` on a new connection, half-closes it and returns all the server sent until
// it closed. Aborts when the server keeps the connection open past the deadline.
std::string Exchange(std::string_view request) {
    // A few tries: under load the loopback's ephemeral ports may all be waiting (TIME_WAIT).
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        Check(fd >= 0, "socket() failed");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(g_port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
            close(fd);
            fd = -1;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    Check(fd >= 0, "cannot connect to the in-process server");
    std::size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break;  // the server closed early (it may refuse before reading everything)
        }
        sent += static_cast<std::size_t>(n);
    }
    shutdown(fd, SHUT_WR);
    std::string answer;
    const auto deadline = std::chrono::steady_clock::now() + kAnswerDeadline;
    std::array<char, 16384> buffer{};
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd waiting{.fd = fd, .events = POLLIN, .revents = 0};
        const int ready =
            poll(&waiting, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
        Check(ready != 0, "the server kept the connection open for 10 s after the client's EOF");
        if (ready < 0) {
            continue;
        }
        const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
        if (n <= 0) {
            break;  // EOF or reset: the server closed the connection
        }
        answer.append(buffer.data(), static_cast<std::size_t>(n));
    }
    close(fd);
    return answer;
}

void CheckAnswer(std::string_view answer) {
    if (answer.empty()) {
        return;  // the client sent nothing parseable before its EOF: closed without a word
    }
    Check(
        answer.size() >= 12 && (answer.starts_with("HTTP/1.1 ") || answer.starts_with("HTTP/1.0 ")),
        "the answer does not start with an HTTP/1.x status line");
    for (std::size_t i = 9; i < 12; ++i) {
        Check(answer[i] >= '0' && answer[i] <= '9', "the status code is not three digits");
    }
    // Any status line of a pipelined exchange (no body or header could spell one).
    if (answer.find("HTTP/1.1 500 ") != std::string_view::npos ||
        answer.find("HTTP/1.0 500 ") != std::string_view::npos) {
        std::fprintf(stderr,
                     "answer:\n%.*s\n",
                     static_cast<int>(std::min<std::size_t>(answer.size(), 2000)),
                     answer.data());
        Check(false, "the server answered 500 to a client's bytes");
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    auto fuzz = junction::fuzz::MakeFuzzApp([](junction::Config& config) {
        config.http.max_header_bytes = 2048;
        config.http.max_header_field_bytes = 1024;
        config.http.max_header_count = 24;
        config.http.max_target_bytes = 512;
        config.http.max_body_bytes = 2048;
        config.http.read_timeout = std::chrono::milliseconds(3000);
        config.files.max_upload_bytes = 4096;
        const junction::RateLimitSetting unlimited{.limit = std::int64_t{1} << 40,
                                                   .window = std::chrono::seconds{60}};
        config.rate_limit_api = unlimited;
        config.rate_limit_mcp = unlimited;
        config.rate_limit_auth_failures = unlimited;
        config.rate_limit_oauth = unlimited;
    });
    g_app = fuzz.app;
    auto port = g_app->Listen();
    Check(port.has_value(), "the in-process server cannot listen");
    g_port = *port;
    g_server = new std::thread([] { g_app->Run(false); });
    std::atexit(StopServer);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::size_t runs = 0;
    CheckAnswer(Exchange(junction::fuzz::AsText(data, size)));
    if (++runs % 64 == 0) {
        const std::string health = Exchange("GET /healthz HTTP/1.1\r\nHost: fuzz\r\n\r\n");
        Check(health.starts_with("HTTP/1.1 200 "), "the server no longer answers GET /healthz");
    }
    return 0;
}
