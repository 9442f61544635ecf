#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "junction/core/clock.hpp"
#include "junction/core/result.hpp"
#include "junction/storage/rows.hpp"

namespace junction::storage {

/// Users. Thread-safety: every method is callable from any blocking-pool thread.
class UserStore {
public:
    UserStore() = default;
    UserStore(const UserStore&) = delete;
    UserStore& operator=(const UserStore&) = delete;
    UserStore(UserStore&&) = delete;
    UserStore& operator=(UserStore&&) = delete;
    virtual ~UserStore() = default;

    /// kAlreadyExists ("Username '<u>' already exists") when the username is taken.
    [[nodiscard]] virtual Result<void> CreateUser(const UserRow& user) = 0;
    /// kNotFound when no user has this id.
    [[nodiscard]] virtual Result<UserRow> FindUserById(std::string_view id) = 0;
    /// kNotFound when no user has this username.
    [[nodiscard]] virtual Result<UserRow> FindUserByUsername(std::string_view username) = 0;
    /// Ordered by created_at, then id.
    [[nodiscard]] virtual Result<Page<UserRow>> ListUsers(const PageRequest& page) = 0;
    /// Replaces username, full_name and updated_at. kNotFound, kAlreadyExists.
    [[nodiscard]] virtual Result<void> UpdateUser(const UserRow& user) = 0;
    /// Deletes the user and everything it owns, in one transaction. kNotFound; kFailedPrecondition
    /// when that would leave no active admin API key (lockout protection).
    [[nodiscard]] virtual Result<void> DeleteUser(std::string_view id, TimePoint now) = 0;
    [[nodiscard]] virtual Result<std::int64_t> CountUsers() = 0;
    /// Adds one to the user's token_epoch (refusing every JWT issued before) and returns the new
    /// epoch. Concurrent bumps each add one. kNotFound when no user has this id.
    [[nodiscard]] virtual Result<std::int64_t> BumpTokenEpoch(std::string_view id) = 0;
};

/// API keys (hashes only).
class ApiKeyStore {
public:
    ApiKeyStore() = default;
    ApiKeyStore(const ApiKeyStore&) = delete;
    ApiKeyStore& operator=(const ApiKeyStore&) = delete;
    ApiKeyStore(ApiKeyStore&&) = delete;
    ApiKeyStore& operator=(ApiKeyStore&&) = delete;
    virtual ~ApiKeyStore() = default;

    /// kNotFound when the owner does not exist.
    [[nodiscard]] virtual Result<void> CreateApiKey(const ApiKeyRow& key) = 0;
    /// Includes revoked and expired keys (the caller decides). kNotFound.
    [[nodiscard]] virtual Result<ApiKeyRow> FindApiKeyByHash(std::string_view key_hash) = 0;
    /// Keys not revoked, ordered by created_at, then id.
    [[nodiscard]] virtual Result<Page<ApiKeyRow>> ListApiKeys(const PageRequest& page) = 0;
    /// kNotFound for an unknown or already revoked key; kFailedPrecondition when it is the last
    /// active admin key.
    [[nodiscard]] virtual Result<void> RevokeApiKey(std::string_view id, TimePoint now) = 0;
    [[nodiscard]] virtual Result<void> TouchApiKey(std::string_view id, TimePoint now) = 0;
    /// Admin keys neither revoked nor expired at `now`.
    [[nodiscard]] virtual Result<std::int64_t> CountActiveAdminKeys(TimePoint now) = 0;
    /// Atomically: when no active admin key exists, creates `owner` if no user has its
    /// username (else uses that user) and stores `key` for it; returns whether it did.
    [[nodiscard]] virtual Result<bool> BootstrapAdminKey(const UserRow& owner,
                                                         ApiKeyRow key,
                                                         TimePoint now) = 0;
};

/// Fixed-window hit counters shared by every node (DESIGN.md §12).
class RateLimitStore {
public:
    RateLimitStore() = default;
    RateLimitStore(const RateLimitStore&) = delete;
    RateLimitStore& operator=(const RateLimitStore&) = delete;
    RateLimitStore(RateLimitStore&&) = delete;
    RateLimitStore& operator=(RateLimitStore&&) = delete;
    virtual ~RateLimitStore() = default;

