#include "junction/service/restrictions_memo.hpp"

#include <utility>

namespace junction::service {

RestrictionsMemo::RestrictionsMemo(std::size_t max_entries) : max_entries_(max_entries) {}

Result<std::shared_ptr<const ServerRestrictions>> RestrictionsMemo::Get(std::string_view server_id,
                                                                        std::string_view stored) {
    {
        const std::lock_guard lock(mutex_);
        const auto found = entries_.find(server_id);
        // The whole text is compared, not a version or a timestamp: whatever row the caller
        // read, it gets the parse of exactly that row's text.
        if (found != entries_.end() && found->second.text == stored) {
            return found->second.parsed;
        }
    }
    // Parsed outside the lock: a slow parse never holds up other servers' requests.
    auto parsed = ServerRestrictions::FromStored(stored);
    if (!parsed) {
        return Fail(std::move(parsed.error()));
    }
    auto shared = std::make_shared<const ServerRestrictions>(std::move(*parsed));
    const std::lock_guard lock(mutex_);
    auto found = entries_.find(server_id);
    if (found != entries_.end()) {
        // Last writer wins; either text is served only to a caller that read that same text.
        found->second = Entry{.text = std::string(stored), .parsed = shared};
        return shared;
    }
    if (entries_.size() >= max_entries_) {
        entries_.clear();
    }
    entries_.emplace(std::string(server_id), Entry{.text = std::string(stored), .parsed = shared});
    return shared;
}

std::size_t RestrictionsMemo::Size() const {
    const std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace junction::service
