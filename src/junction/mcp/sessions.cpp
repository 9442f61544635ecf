#include "junction/mcp/sessions.hpp"

#include "junction/crypto/hash.hpp"

namespace junction::mcp {
namespace {

Error SessionNotFound() {
    return Error{.code = ErrorCode::kNotFound,
                 .message = "Session not found; send initialize to start a new one"};
}

}  // namespace

SessionManager::SessionManager(storage::McpSessionStore& store, const Clock& clock, Rng& rng)
    : store_(store), clock_(clock), rng_(rng) {}

Result<std::string> SessionManager::Open(const SessionBinding& binding,
                                         std::string_view protocol_version) {
    std::string id = crypto::GenerateToken(rng_, "");
    const TimePoint now = clock_.Now();
    const storage::McpSessionRow row{.id_hash = crypto::Sha256Hex(id),
                                     .server_id = binding.server_id,
                                     .user_id = binding.user_id,
                                     .principal = binding.principal,
                                     .protocol_version = std::string(protocol_version),
                                     .created_at = now,
                                     .last_used_at = now};
    if (auto stored = store_.CreateMcpSession(row, kMaxSessions, now - kIdleTimeout); !stored) {
        return Fail(std::move(stored.error()));
    }
    return id;
}

Result<std::string> SessionManager::Resume(std::string_view session_id,
                                           const SessionBinding& binding) {
    const TimePoint now = clock_.Now();
    auto row = store_.TouchMcpSession(crypto::Sha256Hex(session_id), now - kIdleTimeout, now);
    if (!row) {
        if (row.error().code == ErrorCode::kNotFound) {
            return Fail(SessionNotFound());
        }
        return Fail(std::move(row.error()));
    }
    if (row->server_id != binding.server_id || row->principal != binding.principal ||
        row->user_id != binding.user_id) {
        return Fail(SessionNotFound());
    }
    return std::move(row->protocol_version);
}

Result<void> SessionManager::Close(std::string_view session_id, const SessionBinding& binding) {
    auto version = Resume(session_id, binding);
    if (!version) {
        return Fail(std::move(version.error()));
    }
    auto deleted = store_.DeleteMcpSession(crypto::Sha256Hex(session_id));
    if (!deleted && deleted.error().code == ErrorCode::kNotFound) {
        return Fail(SessionNotFound());
    }
    return deleted;
}

}  // namespace junction::mcp