    /// Adds one hit to `key`'s window starting at `window_start_ms` and returns the counts of
    /// that window and of the previous one; forgets older windows of the key.
    [[nodiscard]] virtual Result<WindowCounts> HitRateLimit(std::string_view key,
                                                            std::int64_t window_start_ms,
                                                            std::int64_t window_ms) = 0;
    /// The same counts without adding a hit.
    [[nodiscard]] virtual Result<WindowCounts> PeekRateLimit(std::string_view key,
                                                             std::int64_t window_start_ms,
                                                             std::int64_t window_ms) = 0;
    /// PeekRateLimit(guard), then, unless `blocked(guard's counts)`, HitRateLimit(hit): the
    /// per-IP failure check and the per-key hit of one request in fewer database round trips
    /// (the SQL store reads both keys in one statement). `hit` is empty when blocked.
    [[nodiscard]] virtual Result<GuardedHit> HitRateLimitUnless(const RateLimitWindow& guard,
                                                                const GuardPredicate& blocked,
                                                                const RateLimitWindow& hit) {
        auto guard_counts = PeekRateLimit(guard.key, guard.window_start_ms, guard.window_ms);
        if (!guard_counts) {
            return Fail(std::move(guard_counts.error()));
        }
        GuardedHit outcome{.guard = *guard_counts};
        if (blocked(outcome.guard)) {
            return outcome;
        }
        auto counts = HitRateLimit(hit.key, hit.window_start_ms, hit.window_ms);
        if (!counts) {
            return Fail(std::move(counts.error()));
        }
        outcome.hit = *counts;
        return outcome;
    }
};

/// Small named values the server keeps for itself (e.g. the sealed JWT secret). Values are
/// opaque text; secrets arrive already encrypted.
class SettingsStore {
public:
    SettingsStore() = default;
    SettingsStore(const SettingsStore&) = delete;
    SettingsStore& operator=(const SettingsStore&) = delete;
    SettingsStore(SettingsStore&&) = delete;
    SettingsStore& operator=(SettingsStore&&) = delete;
    virtual ~SettingsStore() = default;

    /// Stores `value` under `name` unless a value exists; returns the value now stored, so
    /// concurrent first starts of several nodes agree on one.
    [[nodiscard]] virtual Result<std::string> PutSettingIfAbsent(std::string_view name,
                                                                 std::string_view value,
                                                                 TimePoint now) = 0;
    /// The value stored under `name`, or nullopt when there is none.
    [[nodiscard]] virtual Result<std::optional<std::string>> FindSetting(std::string_view name) = 0;
    /// Compare-and-swap: stores `value` (and `now` as updated_at) only if `name` still holds
    /// exactly `expected`; returns whether it did (false when the value changed or is gone).
    [[nodiscard]] virtual Result<bool> ReplaceSetting(std::string_view name,
                                                      std::string_view expected,
                                                      std::string_view value,
                                                      TimePoint now) = 0;
};

/// Master-key rotation over the columns holding sealed values (DESIGN.md §10). The store only
/// moves opaque text: the service opens each value with its old key and seals it with the new
/// one. Thread-safety: callable from any thread, concurrently with the server's own writes.
class SealedValueStore {
public:
    SealedValueStore() = default;
    SealedValueStore(const SealedValueStore&) = delete;
    SealedValueStore& operator=(const SealedValueStore&) = delete;
    SealedValueStore(SealedValueStore&&) = delete;
    SealedValueStore& operator=(SealedValueStore&&) = delete;
    virtual ~SealedValueStore() = default;

