#pragma once

#include <optional>
#include <string_view>

#include "junction/core/clock.hpp"
#include "junction/core/result.hpp"
#include "junction/service/principal.hpp"
#include "junction/service/token_service.hpp"
#include "junction/storage/rows.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

/// Turns presented credentials into a Principal and decides the effective user (API.md §1.1).
/// Thread-safe; call from the blocking pool (it reads the store).
class AuthService {
public:
    AuthService(storage::Store& store, const Clock& clock, const TokenService& tokens);

    /// Verifies `Authorization: Bearer <API key or JWT>` and `x-alloy-user-token: <JWT>`. A
    /// valid JWT makes the caller its user (role user); every presented credential must be
    /// valid. kUnauthenticated ("Invalid or missing authentication") for a missing, malformed,
    /// unknown, revoked or expired key or token, a token issued before its user's token epoch
    /// moved (UserService::RevokeTokens), or a token whose user is gone;
    /// kPermissionDenied when two tokens name different users.
    [[nodiscard]] Result<Principal> Authenticate(std::optional<std::string_view> authorization,
                                                 std::optional<std::string_view> user_token);

    /// The user a request acts for: the `x-alloy-userid` user (by id or username) when given,
    /// else the key's owner. kPermissionDenied when a user key names another user; kNotFound
    /// for an unknown user.
    [[nodiscard]] Result<storage::UserRow> ResolveEffectiveUser(
        const Principal& principal, std::optional<std::string_view> user_override);

private:
    [[nodiscard]] Result<Principal> FromApiKey(std::string_view token);
    [[nodiscard]] Result<Principal> FromUserToken(std::string_view token);

    storage::Store& store_;
    const Clock& clock_;
    const TokenService& tokens_;
};

/// Finds a user by reference: a 24-hex value is tried as an id first, then as a username.
/// kNotFound ("User '<ref>' not found"). Finds only; authorizes nothing (see ResolveUserFor).
[[nodiscard]] Result<storage::UserRow> FindUserByReference(storage::UserStore& users,
                                                           std::string_view reference);

/// The user `reference` (id or username) names, if `caller` may see it: an admin may see
/// anyone; anyone else only the user whose resolved id is their own. A non-admin gets
/// kPermissionDenied (`denied_message`) for another user and for an unknown one alike.
[[nodiscard]] Result<storage::UserRow> ResolveUserFor(const Principal& caller,
                                                      storage::UserStore& users,
                                                      std::string_view reference,
                                                      std::string_view denied_message);

/// kInvalidArgument (field `username`) for a username that looks like a user id: references
/// resolve ids first, so such a name would shadow or impersonate another user's id.
[[nodiscard]] Result<void> CheckUsername(std::string_view username);

}  // namespace junction::service
