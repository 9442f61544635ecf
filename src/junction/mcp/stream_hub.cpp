#include "junction/mcp/stream_hub.hpp"

namespace junction::mcp {
namespace {

constexpr std::string_view kListChanged =
    R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})";

}  // namespace

std::shared_ptr<EventQueue> StreamHub::Open(const std::string& server_id,
                                            const std::string& session_id) {
    auto queue = std::make_shared<EventQueue>();
    const std::lock_guard lock(mutex_);
    (void)LiveLocked(streams_, server_id);  // prunes streams that ended
    streams_[server_id].push_back(queue);
    if (!session_id.empty()) {
        (void)LiveLocked(sessions_, session_id);
        sessions_[session_id].push_back(queue);
    }
    return queue;
}

void StreamHub::CloseSession(const std::string& session_id) {
    std::vector<std::shared_ptr<EventQueue>> targets;
    {
        const std::lock_guard lock(mutex_);
        targets = LiveLocked(sessions_, session_id);
        sessions_.erase(session_id);
    }
    for (const auto& queue : targets) {
        queue->Close();
    }
}

void StreamHub::BroadcastListChanged() {
    std::vector<std::shared_ptr<EventQueue>> targets;
    {
        const std::lock_guard lock(mutex_);
        std::vector<std::string> ids;
        for (const auto& [id, unused] : streams_) {
            ids.push_back(id);
        }
        for (const auto& id : ids) {
            auto live = LiveLocked(streams_, id);
            targets.insert(targets.end(), live.begin(), live.end());
        }
    }
    for (const auto& queue : targets) {
        queue->Push(Event(kListChanged));
    }
}

std::vector<std::string> StreamHub::ServerIds() {
    const std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    for (const auto& [id, unused] : streams_) {
        ids.push_back(id);
    }
    std::erase_if(ids, [&](const std::string& id) { return LiveLocked(streams_, id).empty(); });
    return ids;
}

void StreamHub::OnServerChanged(std::string_view server_id) {
    std::vector<std::shared_ptr<EventQueue>> targets;
    {
        const std::lock_guard lock(mutex_);
        targets = LiveLocked(streams_, std::string(server_id));
    }
    for (const auto& queue : targets) {
        queue->Push(Event(kListChanged));
    }
}

void StreamHub::OnServerClosed(std::string_view server_id) {
    std::vector<std::shared_ptr<EventQueue>> targets;
    {
        const std::lock_guard lock(mutex_);
        targets = LiveLocked(streams_, std::string(server_id));
        streams_.erase(std::string(server_id));
    }
    for (const auto& queue : targets) {
        queue->Close();
    }
}

std::string StreamHub::Event(std::string_view json) {
    return "event: message\ndata: " + std::string(json) + "\n\n";
}

std::vector<std::shared_ptr<EventQueue>> StreamHub::LiveLocked(StreamMap& streams,
                                                               const std::string& key) {
    std::vector<std::shared_ptr<EventQueue>> live;
    const auto found = streams.find(key);
    if (found == streams.end()) {
        return live;
    }
    auto& entries = found->second;
    std::erase_if(entries, [&](const std::weak_ptr<EventQueue>& weak) {
        auto queue = weak.lock();
        if (!queue || queue->Closed()) {
            return true;
        }
        live.push_back(std::move(queue));
        return false;
    });
    if (entries.empty()) {
        streams.erase(found);
    }
    return live;
}

}  // namespace junction::mcp
