// Connection caps and descriptor exhaustion (issue 18, OPERATIONS.md "Connection limits"), over
// real sockets: idle keep-alive connections beyond the cap are shed oldest first, a full server
// answers 503 (429 per address) and still serves /healthz, and an accept that fails for want
// of descriptors backs off and sheds instead of spinning.
#include <array>
#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "junction/app/config_loader.hpp"
#include "junction/testing/http_client.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::RawConnection;
using testing::RawConnectionOptions;
using testing::SendRaw;
using testing::TestServer;
using testing::TestServerOptions;

constexpr auto kQuick = std::chrono::seconds(5);
const std::string kHealthClose = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

std::string StatusLine(const std::string& response) {
    return response.substr(0, response.find("\r\n"));
}

TestServer CappedServer(const std::string& max, const std::string& per_ip) {
    return TestServer(
        TestServerOptions{.environment = {{"JUNCTION_HTTP_MAX_CONNECTIONS", max},
                                          {"JUNCTION_HTTP_MAX_CONNECTIONS_PER_IP", per_ip}}});
}

// A keep-alive connection that has had one answer and now waits, idle.
std::unique_ptr<RawConnection> IdleConnection(std::uint16_t port,
                                              const std::string& source_ip = "") {
    auto connection =
        std::make_unique<RawConnection>(port, RawConnectionOptions{.source_ip = source_ip});
    EXPECT_TRUE(connection->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string answer = connection->ReadUntil("\"status\":\"ok\"", kQuick);
    EXPECT_EQ(StatusLine(answer), "HTTP/1.1 200 OK");
    // The server counts it idle once it has logged the answer, just after sending it, on its
    // own IO thread: give that thread time, so that connections go idle in the order made.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return connection;
}

// A connection with a request in flight: the server has read its head (it sent 100 Continue)
// and waits for the body.
std::unique_ptr<RawConnection> BusyConnection(std::uint16_t port,
                                              const std::string& source_ip = "") {
    auto connection =
        std::make_unique<RawConnection>(port, RawConnectionOptions{.source_ip = source_ip});
    EXPECT_TRUE(
        connection->Send("POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         "Expect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"));
    EXPECT_EQ(connection->ReadUntil("\r\n\r\n", kQuick), "HTTP/1.1 100 Continue\r\n\r\n");
    return connection;
}

// Whether the server has closed `connection` (waits up to `timeout` for it to do so).
bool ClosedByServer(RawConnection& connection,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    (void)connection.ReadUntil("(never sent)", timeout);
    return connection.PeerClosed();
}

// Whether `connection` still serves a request.
bool StillServes(RawConnection& connection) {
    if (!connection.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: again\r\n\r\n")) {
        return false;
    }
    const std::string answer = connection.ReadUntil("again", kQuick);
    return answer.find("again") != std::string::npos && !connection.PeerClosed();
}

TEST(ConnectionCapTest, IdleConnectionsBeyondTheCapAreShedOldestFirst) {
    TestServer server = CappedServer("8", "100");
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 12; ++i) {
        idle.push_back(IdleConnection(server.Port()));
    }
    // The 9th to 12th connections each took the place of the longest idle one, and so does a
    // health check: it is answered at once.
    const auto started = std::chrono::steady_clock::now();
    const auto health = server.Client().Send("GET", "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(ClosedByServer(*idle[static_cast<std::size_t>(i)])) << "connection " << i;
    }
    for (std::size_t i = 5; i < idle.size(); ++i) {
        EXPECT_TRUE(StillServes(*idle[i])) << "connection " << i;
    }
    const std::string log = server.WaitForLog("connection cap reached");
    EXPECT_NE(log.find(R"("cap":"global")"), std::string::npos);
}

TEST(ConnectionCapTest, AFullServerAnswers503QuicklyAndStillServesHealthz) {
    TestServer server = CappedServer("4", "100");
    std::vector<std::unique_ptr<RawConnection>> busy;
    for (int i = 0; i < 4; ++i) {
        busy.push_back(BusyConnection(server.Port()));
    }
    const auto started = std::chrono::steady_clock::now();
    const std::string refused =
        SendRaw(server.Port(), "GET /users HTTP/1.1\r\nHost: x\r\n\r\n", kQuick);
    EXPECT_EQ(StatusLine(refused), "HTTP/1.1 503 Service Unavailable");
    EXPECT_NE(refused.find("Retry-After: 1\r\n"), std::string::npos) << refused;
    EXPECT_NE(refused.find("Connection: close\r\n"), std::string::npos) << refused;
    EXPECT_NE(refused.find(R"("code":"SERVICE_UNAVAILABLE")"), std::string::npos) << refused;
    EXPECT_NE(refused.find("Too many connections; retry later"), std::string::npos);
    // The liveness probe is served from the reserve.
    const std::string health =
        SendRaw(server.Port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", kQuick);
    EXPECT_EQ(StatusLine(health), "HTTP/1.1 200 OK");
    EXPECT_NE(health.find("Connection: close\r\n"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));

    // The requests in flight were not starved: each finishes (401: no key).
    for (auto& connection : busy) {
        ASSERT_TRUE(connection->Send("{}"));
        EXPECT_NE(connection->ReadUntil("UNAUTHORIZED", kQuick).find("HTTP/1.1 401"),
                  std::string::npos);
    }
    busy.clear();
    // Once they have closed, connections are served as usual again.
    bool served = false;
    for (int i = 0; i < 50 && !served; ++i) {
        const auto again = server.Client().Send("GET", "/users", server.AdminHeaders());
        served = again.status == 200;
        if (!served) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    EXPECT_TRUE(served);
}

TEST(ConnectionCapTest, ThePerAddressCapShedsThatAddressesOwnIdleConnections) {
    TestServer server = CappedServer("100", "2");
    auto other = IdleConnection(server.Port(), "127.0.0.2");  // idle the longest of all
    auto first = IdleConnection(server.Port(), "127.0.0.1");
    auto second = IdleConnection(server.Port(), "127.0.0.1");
    auto third = IdleConnection(server.Port(), "127.0.0.1");
    EXPECT_TRUE(ClosedByServer(*first));
    EXPECT_TRUE(StillServes(*second));
    EXPECT_TRUE(StillServes(*third));
    EXPECT_TRUE(StillServes(*other));
}

TEST(ConnectionCapTest, AnAddressWithEveryConnectionBusyGets429OthersAreServed) {
    TestServer server = CappedServer("100", "2");
    auto busy_one = BusyConnection(server.Port(), "127.0.0.3");
    auto busy_two = BusyConnection(server.Port(), "127.0.0.3");
    RawConnection refused(server.Port(), RawConnectionOptions{.source_ip = "127.0.0.3"});
    ASSERT_TRUE(refused.Send("GET /users HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string answer = refused.ReadUntil("retry later", kQuick);
    EXPECT_EQ(StatusLine(answer), "HTTP/1.1 429 Too Many Requests");
    EXPECT_NE(answer.find("Retry-After: 1\r\n"), std::string::npos) << answer;
    EXPECT_NE(answer.find(R"("code":"RATE_LIMITED")"), std::string::npos) << answer;
    EXPECT_NE(answer.find("Too many connections from this address"), std::string::npos);
    EXPECT_NE(answer.find(R"("limitConnections":2)"), std::string::npos) << answer;
    EXPECT_TRUE(ClosedByServer(refused));

    RawConnection health(server.Port(), RawConnectionOptions{.source_ip = "127.0.0.3"});
    ASSERT_TRUE(health.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(StatusLine(health.ReadUntil("\"status\":\"ok\"", kQuick)), "HTTP/1.1 200 OK");

    auto elsewhere = IdleConnection(server.Port(), "127.0.0.4");
    EXPECT_TRUE(StillServes(*elsewhere));
    EXPECT_NE(server.WaitForLog(R"("cap":"per_ip")").find(R"("cap":"per_ip")"), std::string::npos);
}

TEST(ConnectionCapTest, TrustedProxiesAreHeldOnlyToTheGlobalCap) {
    TestServer server(
        TestServerOptions{.environment = {{"JUNCTION_HTTP_MAX_CONNECTIONS_PER_IP", "1"},
                                          {"JUNCTION_TRUSTED_PROXIES", "127.0.0.5"}}});
    auto first = IdleConnection(server.Port(), "127.0.0.5");
    auto second = IdleConnection(server.Port(), "127.0.0.5");
    auto third = IdleConnection(server.Port(), "127.0.0.5");
    EXPECT_TRUE(StillServes(*first));
    EXPECT_TRUE(StillServes(*second));
    EXPECT_TRUE(StillServes(*third));
}

TEST(ConnectionCapTest, CapsAreSettingsCheckedAtLoad) {
    auto loaded = app::LoadConfig(
        "",
        {{"JUNCTION_HTTP_MAX_CONNECTIONS", "500"}, {"JUNCTION_HTTP_MAX_CONNECTIONS_PER_IP", "50"}});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(loaded->config.http.max_connections, 500U);
    EXPECT_EQ(loaded->config.http.max_connections_per_ip, 50U);
    EXPECT_EQ(app::LoadConfig("", {})->config.http.max_connections, 0U);  // derived at start
    auto bad = app::LoadConfig("", {{"JUNCTION_HTTP_MAX_CONNECTIONS", "-1"}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().message.find("JUNCTION_HTTP_MAX_CONNECTIONS must be an integer"),
              std::string::npos)
        << bad.error().message;
}

// ---- Out of file descriptors ------------------------------------------------------------

// Lowers this process's soft RLIMIT_NOFILE to its lowest free descriptor number, so that
// every descriptor it may still open is taken: the next accept() fails with EMFILE. Restores
// the limit when destroyed (or on Restore()). Let the server serve a request first: UBSan's
// vptr check, on its first sight of a type, probes memory through a pipe, and without a free
// descriptor it reports a false error.
class NoFreeDescriptors {
public:
    NoFreeDescriptors() {
        EXPECT_EQ(::getrlimit(RLIMIT_NOFILE, &saved_), 0);
        const int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        ::close(lowest_free);
        rlimit lowered = saved_;
        lowered.rlim_cur = static_cast<rlim_t>(lowest_free);
        EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
    }
    NoFreeDescriptors(const NoFreeDescriptors&) = delete;
    NoFreeDescriptors& operator=(const NoFreeDescriptors&) = delete;
    NoFreeDescriptors(NoFreeDescriptors&&) = delete;
    NoFreeDescriptors& operator=(NoFreeDescriptors&&) = delete;
    ~NoFreeDescriptors() { Restore(); }
    void Restore() { (void)::setrlimit(RLIMIT_NOFILE, &saved_); }

private:
    rlimit saved_{};
};

// Runs the paths the server takes while out of descriptors once before (see
// NoFreeDescriptors): a request, a connection the client closes, one it resets (a read error
// other than end of stream), then waits for the server to have closed both.
void WarmUp(TestServer& server) {
    ASSERT_EQ(server.Client().Send("GET", "/healthz").status, 200);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server.Port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    std::array<char, 4096> answer{};
    ASSERT_GT(::recv(fd, answer.data(), answer.size(), 0), 0);
    const linger reset{.l_onoff = 1, .l_linger = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

double CpuSeconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::size_t Occurrences(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

TEST(OutOfDescriptorsTest, AcceptBacksOffInsteadOfSpinningAndRecovers) {
    TestServer server;
    WarmUp(server);  // and no connection stays open: there is nothing to shed
    // Sockets made while descriptors are free; they connect once none is left to accept with.
    std::vector<std::unique_ptr<RawConnection>> waiting;
    for (int i = 0; i < 4; ++i) {
        waiting.push_back(std::make_unique<RawConnection>(
            server.Port(), RawConnectionOptions{.source_ip = "", .connect = false}));
    }
    double cpu = 0;
    {
        NoFreeDescriptors exhausted;
        ASSERT_EQ(::open("/dev/null", O_RDONLY | O_CLOEXEC), -1);
        ASSERT_EQ(errno, EMFILE);
        for (auto& connection : waiting) {
            ASSERT_TRUE(connection->Connect());
            ASSERT_TRUE(connection->Send(kHealthClose));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const double before = CpuSeconds();
        std::this_thread::sleep_for(std::chrono::seconds(1));
        cpu = CpuSeconds() - before;
        // Still queued: the server could not accept them.
        EXPECT_EQ(waiting.front()->ReadUntil("HTTP/1.1", std::chrono::milliseconds(1)), "");
    }
    // Spinning on accept() took most of a core; backing off takes next to nothing.
    EXPECT_LT(cpu, 0.3) << "CPU seconds used in one second while out of descriptors";
    // Once descriptors are free again, every queued connection is served.
    for (auto& connection : waiting) {
        EXPECT_EQ(StatusLine(connection->ReadUntil("\"status\":\"ok\"", kQuick)),
                  "HTTP/1.1 200 OK");
    }
    const std::string log = server.WaitForLog("accepting again");
    EXPECT_EQ(Occurrences(log, "accept failing: shedding idle connections and backing off"), 1U)
        << log;
    EXPECT_NE(log.find("Too many open files"), std::string::npos);
    EXPECT_EQ(Occurrences(log, "accepting again"), 1U) << log;
}

TEST(OutOfDescriptorsTest, IdleConnectionsAreShedToServeANewOne) {
    TestServer server;
    WarmUp(server);
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 3; ++i) {
        idle.push_back(IdleConnection(server.Port()));
    }
    RawConnection newcomer(server.Port(), RawConnectionOptions{.source_ip = "", .connect = false});
    NoFreeDescriptors exhausted;
    ASSERT_TRUE(newcomer.Connect());
    ASSERT_TRUE(newcomer.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    // Served while the limit is still exhausted: the idle connections made room.
    EXPECT_EQ(StatusLine(newcomer.ReadUntil("\"status\":\"ok\"", kQuick)), "HTTP/1.1 200 OK");
    exhausted.Restore();
    for (std::size_t i = 0; i < idle.size(); ++i) {
        EXPECT_TRUE(ClosedByServer(*idle[i])) << "connection " << i << "\n" << server.LogText();
    }
}

}  // namespace
}  // namespace junction
