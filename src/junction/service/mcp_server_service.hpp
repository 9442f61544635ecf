#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "junction/connectors/catalog.hpp"
#include "junction/core/clock.hpp"
#include "junction/core/config.hpp"
#include "junction/core/result.hpp"
#include "junction/core/rng.hpp"
#include "junction/service/principal.hpp"
#include "junction/service/server_restrictions.hpp"
#include "junction/storage/rows.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

class RestrictionsMemo;

/// A server as the MCP endpoints use it: the row plus its parsed restrictions (shared with the
/// service's memo of parsed restrictions; never null).
struct McpServerContext {
    storage::McpServerRow row{};
    std::shared_ptr<const ServerRestrictions> restrictions = NoRestrictions();
};

struct McpServerPage {
    boost::json::array servers{};
    std::int64_t total = 0;
};

/// Told after a server's configuration changed (Update) or its token and sessions died
/// (RotateToken, Delete, and deletion of the owner user), so the MCP layer can notify open
/// streams and drop cached state. Called on the blocking pool after the store committed; must
/// not block for long and must not throw.
class ServerChangeListener {
public:
    ServerChangeListener() = default;
    ServerChangeListener(const ServerChangeListener&) = delete;
    ServerChangeListener& operator=(const ServerChangeListener&) = delete;
    ServerChangeListener(ServerChangeListener&&) = delete;
    ServerChangeListener& operator=(ServerChangeListener&&) = delete;
    virtual ~ServerChangeListener() = default;

    /// After Update.
    virtual void OnServerChanged(std::string_view server_id) = 0;
    /// After RotateToken and Delete (and for each server of a deleted user).
    virtual void OnServerClosed(std::string_view server_id) = 0;
};

/// MCP server management (API.md §3.8) and the lookups the MCP endpoints need (§4.1, §4.4).
/// Access tokens are `mcp_` + 43 base64url chars, stored as SHA-256 hashes and returned only
/// by Create and RotateToken. Thread-safe. Blocking pool, except AuthenticateToken and
/// Authorize, which an IO thread may also call inside a NonBlockingScope: they read one
/// server row (usually from CachingStore's memory) and keep its parsed restrictions in a memo.
class McpServerService {
public:
    McpServerService(storage::Store& store,
                     const connectors::Catalog& catalog,
                     const Clock& clock,
                     Rng& rng,
                     const Config& config);
    McpServerService(const McpServerService&) = delete;
    McpServerService& operator=(const McpServerService&) = delete;
    McpServerService(McpServerService&&) = delete;
    McpServerService& operator=(McpServerService&&) = delete;
    ~McpServerService();

    /// Optional; nullptr = none. The listener must outlive the service. Not thread-safe: set
    /// it before serving.
    void SetChangeListener(ServerChangeListener* listener);
    /// Tells the listener (if any) that `server_id` was closed by someone else (UserService
    /// deleting the owner).
    void NotifyClosed(std::string_view server_id);

    /// POST /api/servers: `body` is the parsed request object. Owner = `owner`. Returns the
    /// server object with `accessToken` and `accessUrl`. kInvalidArgument (field errors),
    /// kAlreadyExists (name taken by the owner, case-insensitively), kPermissionDenied when a
    /// non-admin `caller` asks for `isPublic: true` or a users restriction (a public server's
    /// token URL acts for any user it names, so only an admin may open one).
    [[nodiscard]] Result<boost::json::object> Create(const Principal& caller,
                                                     const storage::UserRow& owner,
                                                     const boost::json::object& body);
    /// GET /api/servers: the owner's servers, newest first.
    [[nodiscard]] Result<McpServerPage> List(const storage::UserRow& owner,
                                             const storage::PageRequest& page);
    /// GET /api/servers/{id}. kNotFound; kPermissionDenied unless `user` owns it.
    [[nodiscard]] Result<boost::json::object> Get(const storage::UserRow& user,
                                                  std::string_view server_id);
    /// PUT /api/servers/{id}: partial update, restrictions replaced whole (`null` clears).
    /// kInvalidArgument (empty body, tokenExpiresInDays, bad fields), kNotFound,
    /// kPermissionDenied (another user's server; a non-admin `caller` making it public or
    /// changing its users restriction), kAlreadyExists.
    [[nodiscard]] Result<boost::json::object> Update(const Principal& caller,
                                                     const storage::UserRow& user,
                                                     std::string_view server_id,
                                                     const boost::json::object& body);
    /// DELETE /api/servers/{id} → `{"message":"Server deleted","serverId"}`.
    [[nodiscard]] Result<boost::json::object> Delete(const storage::UserRow& user,
                                                     std::string_view server_id);
    /// POST /api/servers/{id}/rotate-token: `body` may hold `tokenExpiresInDays` (absent →
    /// no expiry). Returns the server object with the new `accessToken` and `accessUrl`.
    [[nodiscard]] Result<boost::json::object> RotateToken(const storage::UserRow& user,
                                                          std::string_view server_id,
                                                          const boost::json::object& body);

    /// Token URL: the server if `access_token` is its current, unexpired token.
    /// kUnauthenticated ("Invalid or expired access token") for an unknown server, a wrong,
    /// rotated or expired token (constant-time comparison of hashes). The restrictions are
    /// those of the row read now (parsed once per distinct stored text, see RestrictionsMemo).
    [[nodiscard]] Result<McpServerContext> AuthenticateToken(std::string_view server_id,
                                                             std::string_view access_token);
    /// API URL: the server for an authenticated principal acting as `user`. kNotFound for an
    /// unknown server; kPermissionDenied unless the principal is admin, `user` owns the
    /// server, or the server is public.
    [[nodiscard]] Result<McpServerContext> Authorize(const Principal& principal,
                                                     std::string_view server_id);
    /// The server's object as GET returns it (no token).
    [[nodiscard]] boost::json::object ToJson(const storage::McpServerRow& row) const;

private:
    /// The server if `user` owns it. kNotFound, kPermissionDenied.
    [[nodiscard]] Result<storage::McpServerRow> Owned(const storage::UserRow& user,
                                                      std::string_view server_id);
    /// A fresh token on `row` (hash, lifetime from `days`); returns the token.
    std::string IssueToken(storage::McpServerRow& row, std::optional<std::int64_t> days);
    /// ToJson plus accessToken and accessUrl.
    [[nodiscard]] boost::json::object WithToken(const storage::McpServerRow& row,
                                                const std::string& token) const;
    [[nodiscard]] std::string Url(std::string_view server_id) const;
    /// `row` with its parsed restrictions (kInternal when the stored text is unreadable).
    [[nodiscard]] Result<McpServerContext> WithRestrictions(storage::McpServerRow row);

    storage::Store& store_;
    const connectors::Catalog& catalog_;
    const Clock& clock_;
    Rng& rng_;
    const Config& config_;  // public_url is read per call: it is final only once listening
    ServerChangeListener* listener_ = nullptr;
    std::unique_ptr<RestrictionsMemo> restrictions_memo_;
};

/// serverId slug of a name (API.md §1.3): lowercase; runs outside [a-z0-9] → '-'; trimmed;
/// cut to 60 chars and re-trimmed. "Production Server" → "production-server". Empty when the
/// name has no letter or digit (valid server names always have one; McpServerService would
/// use "server" then).
[[nodiscard]] std::string ServerSlug(std::string_view name);

}  // namespace junction::service
