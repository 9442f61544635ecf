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
    /// A new stream for `server_id`; the hub forgets it once the consumer closes it.
    [[nodiscard]] std::shared_ptr<EventQueue> Open(const std::string& server_id);
    /// Sends `notifications/tools/list_changed` to every stream of every server (catalog
    /// reload).
    void BroadcastListChanged();

    // ServerChangeListener
    void OnServerChanged(std::string_view server_id) override;
    void OnServerClosed(std::string_view server_id) override;

    /// One SSE event carrying a whole JSON-RPC message on one `data:` line.
    [[nodiscard]] static std::string Event(std::string_view json);

private:
    /// The live streams of `server_id` (closed ones are dropped). REQUIRES: mutex_ held.
    std::vector<std::shared_ptr<EventQueue>> LiveLocked(const std::string& server_id);

    std::mutex mutex_;
    // Guarded by mutex_.
    std::map<std::string, std::vector<std::weak_ptr<EventQueue>>, std::less<>> streams_{};
};

}  // namespace junction::mcp
