#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "junction/core/clock.hpp"
#include "junction/core/result.hpp"
#include "junction/core/rng.hpp"
#include "junction/storage/store.hpp"

namespace junction::mcp {

/// Who a session belongs to: it only serves requests with the same server, caller and
/// effective user (API.md §4.1: a foreign session id is as unknown as a made-up one).
struct SessionBinding {
    std::string server_id{};
    std::string principal{};  // "token:<hash>" on the token URL, else Principal::RateLimitKey()
    std::string user_id{};
};

/// Optional MCP sessions (`Mcp-Session-Id`), kept in the database so any node serves any
/// session (DESIGN.md §12). Ids are 32 random bytes, base64url; only their SHA-256 is stored.
/// Thread-safe; blocking pool only.
class SessionManager {
public:
    static constexpr std::chrono::minutes kIdleTimeout{30};
    static constexpr std::size_t kMaxSessions = 10'000;

    SessionManager(storage::McpSessionStore& store, const Clock& clock, Rng& rng);

    /// Starts a session and returns its id (shown to the client once, in the header).
    [[nodiscard]] Result<std::string> Open(const SessionBinding& binding,
                                           std::string_view protocol_version);
    /// The negotiated protocol version of a live session bound to `binding`, refreshing its
    /// idle timer. kNotFound ("Session not found") for an unknown, expired or foreign id.
    [[nodiscard]] Result<std::string> Resume(std::string_view session_id,
                                             const SessionBinding& binding);
    /// Ends a session bound to `binding`. kNotFound as Resume.
    [[nodiscard]] Result<void> Close(std::string_view session_id, const SessionBinding& binding);

private:
    storage::McpSessionStore& store_;
    const Clock& clock_;
    Rng& rng_;
};

}  // namespace junction::mcp