    /// Up to `limit` values of `column` whose key_id is not `key_id` and whose row id sorts
    /// after `after_row_id` (empty: from the first row), ordered by row id. Paging by row id
    /// means a value left under an old key (one that did not open) is not returned again.
    [[nodiscard]] virtual Result<std::vector<SealedValue>> ListSealedValuesNotUnder(
        SealedColumn column,
        std::uint32_t key_id,
        std::string_view after_row_id,
        std::size_t limit) = 0;
    /// Compare-and-swap on the exact stored text: writes `replacement.sealed` and
    /// `replacement.key_id` to row `replacement.row_id` only if `column` still holds
    /// `expected`. Nothing else changes (credentials keep their `version`, so token refreshes
    /// racing with rotation are unaffected). Returns false when the row changed meanwhile or
    /// is gone.
    [[nodiscard]] virtual Result<bool> ReplaceSealedValue(SealedColumn column,
                                                          std::string_view expected,
                                                          const SealedValue& replacement) = 0;
    /// Rows of `column` per key id, ordered by key id; key ids without rows are absent.
    [[nodiscard]] virtual Result<std::vector<KeyIdCount>> CountSealedValuesByKeyId(
        SealedColumn column) = 0;
};

/// End users' credentials (ciphertext only).
class CredentialStore {
public:
    CredentialStore() = default;
    CredentialStore(const CredentialStore&) = delete;
    CredentialStore& operator=(const CredentialStore&) = delete;
    CredentialStore(CredentialStore&&) = delete;
    CredentialStore& operator=(CredentialStore&&) = delete;
    virtual ~CredentialStore() = default;

    /// kNotFound when the user does not exist.
    [[nodiscard]] virtual Result<void> CreateCredential(const CredentialRow& credential) = 0;
    /// The user's credentials (of one connector when given), newest `updated_at` first.
    [[nodiscard]] virtual Result<Page<CredentialRow>> ListCredentials(
        std::string_view user_id,
        const std::optional<std::string>& connector_id,
        const PageRequest& page) = 0;
    /// kNotFound ("Credential '<id>' not found") unless `user_id` owns it (and it belongs to
    /// `connector_id` when given): another user's credential looks absent.
    [[nodiscard]] virtual Result<void> DeleteCredential(
        std::string_view user_id,
        std::string_view credential_id,
        const std::optional<std::string>& connector_id) = 0;
    /// Any user's credential by id (callers check ownership). kNotFound.
    [[nodiscard]] virtual Result<CredentialRow> FindCredential(std::string_view credential_id) = 0;
    /// Writes the new secret and bumps `version` if the row is still at `expected_version`;
    /// false when another writer got there first. kNotFound when the row is gone.
    [[nodiscard]] virtual Result<bool> UpdateCredentialSecret(
        const CredentialSecretUpdate& update) = 0;
    /// Sets `status` to expired (and `updated_at`); kNotFound when the row is gone.
    [[nodiscard]] virtual Result<void> MarkCredentialExpired(std::string_view credential_id,
                                                             TimePoint now) = 0;
};

/// Operators' OAuth clients (auth configs). At most one default per connector.
class AuthConfigStore {
public:
    AuthConfigStore() = default;
    AuthConfigStore(const AuthConfigStore&) = delete;
    AuthConfigStore& operator=(const AuthConfigStore&) = delete;
    AuthConfigStore(AuthConfigStore&&) = delete;
    AuthConfigStore& operator=(AuthConfigStore&&) = delete;
    virtual ~AuthConfigStore() = default;

