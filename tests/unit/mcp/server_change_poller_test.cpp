#include "junction/mcp/server_change_poller.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace junction::mcp {
namespace {

using namespace std::chrono_literals;

// The rows another node writes: the poller only reads them.
class SharedServers final : public storage::McpServerStore {
public:
    void Put(const std::string& id, std::int64_t updated_at_ms, const std::string& token_hash) {
        const std::lock_guard lock(mutex_);
        rows_[id] = storage::McpServerRow{
            .id = id, .token_hash = token_hash, .updated_at = FromUnixMillis(updated_at_ms)};
    }
    void Remove(const std::string& id) {
        const std::lock_guard lock(mutex_);
        rows_.erase(id);
    }
    void FailReads(bool fail) { fail_.store(fail); }
    [[nodiscard]] int Reads() const { return reads_.load(); }

    Result<void> CreateMcpServer(const storage::McpServerRow& /*server*/) override {
        return Fail(ErrorCode::kInternal, "not used");
    }
    Result<storage::McpServerRow> FindMcpServer(std::string_view id) override {
        ++reads_;
        if (fail_.load()) {
            return Fail(ErrorCode::kUnavailable, "database down");
        }
        const std::lock_guard lock(mutex_);
        const auto found = rows_.find(std::string(id));
        if (found == rows_.end()) {
            return Fail(ErrorCode::kNotFound, "Server not found");
        }
        return found->second;
    }
    Result<storage::Page<storage::McpServerRow>> ListMcpServers(
        std::string_view /*owner_user_id*/, const storage::PageRequest& /*page*/) override {
        return Fail(ErrorCode::kInternal, "not used");
    }
    Result<void> UpdateMcpServer(const storage::McpServerRow& /*server*/) override {
        return Fail(ErrorCode::kInternal, "not used");
    }
    Result<void> RotateMcpServerToken(const storage::McpServerRow& /*server*/) override {
        return Fail(ErrorCode::kInternal, "not used");
    }
    Result<void> DeleteMcpServer(std::string_view /*id*/) override {
        return Fail(ErrorCode::kInternal, "not used");
    }

private:
    std::mutex mutex_;
    std::map<std::string, storage::McpServerRow> rows_;
    std::atomic<int> reads_{0};
    std::atomic<bool> fail_{false};
};

std::size_t Events(EventQueue& queue) {
    bool closed = false;
    return queue.Drain(closed).size();
}

TEST(ServerChangePollerTest, ReadsNothingWhileNoStreamIsOpen) {
    SharedServers servers;
    StreamHub hub;
    ServerChangePoller poller(servers, hub);
    servers.Put("srv-a", 1000, "h1");
    poller.PollOnce();
    EXPECT_EQ(servers.Reads(), 0);
}

TEST(ServerChangePollerTest, AnotherNodesUpdateNotifiesAndRotationOrDeletionCloses) {
    SharedServers servers;
    StreamHub hub;
    ServerChangePoller poller(servers, hub);
    servers.Put("srv-a", 1000, "h1");
    servers.Put("srv-b", 1000, "h1");
    auto a = hub.Open("srv-a");
    auto b = hub.Open("srv-b");
    poller.PollOnce();  // first sight: remembered, not announced
    EXPECT_EQ(Events(*a), 0U);

    servers.Put("srv-a", 2000, "h1");
    poller.PollOnce();
    EXPECT_EQ(Events(*a), 1U) << "a newer updated_at is a list change";
    EXPECT_EQ(Events(*b), 0U);
    poller.PollOnce();
    EXPECT_EQ(Events(*a), 0U) << "announced once";

    servers.Put("srv-a", 3000, "h2");
    poller.PollOnce();
    EXPECT_TRUE(a->Closed()) << "a new token hash ends the streams of the old token";
    servers.Remove("srv-b");
    poller.PollOnce();
    EXPECT_TRUE(b->Closed()) << "a deleted server ends its streams";
}

TEST(ServerChangePollerTest, LocalChangesAreAnnouncedAtOnceAndNotAgain) {
    SharedServers servers;
    StreamHub hub;
    ServerChangePoller poller(servers, hub);
    servers.Put("srv-a", 1000, "h1");
    auto a = hub.Open("srv-a");
    poller.PollOnce();

    servers.Put("srv-a", 2000, "h1");  // this node's own update…
    poller.OnServerChanged("srv-a");   // …told by McpServerService after the commit
    EXPECT_EQ(Events(*a), 1U);
    poller.PollOnce();
    EXPECT_EQ(Events(*a), 0U) << "the poller takes its own node's change as seen";

    servers.Put("srv-a", 3000, "h1");  // then another node's
    poller.PollOnce();
    EXPECT_EQ(Events(*a), 1U);

    poller.OnServerClosed("srv-a");
    EXPECT_TRUE(a->Closed());
}

TEST(ServerChangePollerTest, AnUnreachableDatabaseKeepsStreamsOpen) {
    SharedServers servers;
    StreamHub hub;
    ServerChangePoller poller(servers, hub);
    servers.Put("srv-a", 1000, "h1");
    auto a = hub.Open("srv-a");
    poller.PollOnce();
    servers.FailReads(true);
    poller.PollOnce();
    EXPECT_FALSE(a->Closed());
    servers.FailReads(false);
    servers.Put("srv-a", 2000, "h1");
    poller.PollOnce();
    poller.PollOnce();
    EXPECT_FALSE(a->Closed());
}

TEST(ServerChangePollerTest, TheThreadPollsEveryIntervalUntilStopped) {
    SharedServers servers;
    StreamHub hub;
    ServerChangePoller poller(servers, hub, 10ms);
    servers.Put("srv-a", 1000, "h1");
    auto a = hub.Open("srv-a");
    poller.Start();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (servers.Reads() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    servers.Remove("srv-a");
    while (!a->Closed() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_TRUE(a->Closed());
    poller.Stop();
    const int reads = servers.Reads();
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(servers.Reads(), reads) << "no pass after Stop";
}

}  // namespace
}  // namespace junction::mcp
