#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "junction/core/result.hpp"
#include "junction/service/server_restrictions.hpp"

namespace junction::service {

/// Parsed MCP server restrictions, so the MCP endpoints do not parse a server's stored JSON on
/// every request. Keyed by server id; an entry is served only while its text equals the text
/// the caller read from the row now, so restrictions that differ from the row's current text
/// are never served (the parse is a function of the text alone). A full memo is emptied before
/// the next insert. Thread-safe; never blocks for longer than a map lookup (IO threads use it).
class RestrictionsMemo {
public:
    explicit RestrictionsMemo(std::size_t max_entries = 10'000);

    /// The parse of `stored` (McpServerRow::restrictions of server `server_id`), from memory
    /// when this server's last parse was of the same text. Fails like
    /// ServerRestrictions::FromStored (kInternal); failures are not remembered.
    [[nodiscard]] Result<std::shared_ptr<const ServerRestrictions>> Get(std::string_view server_id,
                                                                        std::string_view stored);

    /// Entries held (tests).
    [[nodiscard]] std::size_t Size() const;

private:
    struct Entry {
        std::string text;
        std::shared_ptr<const ServerRestrictions> parsed;
    };
    // Heterogeneous lookup: a string_view finds its entry without a copy of the id.
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view key) const noexcept {
            return std::hash<std::string_view>{}(key);
        }
    };

    const std::size_t max_entries_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;  // Guarded by mutex_.
};

}  // namespace junction::service
