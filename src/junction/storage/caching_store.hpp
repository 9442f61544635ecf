#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "junction/core/clock.hpp"
#include "junction/storage/store.hpp"

namespace junction::storage {

struct CacheOptions {
    /// How long a row read from the database is served from memory. Other nodes' writes take
    /// effect here within this time (API.md §1.4: a revoked key stops working on every node
    /// within 1 s), so it must stay ≤ 1 s.
    std::chrono::milliseconds ttl{1000};
    /// Entries per cache; a full cache is emptied before the next insert.
    std::size_t max_entries = 10'000;
};

/// A Store that serves the reads every authenticated request makes (API key by hash, user by
/// id or username, a non-OAuth credential by id, an MCP server by id) from memory for up to
/// `ttl`, and forwards everything else. Only found rows are cached, so a new key, user or
/// server is visible at once.
///
/// Local writes invalidate: every write this node makes goes through this object, and a write
/// to users, API keys, credentials or MCP servers empties the caches it can affect before it
/// returns. A read that raced with such a write is not cached (a generation counter), so a
/// revoked key, a deleted user, a deleted credential, or a server's rotated token, changed
/// restrictions or deletion is seen at once on this node; other nodes see it within `ttl`.
/// OAuth2 credentials are never cached (refresh reads must see the current `version`), and the
/// cached credential rows hold ciphertext only. Thread-safe; a cache hit never blocks (it is
/// what lets an IO thread answer a request inside a NonBlockingScope).
class CachingStore final : public Store {
public:
    CachingStore(std::unique_ptr<Store> inner, const Clock& clock, CacheOptions options = {});

    // UserStore
    [[nodiscard]] Result<void> CreateUser(const UserRow& user) override;
    [[nodiscard]] Result<UserRow> FindUserById(std::string_view id) override;
    [[nodiscard]] Result<UserRow> FindUserByUsername(std::string_view username) override;
    [[nodiscard]] Result<Page<UserRow>> ListUsers(const PageRequest& page) override;
    [[nodiscard]] Result<void> UpdateUser(const UserRow& user) override;
    [[nodiscard]] Result<void> DeleteUser(std::string_view id, TimePoint now) override;
    [[nodiscard]] Result<std::int64_t> CountUsers() override;
    [[nodiscard]] Result<std::int64_t> BumpTokenEpoch(std::string_view id) override;

    // ApiKeyStore
    [[nodiscard]] Result<void> CreateApiKey(const ApiKeyRow& key) override;
    [[nodiscard]] Result<ApiKeyRow> FindApiKeyByHash(std::string_view key_hash) override;
    [[nodiscard]] Result<Page<ApiKeyRow>> ListApiKeys(const PageRequest& page) override;
    [[nodiscard]] Result<void> RevokeApiKey(std::string_view id, TimePoint now) override;
    [[nodiscard]] Result<void> TouchApiKey(std::string_view id, TimePoint now) override;
    [[nodiscard]] Result<std::int64_t> CountActiveAdminKeys(TimePoint now) override;
    [[nodiscard]] Result<bool> BootstrapAdminKey(const UserRow& owner,
                                                 ApiKeyRow key,
                                                 TimePoint now) override;

    // RateLimitStore (never cached: limits are shared by every node)
    [[nodiscard]] Result<WindowCounts> HitRateLimit(std::string_view key,
                                                    std::int64_t window_start_ms,
                                                    std::int64_t window_ms) override;
    [[nodiscard]] Result<WindowCounts> PeekRateLimit(std::string_view key,
                                                     std::int64_t window_start_ms,
                                                     std::int64_t window_ms) override;
    [[nodiscard]] Result<GuardedHit> HitRateLimitUnless(const RateLimitWindow& guard,
                                                        const GuardPredicate& blocked,
                                                        const RateLimitWindow& hit) override;

    // CredentialStore
    [[nodiscard]] Result<void> CreateCredential(const CredentialRow& credential) override;
    [[nodiscard]] Result<Page<CredentialRow>> ListCredentials(
        std::string_view user_id,
        const std::optional<std::string>& connector_id,
        const PageRequest& page) override;
    [[nodiscard]] Result<void> DeleteCredential(
        std::string_view user_id,
        std::string_view credential_id,
        const std::optional<std::string>& connector_id) override;
    [[nodiscard]] Result<CredentialRow> FindCredential(std::string_view credential_id) override;
    [[nodiscard]] Result<bool> UpdateCredentialSecret(
        const CredentialSecretUpdate& update) override;
    [[nodiscard]] Result<void> MarkCredentialExpired(std::string_view credential_id,
                                                     TimePoint now) override;

    // AuthConfigStore
    [[nodiscard]] Result<AuthConfigRow> CreateAuthConfig(AuthConfigRow config) override;
    [[nodiscard]] Result<AuthConfigRow> FindAuthConfig(std::string_view id) override;
    [[nodiscard]] Result<std::optional<AuthConfigRow>> FindDefaultAuthConfig(
        std::string_view connector_id) override;
    [[nodiscard]] Result<Page<AuthConfigRow>> ListAuthConfigs(
        const std::optional<std::string>& connector_id, const PageRequest& page) override;
    [[nodiscard]] Result<void> UpdateAuthConfig(const AuthConfigRow& config) override;
    [[nodiscard]] Result<void> DeleteAuthConfig(std::string_view id) override;

