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

    // SettingsStore
    [[nodiscard]] Result<std::string> PutSettingIfAbsent(std::string_view name,
                                                         std::string_view value,
                                                         TimePoint now) override;

    // Store
    [[nodiscard]] Result<void> Migrate() override;
    [[nodiscard]] Result<void> CheckSchema() override;
    [[nodiscard]] Result<void> Ping() override;

private:
    std::unique_ptr<SqlDatabase> database_{};
};

}  // namespace junction::storage
