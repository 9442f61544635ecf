#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "junction/core/clock.hpp"
#include "junction/core/ids.hpp"
#include "junction/core/result.hpp"
#include "junction/core/rng.hpp"
#include "junction/core/secret_string.hpp"
#include "junction/service/principal.hpp"
#include "junction/storage/rows.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

/// A key as created: the row and the plaintext, which exists only until it is shown once.
struct CreatedApiKey {
    storage::ApiKeyRow row;
    SecretString key;
};

struct NewApiKey {
    std::string name;
    Role role = Role::kUser;
    std::optional<std::string> owner_user_id;  // default: the caller's owner
    std::optional<TimePoint> expires_at;
};

/// API keys (API.md §3.7) and the bootstrap paths of §1.1. Thread-safe; blocking pool only.
class ApiKeyService {
public:
    ApiKeyService(storage::Store& store, const Clock& clock, Rng& rng, ObjectIdGenerator& ids);

    /// kPermissionDenied (non-admin), kNotFound (owner), kInvalidArgument (past expiry).
    [[nodiscard]] Result<CreatedApiKey> Create(const Principal& caller, const NewApiKey& request);
    /// Active (not revoked) keys. kPermissionDenied.
    [[nodiscard]] Result<storage::Page<storage::ApiKeyRow>> List(const Principal& caller,
                                                                 const storage::PageRequest& page);
    /// kPermissionDenied, kNotFound, kFailedPrecondition (last active admin key).
    [[nodiscard]] Result<void> Revoke(const Principal& caller, std::string_view api_key_id);

    /// `junction api-key create`: owner by username; when the database has no user at all,
    /// the owner is created. kNotFound when the owner does not exist otherwise.
    [[nodiscard]] Result<CreatedApiKey> CreateForOperator(std::string name,
                                                          Role role,
                                                          const std::string& owner_username);
    /// Operator listing and revocation (the CLI acts as an admin).
    [[nodiscard]] Result<storage::Page<storage::ApiKeyRow>> ListForOperator();
    [[nodiscard]] Result<void> RevokeForOperator(std::string_view api_key_id);

    /// JUNCTION_BOOTSTRAP_API_KEY: stores the given key as the first admin key (owner `admin`)
    /// when no active admin key exists. Returns whether it did. kInvalidArgument for a key
    /// shorter than 32 characters or outside [A-Za-z0-9_-].
    [[nodiscard]] Result<bool> BootstrapFromEnvironment(const SecretString& key);
    /// First start: when no active admin key exists, creates user `admin` and an admin key and
    /// returns it (to print once); nullopt when an admin key already exists.
    [[nodiscard]] Result<std::optional<CreatedApiKey>> BootstrapFirstStart();

private:
    storage::ApiKeyRow NewRow(std::string name,
                              Role role,
                              std::string owner_user_id,
                              std::string_view key,
                              std::optional<TimePoint> expires_at);
    storage::UserRow NewAdminUser(const std::string& username);

    storage::Store& store_;
    const Clock& clock_;
    Rng& rng_;
    ObjectIdGenerator& ids_;
};

/// The part of a key that listings show as `prefix`: 8 characters after the `jk_` marker (or
/// the first 8 of a key without it). Never enough to authenticate.
[[nodiscard]] std::string KeyDisplayPrefix(std::string_view key);

}  // namespace junction::service