    /// Stores `config`; it becomes the connector's default when `config.is_default` or when the
    /// connector has no default yet (clearing the flag elsewhere). Returns the stored row.
    /// kAlreadyExists when the connector already has an auth config of that name.
    [[nodiscard]] virtual Result<AuthConfigRow> CreateAuthConfig(AuthConfigRow config) = 0;
    /// kNotFound ("Auth config '<id>' not found").
    [[nodiscard]] virtual Result<AuthConfigRow> FindAuthConfig(std::string_view id) = 0;
    /// The connector's default auth config, if it has one.
    [[nodiscard]] virtual Result<std::optional<AuthConfigRow>> FindDefaultAuthConfig(
        std::string_view connector_id) = 0;
    /// Ordered by created_at, then id.
    [[nodiscard]] virtual Result<Page<AuthConfigRow>> ListAuthConfigs(
        const std::optional<std::string>& connector_id, const PageRequest& page) = 0;
    /// Replaces every mutable column; `is_default` true clears the flag on the connector's
    /// other auth configs. kNotFound, kAlreadyExists (name).
    [[nodiscard]] virtual Result<void> UpdateAuthConfig(const AuthConfigRow& config) = 0;
    /// kNotFound; kFailedPrecondition with `extra.credentialCount` while credentials use it.
    [[nodiscard]] virtual Result<void> DeleteAuthConfig(std::string_view id) = 0;
};

/// Pending OAuth browser flows (API.md §3.4). Each step consumes its secret atomically, so a
/// token or a state works once, on one node, before it expires.
class OAuthFlowStore {
public:
    OAuthFlowStore() = default;
    OAuthFlowStore(const OAuthFlowStore&) = delete;
    OAuthFlowStore& operator=(const OAuthFlowStore&) = delete;
    OAuthFlowStore(OAuthFlowStore&&) = delete;
    OAuthFlowStore& operator=(OAuthFlowStore&&) = delete;
    virtual ~OAuthFlowStore() = default;

    /// Stores a new flow and forgets flows that can no longer complete.
    [[nodiscard]] virtual Result<void> CreateOAuthFlow(const OAuthFlowRow& flow, TimePoint now) = 0;
    /// Consumes the one-time token of a live flow matching connector, user and (when given)
    /// redirect URI, and binds the state; returns the flow. kNotFound otherwise.
    [[nodiscard]] virtual Result<OAuthFlowRow> AuthorizeOAuthFlow(
        const OAuthFlowAuthorization& authorization) = 0;
    /// Consumes a live, authorized state of `connector_id` and returns its flow. kNotFound
    /// for an unknown, expired, used or other connector's state.
    [[nodiscard]] virtual Result<OAuthFlowRow> CompleteOAuthFlow(std::string_view state_hash,
                                                                 std::string_view connector_id,
                                                                 TimePoint now) = 0;
};

/// Short leases that let one node at a time do a piece of work (e.g. refresh one credential).
class LeaseStore {
public:
    LeaseStore() = default;
    LeaseStore(const LeaseStore&) = delete;
    LeaseStore& operator=(const LeaseStore&) = delete;
    LeaseStore(LeaseStore&&) = delete;
    LeaseStore& operator=(LeaseStore&&) = delete;
    virtual ~LeaseStore() = default;

    /// Takes `key` for `holder` until now + ttl when it is free or its lease has expired (or
    /// `holder` already has it); returns whether `holder` now holds it.
    [[nodiscard]] virtual Result<bool> TryAcquireLease(std::string_view key,
                                                       std::string_view holder,
                                                       TimePoint now,
                                                       std::chrono::milliseconds ttl) = 0;
    /// Gives `key` up if `holder` holds it.
    [[nodiscard]] virtual Result<void> ReleaseLease(std::string_view key,
                                                    std::string_view holder) = 0;
};

/// MCP servers (API.md §3.8). Deleting a user deletes its servers (and their sessions).
class McpServerStore {
public:
    McpServerStore() = default;
    McpServerStore(const McpServerStore&) = delete;
    McpServerStore& operator=(const McpServerStore&) = delete;
    McpServerStore(McpServerStore&&) = delete;
    McpServerStore& operator=(McpServerStore&&) = delete;
    virtual ~McpServerStore() = default;

