#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "junction/core/clock.hpp"
#include "junction/core/ids.hpp"
#include "junction/core/result.hpp"
#include "junction/service/mcp_server_service.hpp"
#include "junction/service/principal.hpp"
#include "junction/storage/rows.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

/// Cleanup outside the database when a user is deleted (file bytes, provider revocation).
/// Rows the user owns are deleted by the store in the same transaction; listeners run after
/// it commits and must not fail the delete.
class UserDeletionListener {
public:
    UserDeletionListener() = default;
    UserDeletionListener(const UserDeletionListener&) = delete;
    UserDeletionListener& operator=(const UserDeletionListener&) = delete;
    UserDeletionListener(UserDeletionListener&&) = delete;
    UserDeletionListener& operator=(UserDeletionListener&&) = delete;
    virtual ~UserDeletionListener() = default;

    virtual void OnUserDeleted(const storage::UserRow& user) = 0;
};

struct UserPatch {
    std::optional<std::string> username;
    std::optional<std::string> full_name;
};

/// Users (API.md §3.1), with the role rules of §1.1. Thread-safe; call from the blocking pool.
class UserService {
public:
    UserService(storage::Store& store, const Clock& clock, ObjectIdGenerator& ids);

    /// Listeners must outlive the service. Not thread-safe: register before serving.
    void AddDeletionListener(UserDeletionListener& listener);
    /// After deleting a user, tells `servers` (its change listener) that each of the user's MCP
    /// servers was closed. Must outlive the service. Not thread-safe: set before serving.
    void SetMcpServers(McpServerService& servers);

    /// kPermissionDenied (non-admin), kAlreadyExists (username taken).
    [[nodiscard]] Result<storage::UserRow> Create(const Principal& caller,
                                                  std::string username,
                                                  std::string full_name);
    /// kPermissionDenied (non-admin).
    [[nodiscard]] Result<storage::Page<storage::UserRow>> List(const Principal& caller,
                                                               const storage::PageRequest& page);
    /// kPermissionDenied (user key for another user), kNotFound.
    [[nodiscard]] Result<storage::UserRow> Get(const Principal& caller, std::string_view reference);
    /// kPermissionDenied, kNotFound, kAlreadyExists.
    [[nodiscard]] Result<storage::UserRow> Update(const Principal& caller,
                                                  std::string_view reference,
                                                  const UserPatch& patch);
    /// Deletes the user and everything it owns. kPermissionDenied (non-admin), kNotFound,
    /// kFailedPrecondition (the caller's own user, or the last active admin key would go).
    [[nodiscard]] Result<void> Delete(const Principal& caller, std::string_view reference);
    /// Refuses every user JWT issued for the user so far (bumps its token epoch); tokens issued
    /// afterwards work. Admin keys: any user; user keys and user tokens: their own user.
    /// kPermissionDenied (another user, before any lookup), kNotFound.
    [[nodiscard]] Result<void> RevokeTokens(const Principal& caller, std::string_view reference);

private:
    [[nodiscard]] Result<storage::UserRow> Visible(const Principal& caller,
                                                   std::string_view reference);

    storage::Store& store_;
    const Clock& clock_;
    ObjectIdGenerator& ids_;
    std::vector<UserDeletionListener*> deletion_listeners_;
    McpServerService* servers_ = nullptr;
};

/// kPermissionDenied "This operation requires an admin API key" unless `caller` is admin.
[[nodiscard]] Result<void> RequireAdmin(const Principal& caller);

}  // namespace junction::service