    // OAuthFlowStore
    [[nodiscard]] Result<void> CreateOAuthFlow(const OAuthFlowRow& flow, TimePoint now) override;
    [[nodiscard]] Result<OAuthFlowRow> AuthorizeOAuthFlow(
        const OAuthFlowAuthorization& authorization) override;
    [[nodiscard]] Result<OAuthFlowRow> CompleteOAuthFlow(std::string_view state_hash,
                                                         std::string_view connector_id,
                                                         TimePoint now) override;

    // LeaseStore
    [[nodiscard]] Result<bool> TryAcquireLease(std::string_view key,
                                               std::string_view holder,
                                               TimePoint now,
                                               std::chrono::milliseconds ttl) override;
    [[nodiscard]] Result<void> ReleaseLease(std::string_view key, std::string_view holder) override;

    // SettingsStore
    [[nodiscard]] Result<std::string> PutSettingIfAbsent(std::string_view name,
                                                         std::string_view value,
                                                         TimePoint now) override;
    [[nodiscard]] Result<std::optional<std::string>> FindSetting(std::string_view name) override;
    [[nodiscard]] Result<bool> ReplaceSetting(std::string_view name,
                                              std::string_view expected,
                                              std::string_view value,
                                              TimePoint now) override;

    // SealedValueStore
    [[nodiscard]] Result<std::vector<SealedValue>> ListSealedValuesNotUnder(
        SealedColumn column,
        std::uint32_t key_id,
        std::string_view after_row_id,
        std::size_t limit) override;
    [[nodiscard]] Result<bool> ReplaceSealedValue(SealedColumn column,
                                                  std::string_view expected,
                                                  const SealedValue& replacement) override;
    [[nodiscard]] Result<std::vector<KeyIdCount>> CountSealedValuesByKeyId(
        SealedColumn column) override;

    // McpServerStore (FindMcpServer cached: the MCP endpoints read the server on every request)
    [[nodiscard]] Result<void> CreateMcpServer(const McpServerRow& server) override;
    [[nodiscard]] Result<McpServerRow> FindMcpServer(std::string_view id) override;
    [[nodiscard]] Result<Page<McpServerRow>> ListMcpServers(std::string_view owner_user_id,
                                                            const PageRequest& page) override;
    [[nodiscard]] Result<void> UpdateMcpServer(const McpServerRow& server) override;
    [[nodiscard]] Result<void> RotateMcpServerToken(const McpServerRow& server) override;
    [[nodiscard]] Result<void> DeleteMcpServer(std::string_view id) override;

    // McpSessionStore
    [[nodiscard]] Result<void> CreateMcpSession(const McpSessionRow& session,
                                                std::size_t max_sessions,
                                                TimePoint idle_cutoff) override;
    [[nodiscard]] Result<McpSessionRow> TouchMcpSession(std::string_view id_hash,
                                                        TimePoint idle_cutoff,
                                                        TimePoint now) override;
    [[nodiscard]] Result<void> DeleteMcpSession(std::string_view id_hash) override;
    [[nodiscard]] Result<std::int64_t> CountMcpSessions(TimePoint idle_cutoff) override;

    // FileRecordStore
    [[nodiscard]] Result<void> UpsertFileRecord(const FileRow& file) override;
    [[nodiscard]] Result<FileRow> FindFileRecord(std::string_view s3_key) override;
    [[nodiscard]] Result<Page<FileRow>> ListFileRecords(std::string_view user_id,
                                                        const PageRequest& page) override;
    [[nodiscard]] Result<void> DeleteFileRecord(std::string_view s3_key) override;

    // Store
    [[nodiscard]] Result<void> Migrate() override;
    [[nodiscard]] Result<void> CheckSchema() override;
    [[nodiscard]] Result<void> Ping() override;

    /// Forgets every cached row (tests; also what each local write does to its tables).
    void Clear();
    /// The wrapped store, for reads that must see the database as it is now (the MCP change
    /// poller compares rows across nodes; a cached row would delay it by up to `ttl`). Never
    /// write through it: this cache would not hear of the write.
    [[nodiscard]] McpServerStore& UncachedMcpServers() { return *inner_; }

private:
    template <class Row>
    struct Entry {
        Row row;
        TimePoint loaded_at;
    };
    template <class Row>
    using Map = std::unordered_map<std::string, Entry<Row>>;

    // What a write can make stale.
    enum Tables : unsigned { kUsers = 1U, kApiKeys = 2U, kCredentials = 4U, kMcpServers = 8U };
    static constexpr unsigned kAllTables = kUsers | kApiKeys | kCredentials | kMcpServers;

    template <class Row, class Load>
    [[nodiscard]] Result<Row> Cached(Map<Row>& map, std::string_view key, Load&& load);
    void Invalidate(unsigned tables);
    template <class T>
    T InvalidateAfter(unsigned tables, T result) {
        Invalidate(tables);
        return result;
    }

    std::unique_ptr<Store> inner_;
    const Clock& clock_;
    CacheOptions options_;
    std::mutex mutex_;
    std::uint64_t generation_ = 0;    // Guarded by mutex_.
    Map<ApiKeyRow> keys_by_hash_;     // Guarded by mutex_.
    Map<UserRow> users_by_id_;        // Guarded by mutex_.
    Map<UserRow> users_by_name_;      // Guarded by mutex_.
    Map<CredentialRow> credentials_;  // Guarded by mutex_.
    Map<McpServerRow> mcp_servers_;   // Guarded by mutex_.
};

}  // namespace junction::storage
