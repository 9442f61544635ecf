#include "junction/storage/caching_store.hpp"

#include <type_traits>
#include <utility>

namespace junction::storage {
namespace {

constexpr std::string_view kOAuth2 = "oauth2";

}  // namespace

CachingStore::CachingStore(std::unique_ptr<Store> inner, const Clock& clock, CacheOptions options)
    : inner_(std::move(inner)), clock_(clock), options_(options) {}

template <class Row, class Load>
Result<Row> CachingStore::Cached(Map<Row>& map, std::string_view key, Load&& load) {
    // Stamped before the read: an entry never outlives `ttl` counted from when the database
    // could last have changed under it.
    const TimePoint loaded_at = clock_.Now();
    std::uint64_t generation = 0;
    {
        const std::lock_guard lock(mutex_);
        const auto found = map.find(std::string(key));
        if (found != map.end()) {
            const auto age = loaded_at - found->second.loaded_at;
            // A clock that went backwards also expires the entry.
            if (age >= std::chrono::milliseconds(0) && age < options_.ttl) {
                return found->second.row;
            }
            map.erase(found);
        }
        generation = generation_;
    }
    Result<Row> row = load();
    if (!row) {
        return row;  // not found and errors are never cached
    }
    if constexpr (std::is_same_v<Row, CredentialRow>) {
        if (row->authentication_type == kOAuth2) {
            return row;
        }
    }
    const std::lock_guard lock(mutex_);
    // A write invalidated while we read: what we read may predate it.
    if (generation == generation_) {
        if (map.size() >= options_.max_entries) {
            map.clear();
        }
        map.insert_or_assign(std::string(key), Entry<Row>{.row = *row, .loaded_at = loaded_at});
    }
    return row;
}

void CachingStore::Invalidate(unsigned tables) {
    const std::lock_guard lock(mutex_);
    ++generation_;
    if ((tables & kUsers) != 0U) {
        users_by_id_.clear();
        users_by_name_.clear();
    }
    if ((tables & kApiKeys) != 0U) {
        keys_by_hash_.clear();
    }
    if ((tables & kCredentials) != 0U) {
        credentials_.clear();
    }
    if ((tables & kMcpServers) != 0U) {
        mcp_servers_.clear();
    }
}

void CachingStore::Clear() {
    Invalidate(kAllTables);
}

// UserStore

Result<void> CachingStore::CreateUser(const UserRow& user) {
    return inner_->CreateUser(user);
}

Result<UserRow> CachingStore::FindUserById(std::string_view id) {
    return Cached(users_by_id_, id, [&] { return inner_->FindUserById(id); });
}

Result<UserRow> CachingStore::FindUserByUsername(std::string_view username) {
    return Cached(users_by_name_, username, [&] { return inner_->FindUserByUsername(username); });
}

Result<Page<UserRow>> CachingStore::ListUsers(const PageRequest& page) {
    return inner_->ListUsers(page);
}

Result<void> CachingStore::UpdateUser(const UserRow& user) {
    return InvalidateAfter(kUsers, inner_->UpdateUser(user));
}

Result<void> CachingStore::DeleteUser(std::string_view id, TimePoint now) {
    // The user's keys, credentials and MCP servers go with it (ON DELETE CASCADE).
    return InvalidateAfter(kAllTables, inner_->DeleteUser(id, now));
}

Result<std::int64_t> CachingStore::CountUsers() {
    return inner_->CountUsers();
}

Result<std::int64_t> CachingStore::BumpTokenEpoch(std::string_view id) {
    return InvalidateAfter(kUsers, inner_->BumpTokenEpoch(id));
}

// ApiKeyStore

Result<void> CachingStore::CreateApiKey(const ApiKeyRow& key) {
    return inner_->CreateApiKey(key);
}

Result<ApiKeyRow> CachingStore::FindApiKeyByHash(std::string_view key_hash) {
    return Cached(keys_by_hash_, key_hash, [&] { return inner_->FindApiKeyByHash(key_hash); });
}

Result<Page<ApiKeyRow>> CachingStore::ListApiKeys(const PageRequest& page) {
    return inner_->ListApiKeys(page);
}

Result<void> CachingStore::RevokeApiKey(std::string_view id, TimePoint now) {
    return InvalidateAfter(kApiKeys, inner_->RevokeApiKey(id, now));
}

Result<void> CachingStore::TouchApiKey(std::string_view id, TimePoint now) {
    auto touched = inner_->TouchApiKey(id, now);
    if (touched) {
        // Keep the cached rows in step, so the next request does not touch again. No
        // invalidation: a stale last_used_at costs at most one more touch.
        const std::lock_guard lock(mutex_);
        for (auto& [hash, entry] : keys_by_hash_) {
            if (entry.row.id == id) {
                entry.row.last_used_at = now;
            }
        }
    }
    return touched;
}

Result<std::int64_t> CachingStore::CountActiveAdminKeys(TimePoint now) {
    return inner_->CountActiveAdminKeys(now);
}

Result<bool> CachingStore::BootstrapAdminKey(const UserRow& owner, ApiKeyRow key, TimePoint now) {
    return InvalidateAfter(kUsers | kApiKeys,
                           inner_->BootstrapAdminKey(owner, std::move(key), now));
}

// RateLimitStore

Result<WindowCounts> CachingStore::HitRateLimit(std::string_view key,
                                                std::int64_t window_start_ms,
                                                std::int64_t window_ms) {
    return inner_->HitRateLimit(key, window_start_ms, window_ms);
}

Result<WindowCounts> CachingStore::PeekRateLimit(std::string_view key,
                                                 std::int64_t window_start_ms,
                                                 std::int64_t window_ms) {
    return inner_->PeekRateLimit(key, window_start_ms, window_ms);
}

Result<GuardedHit> CachingStore::HitRateLimitUnless(const RateLimitWindow& guard,
                                                    const GuardPredicate& blocked,
                                                    const RateLimitWindow& hit) {
    return inner_->HitRateLimitUnless(guard, blocked, hit);
}

// CredentialStore

Result<void> CachingStore::CreateCredential(const CredentialRow& credential) {
    return inner_->CreateCredential(credential);
}

Result<Page<CredentialRow>> CachingStore::ListCredentials(
    std::string_view user_id,
    const std::optional<std::string>& connector_id,
    const PageRequest& page) {
    return inner_->ListCredentials(user_id, connector_id, page);
}

Result<void> CachingStore::DeleteCredential(std::string_view user_id,
                                            std::string_view credential_id,
                                            const std::optional<std::string>& connector_id) {
    return InvalidateAfter(kCredentials,
                           inner_->DeleteCredential(user_id, credential_id, connector_id));
}

Result<CredentialRow> CachingStore::FindCredential(std::string_view credential_id) {
    return Cached(
        credentials_, credential_id, [&] { return inner_->FindCredential(credential_id); });
}

Result<bool> CachingStore::UpdateCredentialSecret(const CredentialSecretUpdate& update) {
    return InvalidateAfter(kCredentials, inner_->UpdateCredentialSecret(update));
}

Result<void> CachingStore::MarkCredentialExpired(std::string_view credential_id, TimePoint now) {
    return InvalidateAfter(kCredentials, inner_->MarkCredentialExpired(credential_id, now));
}

// AuthConfigStore

Result<AuthConfigRow> CachingStore::CreateAuthConfig(AuthConfigRow config) {
    return inner_->CreateAuthConfig(std::move(config));
}

Result<AuthConfigRow> CachingStore::FindAuthConfig(std::string_view id) {
    return inner_->FindAuthConfig(id);
}

Result<std::optional<AuthConfigRow>> CachingStore::FindDefaultAuthConfig(
    std::string_view connector_id) {
    return inner_->FindDefaultAuthConfig(connector_id);
}

Result<Page<AuthConfigRow>> CachingStore::ListAuthConfigs(
    const std::optional<std::string>& connector_id, const PageRequest& page) {
    return inner_->ListAuthConfigs(connector_id, page);
}

Result<void> CachingStore::UpdateAuthConfig(const AuthConfigRow& config) {
    return inner_->UpdateAuthConfig(config);
}

Result<void> CachingStore::DeleteAuthConfig(std::string_view id) {
    return inner_->DeleteAuthConfig(id);
}

// OAuthFlowStore

Result<void> CachingStore::CreateOAuthFlow(const OAuthFlowRow& flow, TimePoint now) {
    return inner_->CreateOAuthFlow(flow, now);
}

Result<OAuthFlowRow> CachingStore::AuthorizeOAuthFlow(const OAuthFlowAuthorization& authorization) {
    return inner_->AuthorizeOAuthFlow(authorization);
}

Result<OAuthFlowRow> CachingStore::CompleteOAuthFlow(std::string_view state_hash,
                                                     std::string_view connector_id,
                                                     TimePoint now) {
    return inner_->CompleteOAuthFlow(state_hash, connector_id, now);
}

// LeaseStore

Result<bool> CachingStore::TryAcquireLease(std::string_view key,
                                           std::string_view holder,
                                           TimePoint now,
                                           std::chrono::milliseconds ttl) {
    return inner_->TryAcquireLease(key, holder, now, ttl);
}

Result<void> CachingStore::ReleaseLease(std::string_view key, std::string_view holder) {
    return inner_->ReleaseLease(key, holder);
}

// SettingsStore

Result<std::string> CachingStore::PutSettingIfAbsent(std::string_view name,
                                                     std::string_view value,
                                                     TimePoint now) {
    return inner_->PutSettingIfAbsent(name, value, now);
}

Result<std::optional<std::string>> CachingStore::FindSetting(std::string_view name) {
    return inner_->FindSetting(name);
}

Result<bool> CachingStore::ReplaceSetting(std::string_view name,
                                          std::string_view expected,
                                          std::string_view value,
                                          TimePoint now) {
    return inner_->ReplaceSetting(name, expected, value, now);
}

// SealedValueStore

Result<std::vector<SealedValue>> CachingStore::ListSealedValuesNotUnder(
    SealedColumn column, std::uint32_t key_id, std::string_view after_row_id, std::size_t limit) {
    return inner_->ListSealedValuesNotUnder(column, key_id, after_row_id, limit);
}

Result<bool> CachingStore::ReplaceSealedValue(SealedColumn column,
                                              std::string_view expected,
                                              const SealedValue& replacement) {
    // Cached credential rows hold the sealed text; drop them so none names a retired key.
    return InvalidateAfter(kCredentials, inner_->ReplaceSealedValue(column, expected, replacement));
}

Result<std::vector<KeyIdCount>> CachingStore::CountSealedValuesByKeyId(SealedColumn column) {
    return inner_->CountSealedValuesByKeyId(column);
}

// McpServerStore

Result<void> CachingStore::CreateMcpServer(const McpServerRow& server) {
    // A new server's id may be one this node still caches: another node deleted that server
    // less than `ttl` ago.
    return InvalidateAfter(kMcpServers, inner_->CreateMcpServer(server));
}

Result<McpServerRow> CachingStore::FindMcpServer(std::string_view id) {
    return Cached(mcp_servers_, id, [&] { return inner_->FindMcpServer(id); });
}

Result<Page<McpServerRow>> CachingStore::ListMcpServers(std::string_view owner_user_id,
                                                        const PageRequest& page) {
    return inner_->ListMcpServers(owner_user_id, page);
}

Result<void> CachingStore::UpdateMcpServer(const McpServerRow& server) {
    return InvalidateAfter(kMcpServers, inner_->UpdateMcpServer(server));
}

Result<void> CachingStore::RotateMcpServerToken(const McpServerRow& server) {
    return InvalidateAfter(kMcpServers, inner_->RotateMcpServerToken(server));
}

Result<void> CachingStore::DeleteMcpServer(std::string_view id) {
    return InvalidateAfter(kMcpServers, inner_->DeleteMcpServer(id));
}

// McpSessionStore

Result<void> CachingStore::CreateMcpSession(const McpSessionRow& session,
                                            std::size_t max_sessions,
                                            TimePoint idle_cutoff) {
    return inner_->CreateMcpSession(session, max_sessions, idle_cutoff);
}

Result<McpSessionRow> CachingStore::TouchMcpSession(std::string_view id_hash,
                                                    TimePoint idle_cutoff,
                                                    TimePoint now) {
    return inner_->TouchMcpSession(id_hash, idle_cutoff, now);
}

Result<void> CachingStore::DeleteMcpSession(std::string_view id_hash) {
    return inner_->DeleteMcpSession(id_hash);
}

Result<std::int64_t> CachingStore::CountMcpSessions(TimePoint idle_cutoff) {
    return inner_->CountMcpSessions(idle_cutoff);
}

// FileRecordStore

Result<void> CachingStore::UpsertFileRecord(const FileRow& file) {
    return inner_->UpsertFileRecord(file);
}

Result<FileRow> CachingStore::FindFileRecord(std::string_view s3_key) {
    return inner_->FindFileRecord(s3_key);
}

Result<Page<FileRow>> CachingStore::ListFileRecords(std::string_view user_id,
                                                    const PageRequest& page) {
    return inner_->ListFileRecords(user_id, page);
}

Result<void> CachingStore::DeleteFileRecord(std::string_view s3_key) {
    return inner_->DeleteFileRecord(s3_key);
}

// Store

Result<void> CachingStore::Migrate() {
    return InvalidateAfter(kAllTables, inner_->Migrate());
}

Result<void> CachingStore::CheckSchema() {
    return inner_->CheckSchema();
}

Result<void> CachingStore::Ping() {
    return inner_->Ping();
}

}  // namespace junction::storage
