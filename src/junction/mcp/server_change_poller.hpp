#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "junction/mcp/stream_hub.hpp"
#include "junction/service/mcp_server_service.hpp"
#include "junction/storage/store.hpp"

namespace junction::mcp {

/// Brings MCP server changes made on other nodes to this node's event streams (DESIGN.md §12:
/// nodes share nothing but the database). Every `interval`, for each server with a live stream
/// here (StreamHub::ServerIds; none → no query), it reads the server row and compares it with
/// the last one seen: a newer `updated_at` sends `notifications/tools/list_changed`, a new token
/// hash or a missing row (rotated, deleted, owner deleted) closes the streams. So a change on
/// any node reaches every node's streams within `interval` plus one read; the cost is one
/// primary-key read per watched server per interval, on its own thread (never an IO thread).
///
/// It is also McpServerService's change listener: local changes go to the hub at once, as
/// before, and the next pass takes the new row as seen instead of announcing it twice.
/// Thread-safe.
class ServerChangePoller final : public service::ServerChangeListener {
public:
    static constexpr std::chrono::milliseconds kDefaultInterval{500};

    ServerChangePoller(storage::McpServerStore& store,
                       StreamHub& hub,
                       std::chrono::milliseconds interval = kDefaultInterval);
    ServerChangePoller(const ServerChangePoller&) = delete;
    ServerChangePoller& operator=(const ServerChangePoller&) = delete;
    ServerChangePoller(ServerChangePoller&&) = delete;
    ServerChangePoller& operator=(ServerChangePoller&&) = delete;
    ~ServerChangePoller() override;

    /// Starts the polling thread (once).
    void Start();
    /// Stops and joins it; idempotent.
    void Stop();
    /// One pass (what the thread runs every interval; tests call it directly).
    void PollOnce();

    // ServerChangeListener
    void OnServerChanged(std::string_view server_id) override;
    void OnServerClosed(std::string_view server_id) override;

private:
    struct Seen {
        std::int64_t updated_at_ms = 0;
        std::string token_hash{};
    };

    storage::McpServerStore& store_;
    StreamHub& hub_;
    std::chrono::milliseconds interval_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;             // Guarded by mutex_.
    std::map<std::string, Seen> seen_;  // Guarded by mutex_.
    // Changed locally since the last pass: their next row is taken as seen. Guarded by mutex_.
    std::set<std::string, std::less<>> local_changes_;
    std::thread thread_;
};

}  // namespace junction::mcp
