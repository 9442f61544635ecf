#include "junction/mcp/server_change_poller.hpp"

#include <algorithm>
#include <vector>

#include "junction/core/log.hpp"

namespace junction::mcp {

ServerChangePoller::ServerChangePoller(storage::McpServerStore& store,
                                       StreamHub& hub,
                                       std::chrono::milliseconds interval)
    : store_(store), hub_(hub), interval_(interval) {}

ServerChangePoller::~ServerChangePoller() {
    Stop();
}

void ServerChangePoller::Start() {
    const std::lock_guard lock(mutex_);
    if (thread_.joinable() || stopping_) {
        return;
    }
    thread_ = std::thread([this] {
        std::unique_lock waiting(mutex_);
        while (!wake_.wait_for(waiting, interval_, [this] { return stopping_; })) {
            waiting.unlock();
            PollOnce();
            waiting.lock();
        }
    });
}

void ServerChangePoller::Stop() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void ServerChangePoller::PollOnce() {
    const std::vector<std::string> watched = hub_.ServerIds();
    std::map<std::string, Seen> now_seen;
    std::vector<std::string> changed;
    std::vector<std::string> closed;
    for (const auto& id : watched) {
        auto row = store_.FindMcpServer(id);
        if (!row) {
            if (row.error().code == ErrorCode::kNotFound) {
                closed.push_back(id);
            } else {
                // The database is unreachable: try again next pass, streams stay as they are.
                LogEvent(spdlog::level::warn,
                         "cannot check an MCP server for changes made on other nodes",
                         {{"server_id", id}, {"error", row.error().message}});
            }
            continue;
        }
        now_seen[id] =
            Seen{.updated_at_ms = ToUnixMillis(row->updated_at), .token_hash = row->token_hash};
    }
    {
        const std::lock_guard lock(mutex_);
        for (const auto& [id, seen] : now_seen) {
            const auto before = seen_.find(id);
            const bool local = local_changes_.erase(id) > 0;
            if (before != seen_.end() && !local) {
                if (before->second.token_hash != seen.token_hash) {
                    closed.push_back(id);
                } else if (before->second.updated_at_ms != seen.updated_at_ms) {
                    changed.push_back(id);
                }
            }
        }
        // Only what is still watched is remembered; a server seen again later starts afresh.
        seen_ = std::move(now_seen);
        std::erase_if(local_changes_, [&](const std::string& id) {
            return std::find(watched.begin(), watched.end(), id) == watched.end();
        });
        for (const auto& id : closed) {
            seen_.erase(id);
        }
    }
    for (const auto& id : changed) {
        hub_.OnServerChanged(id);
    }
    for (const auto& id : closed) {
        hub_.OnServerClosed(id);
    }
}

void ServerChangePoller::OnServerChanged(std::string_view server_id) {
    {
        const std::lock_guard lock(mutex_);
        local_changes_.emplace(server_id);
    }
    hub_.OnServerChanged(server_id);
}

void ServerChangePoller::OnServerClosed(std::string_view server_id) {
    {
        const std::lock_guard lock(mutex_);
        local_changes_.emplace(server_id);
    }
    hub_.OnServerClosed(server_id);
}

}  // namespace junction::mcp
