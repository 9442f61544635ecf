#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "junction/core/event_queue.hpp"
#include "junction/service/mcp_server_service.hpp"

namespace junction::mcp {

/// The open `GET /mcp/...` event streams of this node, by server (API.md §4.1): a changed
/// server gets `notifications/tools/list_changed` on each stream, a deleted or re-keyed one
/// has its streams closed. Thread-safe.
class StreamHub final : public service::ServerChangeListener {
public:
    /// A new stream for `server_id` (opened within session `session_id` when not empty); the
    /// hub forgets it once the consumer closes it.
    [[nodiscard]] std::shared_ptr<EventQueue> Open(const std::string& server_id,
                                                   const std::string& session_id = {});
    /// Closes the streams opened within a session (it was terminated).
    void CloseSession(const std::string& session_id);
    /// Sends `notifications/tools/list_changed` to every stream of every server (catalog
    /// reload).
    void BroadcastListChanged();
    /// The servers with at least one live stream on this node (what ServerChangePoller
    /// watches).
    [[nodiscard]] std::vector<std::string> ServerIds();

    // ServerChangeListener
    void OnServerChanged(std::string_view server_id) override;
    void OnServerClosed(std::string_view server_id) override;

    /// One SSE event carrying a whole JSON-RPC message on one `data:` line.
    [[nodiscard]] static std::string Event(std::string_view json);

private:
    using StreamMap = std::map<std::string, std::vector<std::weak_ptr<EventQueue>>, std::less<>>;

    /// The live streams under `key` (closed ones are dropped). REQUIRES: mutex_ held.
    static std::vector<std::shared_ptr<EventQueue>> LiveLocked(StreamMap& streams,
                                                               const std::string& key);

    std::mutex mutex_;
    // Guarded by mutex_.
    StreamMap streams_{};   // by server id
    StreamMap sessions_{};  // by session id, for streams opened within one
};

}  // namespace junction::mcp
