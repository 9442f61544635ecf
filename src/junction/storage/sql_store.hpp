#pragma once

#include <memory>

#include "junction/storage/sql.hpp"
#include "junction/storage/store.hpp"

namespace junction::storage {

/// The one implementation of Store, written once over SqlDatabase; the SQLite and PostgreSQL
/// drivers supply connections, dialect details and migrations. Thread-safe.
class SqlStore final : public Store {
public:
    explicit SqlStore(std::unique_ptr<SqlDatabase> database);

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

    // RateLimitStore
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

    // AuthConfigStore (sql_store_oauth.cpp)
    [[nodiscard]] Result<AuthConfigRow> CreateAuthConfig(AuthConfigRow config) override;
    [[nodiscard]] Result<AuthConfigRow> FindAuthConfig(std::string_view id) override;
    [[nodiscard]] Result<std::optional<AuthConfigRow>> FindDefaultAuthConfig(
        std::string_view connector_id) override;
    [[nodiscard]] Result<Page<AuthConfigRow>> ListAuthConfigs(
        const std::optional<std::string>& connector_id, const PageRequest& page) override;
    [[nodiscard]] Result<void> UpdateAuthConfig(const AuthConfigRow& config) override;
    [[nodiscard]] Result<void> DeleteAuthConfig(std::string_view id) override;

    // OAuthFlowStore (sql_store_oauth.cpp)
    [[nodiscard]] Result<void> CreateOAuthFlow(const OAuthFlowRow& flow, TimePoint now) override;
    [[nodiscard]] Result<OAuthFlowRow> AuthorizeOAuthFlow(
        const OAuthFlowAuthorization& authorization) override;
    [[nodiscard]] Result<OAuthFlowRow> CompleteOAuthFlow(std::string_view state_hash,
                                                         std::string_view connector_id,
                                                         TimePoint now) override;

    // LeaseStore (sql_store_oauth.cpp)
    [[nodiscard]] Result<bool> TryAcquireLease(std::string_view key,
                                               std::string_view holder,
                                               TimePoint now,
                                               std::chrono::milliseconds ttl) override;
    [[nodiscard]] Result<void> ReleaseLease(std::string_view key, std::string_view holder) override;

    // McpServerStore (sql_store_mcp.cpp)
    [[nodiscard]] Result<void> CreateMcpServer(const McpServerRow& server) override;
    [[nodiscard]] Result<McpServerRow> FindMcpServer(std::string_view id) override;
    [[nodiscard]] Result<Page<McpServerRow>> ListMcpServers(std::string_view owner_user_id,
                                                            const PageRequest& page) override;
    [[nodiscard]] Result<void> UpdateMcpServer(const McpServerRow& server) override;
    [[nodiscard]] Result<void> RotateMcpServerToken(const McpServerRow& server) override;
    [[nodiscard]] Result<void> DeleteMcpServer(std::string_view id) override;

    // McpSessionStore (sql_store_mcp.cpp)
    [[nodiscard]] Result<void> CreateMcpSession(const McpSessionRow& session_row,
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

    // SettingsStore
    [[nodiscard]] Result<std::string> PutSettingIfAbsent(std::string_view name,
                                                         std::string_view value,
                                                         TimePoint now) override;
    [[nodiscard]] Result<std::optional<std::string>> FindSetting(std::string_view name) override;
    [[nodiscard]] Result<bool> ReplaceSetting(std::string_view name,
                                              std::string_view expected,
                                              std::string_view value,
                                              TimePoint now) override;

    // SealedValueStore (sql_store_keys.cpp)
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

    // Store
    [[nodiscard]] Result<void> Migrate() override;
    [[nodiscard]] Result<void> CheckSchema() override;
    [[nodiscard]] Result<void> Ping() override;

private:
    std::unique_ptr<SqlDatabase> database_{};
};

}  // namespace junction::storage