    /// kAlreadyExists ("A server named '<name>' already exists") when the owner has a server
    /// with the same `name_key`; kNotFound when the owner does not exist.
    [[nodiscard]] virtual Result<void> CreateMcpServer(const McpServerRow& server) = 0;
    /// kNotFound ("Server '<id>' not found").
    [[nodiscard]] virtual Result<McpServerRow> FindMcpServer(std::string_view id) = 0;
    /// The owner's servers, newest created_at first (ties: id descending).
    [[nodiscard]] virtual Result<Page<McpServerRow>> ListMcpServers(std::string_view owner_user_id,
                                                                    const PageRequest& page) = 0;
    /// Replaces name, name_key, description, custom_instructions, is_public, restrictions and
    /// updated_at. kNotFound, kAlreadyExists (name).
    [[nodiscard]] virtual Result<void> UpdateMcpServer(const McpServerRow& server) = 0;
    /// Replaces token_hash, token_expires_in_days, token_expires_at and updated_at, and deletes
    /// the server's sessions, in one transaction. kNotFound.
    [[nodiscard]] virtual Result<void> RotateMcpServerToken(const McpServerRow& server) = 0;
    /// Deletes the server and its sessions. kNotFound.
    [[nodiscard]] virtual Result<void> DeleteMcpServer(std::string_view id) = 0;
};

/// MCP sessions, shared by every node (DESIGN.md §12).
class McpSessionStore {
public:
    McpSessionStore() = default;
    McpSessionStore(const McpSessionStore&) = delete;
    McpSessionStore& operator=(const McpSessionStore&) = delete;
    McpSessionStore(McpSessionStore&&) = delete;
    McpSessionStore& operator=(McpSessionStore&&) = delete;
    virtual ~McpSessionStore() = default;

    /// Stores a new session; when more than `max_sessions` exist afterwards, the least recently
    /// used ones are deleted. Also forgets sessions idle since before `idle_cutoff`.
    [[nodiscard]] virtual Result<void> CreateMcpSession(const McpSessionRow& session,
                                                        std::size_t max_sessions,
                                                        TimePoint idle_cutoff) = 0;
    /// The session if it exists and was used at or after `idle_cutoff`; sets its
    /// last_used_at to `now`. kNotFound otherwise.
    [[nodiscard]] virtual Result<McpSessionRow> TouchMcpSession(std::string_view id_hash,
                                                                TimePoint idle_cutoff,
                                                                TimePoint now) = 0;
    /// kNotFound when there is no such session.
    [[nodiscard]] virtual Result<void> DeleteMcpSession(std::string_view id_hash) = 0;
    [[nodiscard]] virtual Result<std::int64_t> CountMcpSessions(TimePoint idle_cutoff) = 0;
};

/// Metadata of users' files (API.md §3.5). Deleting a user deletes its rows.
class FileRecordStore {
public:
    FileRecordStore() = default;
    FileRecordStore(const FileRecordStore&) = delete;
    FileRecordStore& operator=(const FileRecordStore&) = delete;
    FileRecordStore(FileRecordStore&&) = delete;
    FileRecordStore& operator=(FileRecordStore&&) = delete;
    virtual ~FileRecordStore() = default;

    /// Inserts the row or, when `s3_key` exists, replaces its mime_type, md5, size and
    /// updated_at (created_at stays). kNotFound when the user does not exist.
    [[nodiscard]] virtual Result<void> UpsertFileRecord(const FileRow& file) = 0;
    /// kNotFound ("File '<s3Key>' not found").
    [[nodiscard]] virtual Result<FileRow> FindFileRecord(std::string_view s3_key) = 0;
    /// The user's files ordered by filename (bytewise), then s3_key.
    [[nodiscard]] virtual Result<Page<FileRow>> ListFileRecords(std::string_view user_id,
                                                                const PageRequest& page) = 0;
    /// kNotFound when there is no such row.
    [[nodiscard]] virtual Result<void> DeleteFileRecord(std::string_view s3_key) = 0;
};

/// The whole database. Migrate before use.
class Store : public UserStore,
              public ApiKeyStore,
              public RateLimitStore,
              public SettingsStore,
              public CredentialStore,
              public AuthConfigStore,
              public OAuthFlowStore,
              public LeaseStore,
              public SealedValueStore,
              public McpServerStore,
              public McpSessionStore,
              public FileRecordStore {
public:
    /// Applies pending migrations (serialized across nodes). kFailedPrecondition when the
    /// database has a newer schema than this binary knows.
    [[nodiscard]] virtual Result<void> Migrate() = 0;
    /// kFailedPrecondition when the schema is missing, older or newer than this binary's.
    [[nodiscard]] virtual Result<void> CheckSchema() = 0;
    /// kUnavailable when the database does not answer.
    [[nodiscard]] virtual Result<void> Ping() = 0;
};

}  // namespace junction::storage
