#include "junction/storage/sql_store.hpp"

#include <string>
#include <utility>

#include "junction/storage/detail/sql_support.hpp"

namespace junction::storage {
namespace {

using detail::InSession;
using detail::InTransaction;
using detail::OptionalText;
using detail::QueryCount;
using detail::Select;
using detail::TimeParam;
using detail::ToInt;
using detail::ToOptionalTime;

// Serializes transactions that change which admin keys are active (lockout protection) and
// migrations across nodes; SQLite's BEGIN IMMEDIATE already serializes writers.
constexpr std::int64_t kAdminKeysLock = 0x4A554E4354494F31;  // "JUNCTIO1"
constexpr std::int64_t kMigrationLock = 0x4A554E4354494F32;

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
    "applied_at BIGINT NOT NULL)";
constexpr std::string_view kSelectSchemaVersion =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";

constexpr std::string_view kUserColumns =
    "id, username, full_name, created_at, updated_at, token_epoch";
constexpr std::string_view kApiKeyColumns =
    "id, name, role, owner_user_id, key_hash, prefix, created_at, expires_at, last_used_at, "
    "revoked_at";
constexpr std::string_view kActiveAdminCondition =
    "role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)";

UserRow ToUser(const SqlRow& row) {
    return UserRow{.id = row[0].value_or(""),
                   .username = row[1].value_or(""),
                   .full_name = row[2].value_or(""),
                   .created_at = FromUnixMillis(ToInt(row[3])),
                   .updated_at = FromUnixMillis(ToInt(row[4])),
                   .token_epoch = ToInt(row[5])};
}

ApiKeyRow ToApiKey(const SqlRow& row) {
    return ApiKeyRow{.id = row[0].value_or(""),
                     .name = row[1].value_or(""),
                     .role = row[2].value_or(""),
                     .owner_user_id = row[3].value_or(""),
                     .key_hash = row[4].value_or(""),
                     .prefix = row[5].value_or(""),
                     .created_at = FromUnixMillis(ToInt(row[6])),
                     .expires_at = ToOptionalTime(row[7]),
                     .last_used_at = ToOptionalTime(row[8]),
                     .revoked_at = ToOptionalTime(row[9])};
}

// A unique violation on users.username reads as a public conflict naming the username.
Error UsernameConflict(const Error& error, const std::string& username) {
    if (error.code != ErrorCode::kAlreadyExists) {
        return error;
    }
    Error conflict{.code = ErrorCode::kAlreadyExists,
                   .message = "Username '" + username + "' already exists"};
    conflict.extra["field"] = "username";
    return conflict;
}

// One user by `column` (id or username); kNotFound names the value looked for.
Result<UserRow> FindUser(SqlSession& session, std::string_view column, std::string_view value) {
    auto rows =
        session.Query(Select(kUserColumns, "FROM users WHERE " + std::string(column) + " = $1"),
                      {std::string(value)});
    if (!rows) {
        return Fail(std::move(rows.error()));
    }
    if (rows->empty()) {
        return Fail(ErrorCode::kNotFound, "User '" + std::string(value) + "' not found");
    }
    return ToUser(rows->front());
}

std::string ActiveAdminCount(std::string_view extra_condition = {}) {
    std::string sql = "SELECT count(*) FROM api_keys WHERE ";
    sql += kActiveAdminCondition;
    sql += extra_condition;
    return sql;
}

Result<std::int64_t> SchemaVersion(SqlSession& session) {
    if (auto created = session.Query(kCreateMigrationsTable, {}); !created) {
        return Fail(std::move(created.error()));
    }
    return QueryCount(session, kSelectSchemaVersion, {});
}

}  // namespace

SqlStore::SqlStore(std::unique_ptr<SqlDatabase> database) : database_(std::move(database)) {}

Result<void> SqlStore::CreateUser(const UserRow& user) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query(
            "INSERT INTO users (id, username, full_name, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            {user.id,
             user.username,
             user.full_name,
             ToUnixMillis(user.created_at),
             ToUnixMillis(user.updated_at)});
        if (!rows) {
            return Fail(UsernameConflict(rows.error(), user.username));
        }
        return Ok();
    });
}

Result<UserRow> SqlStore::FindUserById(std::string_view id) {
    return InSession<UserRow>(*database_,
                              [&](SqlSession& session) { return FindUser(session, "id", id); });
}

Result<UserRow> SqlStore::FindUserByUsername(std::string_view username) {
    return InSession<UserRow>(
        *database_, [&](SqlSession& session) { return FindUser(session, "username", username); });
}

Result<Page<UserRow>> SqlStore::ListUsers(const PageRequest& page) {
    return InSession<Page<UserRow>>(*database_, [&](SqlSession& session) -> Result<Page<UserRow>> {
        auto rows = session.Query(
            Select(kUserColumns, "FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2"),
            {static_cast<std::int64_t>(page.limit), static_cast<std::int64_t>(page.offset)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        auto total = QueryCount(session, "SELECT count(*) FROM users", {});
        if (!total) {
            return Fail(std::move(total.error()));
        }
        Page<UserRow> result{.total = *total};
        for (const auto& row : *rows) {
            result.items.push_back(ToUser(row));
        }
        return result;
    });
}

Result<void> SqlStore::UpdateUser(const UserRow& user) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query(
            "UPDATE users SET username = $2, full_name = $3, updated_at = $4 WHERE id = $1 "
            "RETURNING id",
            {user.id, user.username, user.full_name, ToUnixMillis(user.updated_at)});
        if (!rows) {
            return Fail(UsernameConflict(rows.error(), user.username));
        }
        if (rows->empty()) {
            return Fail(ErrorCode::kNotFound, "User '" + user.id + "' not found");
        }
        return Ok();
    });
}

Result<void> SqlStore::DeleteUser(std::string_view id, TimePoint now) {
    const std::string user_id(id);
    return database_->WithTransaction([&](SqlSession& session) -> Result<void> {
        if (auto locked = database_->TakeTransactionLock(session, kAdminKeysLock); !locked) {
            return locked;
        }
        auto exists = QueryCount(session, "SELECT count(*) FROM users WHERE id = $1", {user_id});
        if (!exists) {
            return Fail(std::move(exists.error()));
        }
        if (*exists == 0) {
            return Fail(ErrorCode::kNotFound, "User '" + user_id + "' not found");
        }
        const std::int64_t now_ms = ToUnixMillis(now);
        auto owned_admin =
            QueryCount(session, ActiveAdminCount(" AND owner_user_id = $2"), {now_ms, user_id});
        auto other_admin =
            QueryCount(session, ActiveAdminCount(" AND owner_user_id <> $2"), {now_ms, user_id});
        if (!owned_admin || !other_admin) {
            return Fail(owned_admin ? other_admin.error() : owned_admin.error());
        }
        if (*owned_admin > 0 && *other_admin == 0) {
            return Fail(ErrorCode::kFailedPrecondition,
                        "Deleting this user would remove the last active admin API key");
        }
        // Owned rows (API keys, and later credentials, files, servers) go by ON DELETE CASCADE.
        auto deleted = session.Query("DELETE FROM users WHERE id = $1", {user_id});
        if (!deleted) {
            return Fail(std::move(deleted.error()));
        }
        return Ok();
    });
}

Result<std::int64_t> SqlStore::BumpTokenEpoch(std::string_view id) {
    const std::string user_id(id);
    return InSession<std::int64_t>(*database_, [&](SqlSession& session) -> Result<std::int64_t> {
        // One statement: concurrent bumps on any node each add one.
        auto rows = session.Query(
            "UPDATE users SET token_epoch = token_epoch + 1 WHERE id = $1 RETURNING token_epoch",
            {user_id});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ErrorCode::kNotFound, "User '" + user_id + "' not found");
        }
        return ToInt(rows->front()[0]);
    });
}

Result<std::int64_t> SqlStore::CountUsers() {
    return InSession<std::int64_t>(*database_, [](SqlSession& session) {
        return QueryCount(session, "SELECT count(*) FROM users", {});
    });
}

namespace {

Result<void> InsertApiKey(SqlSession& session, const ApiKeyRow& key) {
    auto rows = session.Query(
        "INSERT INTO api_keys (id, name, role, owner_user_id, key_hash, prefix, created_at, "
        "expires_at, last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        {key.id,
         key.name,
         key.role,
         key.owner_user_id,
         key.key_hash,
         key.prefix,
         ToUnixMillis(key.created_at),
         TimeParam(key.expires_at),
         TimeParam(key.last_used_at),
         TimeParam(key.revoked_at)});
    if (!rows) {
        if (rows.error().code == ErrorCode::kFailedPrecondition) {
            return Fail(ErrorCode::kNotFound, "User '" + key.owner_user_id + "' not found");
        }
        return Fail(std::move(rows.error()));
    }
    return Ok();
}

// Adds one hit to `key`'s window at `window_start` and returns its count; on a window's first
// hit, forgets the key's windows older than `previous_start` (nobody reads them again). The
// upsert's RETURNING is what makes a limit exact across nodes.
Result<std::int64_t> CountHit(SqlSession& session,
                              const std::string& key,
                              std::int64_t window_start,
                              std::int64_t previous_start) {
    auto current = QueryCount(session,
                              "INSERT INTO rate_limit_windows (key, window_start, count) "
                              "VALUES ($1, $2, 1) ON CONFLICT (key, window_start) DO UPDATE "
                              "SET count = rate_limit_windows.count + 1 RETURNING count",
                              {key, window_start});
    if (!current) {
        return Fail(std::move(current.error()));
    }
    if (*current == 1) {
        auto pruned =
            session.Query("DELETE FROM rate_limit_windows WHERE key = $1 AND window_start < $2",
                          {key, previous_start});
        if (!pruned) {
            return Fail(std::move(pruned.error()));
        }
    }
    return *current;
}

}  // namespace

Result<void> SqlStore::CreateApiKey(const ApiKeyRow& key) {
    return database_->WithSession(
        [&](SqlSession& session) -> Result<void> { return InsertApiKey(session, key); });
}

Result<ApiKeyRow> SqlStore::FindApiKeyByHash(std::string_view key_hash) {
    return InSession<ApiKeyRow>(*database_, [&](SqlSession& session) -> Result<ApiKeyRow> {
        auto rows = session.Query(Select(kApiKeyColumns, "FROM api_keys WHERE key_hash = $1"),
                                  {std::string(key_hash)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ErrorCode::kNotFound, "API key not found");
        }
        return ToApiKey(rows->front());
    });
}

Result<Page<ApiKeyRow>> SqlStore::ListApiKeys(const PageRequest& page) {
    return InSession<Page<ApiKeyRow>>(
        *database_, [&](SqlSession& session) -> Result<Page<ApiKeyRow>> {
            auto rows = session.Query(
                Select(kApiKeyColumns,
                       "FROM api_keys WHERE revoked_at IS NULL "
                       "ORDER BY created_at, id LIMIT $1 OFFSET $2"),
                {static_cast<std::int64_t>(page.limit), static_cast<std::int64_t>(page.offset)});
            if (!rows) {
                return Fail(std::move(rows.error()));
            }
            auto total =
                QueryCount(session, "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL", {});
            if (!total) {
                return Fail(std::move(total.error()));
            }
            Page<ApiKeyRow> result{.total = *total};
            for (const auto& row : *rows) {
                result.items.push_back(ToApiKey(row));
            }
            return result;
        });
}

Result<void> SqlStore::RevokeApiKey(std::string_view id, TimePoint now) {
    const std::string key_id(id);
    return database_->WithTransaction([&](SqlSession& session) -> Result<void> {
        if (auto locked = database_->TakeTransactionLock(session, kAdminKeysLock); !locked) {
            return locked;
        }
        auto rows = session.Query(
            Select(kApiKeyColumns, "FROM api_keys WHERE id = $1 AND revoked_at IS NULL"), {key_id});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ErrorCode::kNotFound, "API key '" + key_id + "' not found");
        }
        const ApiKeyRow key = ToApiKey(rows->front());
        const bool active_admin = key.role == "admin" && (!key.expires_at || *key.expires_at > now);
        if (active_admin) {
            auto others =
                QueryCount(session, ActiveAdminCount(" AND id <> $2"), {ToUnixMillis(now), key_id});
            if (!others) {
                return Fail(std::move(others.error()));
            }
            if (*others == 0) {
                return Fail(ErrorCode::kFailedPrecondition,
                            "Cannot revoke the last active admin API key");
            }
        }
        auto updated = session.Query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1",
                                     {key_id, ToUnixMillis(now)});
        if (!updated) {
            return Fail(std::move(updated.error()));
        }
        return Ok();
    });
}

Result<void> SqlStore::TouchApiKey(std::string_view id, TimePoint now) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1",
                                  {std::string(id), ToUnixMillis(now)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        return Ok();
    });
}

Result<std::int64_t> SqlStore::CountActiveAdminKeys(TimePoint now) {
    return InSession<std::int64_t>(*database_, [&](SqlSession& session) {
        return QueryCount(session, ActiveAdminCount(), {ToUnixMillis(now)});
    });
}

Result<bool> SqlStore::BootstrapAdminKey(const UserRow& owner, ApiKeyRow key, TimePoint now) {
    return InTransaction<bool>(*database_, [&](SqlSession& session) -> Result<bool> {
        if (auto locked = database_->TakeTransactionLock(session, kAdminKeysLock); !locked) {
            return Fail(std::move(locked.error()));
        }
        auto admins = QueryCount(session, ActiveAdminCount(), {ToUnixMillis(now)});
        if (!admins) {
            return Fail(std::move(admins.error()));
        }
        if (*admins > 0) {
            return false;
        }
        auto existing = session.Query("SELECT id FROM users WHERE username = $1", {owner.username});
        if (!existing) {
            return Fail(std::move(existing.error()));
        }
        if (existing->empty()) {
            auto inserted = session.Query(
                "INSERT INTO users (id, username, full_name, created_at, updated_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                {owner.id,
                 owner.username,
                 owner.full_name,
                 ToUnixMillis(owner.created_at),
                 ToUnixMillis(owner.updated_at)});
            if (!inserted) {
                return Fail(std::move(inserted.error()));
            }
            key.owner_user_id = owner.id;
        } else {
            key.owner_user_id = existing->front().front().value_or("");
        }
        if (auto stored = InsertApiKey(session, key); !stored) {
            return Fail(std::move(stored.error()));
        }
        return true;
    });
}

Result<WindowCounts> SqlStore::HitRateLimit(std::string_view key,
                                            std::int64_t window_start_ms,
                                            std::int64_t window_ms) {
    const std::string limit_key(key);
    return InSession<WindowCounts>(*database_, [&](SqlSession& session) -> Result<WindowCounts> {
        WindowCounts counts;
        const std::int64_t previous_start = window_start_ms - window_ms;
        auto current = CountHit(session, limit_key, window_start_ms, previous_start);
        if (!current) {
            return Fail(std::move(current.error()));
        }
        counts.current = *current;
        auto previous =
            QueryCount(session,
                       "SELECT COALESCE(MAX(count), 0) FROM rate_limit_windows WHERE key = $1 AND "
                       "window_start = $2",
                       {limit_key, previous_start});
        if (!previous) {
            return Fail(std::move(previous.error()));
        }
        counts.previous = *previous;
        return counts;
    });
}

Result<WindowCounts> SqlStore::PeekRateLimit(std::string_view key,
                                             std::int64_t window_start_ms,
                                             std::int64_t window_ms) {
    return InSession<WindowCounts>(*database_, [&](SqlSession& session) -> Result<WindowCounts> {
        WindowCounts counts;
        auto rows = session.Query(
            "SELECT window_start, count FROM rate_limit_windows WHERE key = $1 AND "
            "window_start IN ($2, $3)",
            {std::string(key), window_start_ms, window_start_ms - window_ms});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        for (const auto& row : *rows) {
            (ToInt(row[0]) == window_start_ms ? counts.current : counts.previous) = ToInt(row[1]);
        }
        return counts;
    });
}

Result<GuardedHit> SqlStore::HitRateLimitUnless(const RateLimitWindow& guard,
                                                const GuardPredicate& blocked,
                                                const RateLimitWindow& hit) {
    // Two statements on one connection, no transaction: one read of every window the decision
    // needs (the guard's two and the hit key's previous one), then the counting upsert, whose
    // RETURNING is what makes the limit exact across nodes. The previous window is closed, so
    // reading it before the upsert gives the same count HitRateLimit reads after it.
    const std::string guard_key(guard.key);
    const std::string hit_key(hit.key);
    const std::int64_t guard_previous = guard.window_start_ms - guard.window_ms;
    const std::int64_t hit_previous = hit.window_start_ms - hit.window_ms;
    return InSession<GuardedHit>(*database_, [&](SqlSession& session) -> Result<GuardedHit> {
        GuardedHit outcome;
        WindowCounts counts;
        auto rows = session.Query(
            "SELECT key, window_start, count FROM rate_limit_windows WHERE (key = $1 AND "
            "window_start IN ($2, $3)) OR (key = $4 AND window_start = $5)",
            {guard_key, guard.window_start_ms, guard_previous, hit_key, hit_previous});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        for (const auto& row : *rows) {
            const std::string key = row[0].value_or("");
            const std::int64_t start = ToInt(row[1]);
            const std::int64_t count = ToInt(row[2]);
            if (key == guard_key && start == guard.window_start_ms) {
                outcome.guard.current = count;
            } else if (key == guard_key && start == guard_previous) {
                outcome.guard.previous = count;
            }
            if (key == hit_key && start == hit_previous) {
                counts.previous = count;
            }
        }
        if (blocked(outcome.guard)) {
            return outcome;
        }
        auto current = CountHit(session, hit_key, hit.window_start_ms, hit_previous);
        if (!current) {
            return Fail(std::move(current.error()));
        }
        counts.current = *current;
        outcome.hit = counts;
        return outcome;
    });
}

namespace {

constexpr std::string_view kCredentialColumns =
    "id, user_id, connector_id, authentication_type, name, status, secret, key_id, created_at, "
    "updated_at, auth_config_id, token_expires_at, version";

CredentialRow ToCredential(const SqlRow& row) {
    return CredentialRow{.id = row[0].value_or(""),
                         .user_id = row[1].value_or(""),
                         .connector_id = row[2].value_or(""),
                         .authentication_type = row[3].value_or(""),
                         .name = row[4].value_or(""),
                         .status = row[5].value_or(""),
                         .secret = row[6].value_or(""),
                         .key_id = static_cast<std::uint32_t>(ToInt(row[7])),
                         .created_at = FromUnixMillis(ToInt(row[8])),
                         .updated_at = FromUnixMillis(ToInt(row[9])),
                         .auth_config_id = row[10],
                         .token_expires_at = ToOptionalTime(row[11]),
                         .version = ToInt(row[12])};
}

}  // namespace

Result<void> SqlStore::CreateCredential(const CredentialRow& credential) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query(
            "INSERT INTO credentials (id, user_id, connector_id, authentication_type, name, "
            "status, secret, key_id, created_at, updated_at, auth_config_id, token_expires_at, "
            "version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            {credential.id,
             credential.user_id,
             credential.connector_id,
             credential.authentication_type,
             credential.name,
             credential.status,
             credential.secret,
             static_cast<std::int64_t>(credential.key_id),
             ToUnixMillis(credential.created_at),
             ToUnixMillis(credential.updated_at),
             OptionalText(credential.auth_config_id),
             TimeParam(credential.token_expires_at),
             credential.version});
        if (!rows) {
            if (rows.error().code == ErrorCode::kFailedPrecondition) {
                // The owner or the auth config vanished meanwhile.
                return Fail(ErrorCode::kNotFound, "User '" + credential.user_id + "' not found");
            }
            return Fail(std::move(rows.error()));
        }
        return Ok();
    });
}

Result<CredentialRow> SqlStore::FindCredential(std::string_view credential_id) {
    return InSession<CredentialRow>(*database_, [&](SqlSession& session) -> Result<CredentialRow> {
        auto rows = session.Query(Select(kCredentialColumns, "FROM credentials WHERE id = $1"),
                                  {std::string(credential_id)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ErrorCode::kNotFound,
                        "Credential '" + std::string(credential_id) + "' not found");
        }
        return ToCredential(rows->front());
    });
}

Result<bool> SqlStore::UpdateCredentialSecret(const CredentialSecretUpdate& update) {
    return InSession<bool>(*database_, [&](SqlSession& session) -> Result<bool> {
        auto rows = session.Query(
            "UPDATE credentials SET secret = $1, key_id = $2, token_expires_at = $3, "
            "version = version + 1 WHERE id = $4 AND version = $5 RETURNING id",
            {update.secret,
             static_cast<std::int64_t>(update.key_id),
             TimeParam(update.token_expires_at),
             update.credential_id,
             update.expected_version});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (!rows->empty()) {
            return true;
        }
        auto exists = QueryCount(
            session, "SELECT count(*) FROM credentials WHERE id = $1", {update.credential_id});
        if (!exists) {
            return Fail(std::move(exists.error()));
        }
        if (*exists == 0) {
            return Fail(ErrorCode::kNotFound,
                        "Credential '" + update.credential_id + "' not found");
        }
        return false;
    });
}

Result<void> SqlStore::MarkCredentialExpired(std::string_view credential_id, TimePoint now) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query(
            "UPDATE credentials SET updated_at = CASE WHEN status = 'expired' THEN updated_at "
            "ELSE $1 END, status = 'expired', version = version + 1 WHERE id = $2 RETURNING id",
            {ToUnixMillis(now), std::string(credential_id)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ErrorCode::kNotFound,
                        "Credential '" + std::string(credential_id) + "' not found");
        }
        return Ok();
    });
}

Result<Page<CredentialRow>> SqlStore::ListCredentials(
    std::string_view user_id,
    const std::optional<std::string>& connector_id,
    const PageRequest& page) {
    return InSession<Page<CredentialRow>>(
        *database_, [&](SqlSession& session) -> Result<Page<CredentialRow>> {
            // `$2 IS NULL` keeps one statement for both filters (and one cached SQLite plan).
            const SqlParam connector =
                connector_id ? SqlParam(*connector_id) : SqlParam(std::monostate{});
            const std::string where =
                "FROM credentials WHERE user_id = $1 AND (CAST($2 AS TEXT) IS NULL OR connector_id "
                "= $2)";
            auto rows =
                session.Query(Select(kCredentialColumns,
                                     where + " ORDER BY updated_at DESC, id LIMIT $3 OFFSET $4"),
                              {std::string(user_id),
                               connector,
                               static_cast<std::int64_t>(page.limit),
                               static_cast<std::int64_t>(page.offset)});
            if (!rows) {
                return Fail(std::move(rows.error()));
            }
            auto total =
                QueryCount(session, "SELECT count(*) " + where, {std::string(user_id), connector});
            if (!total) {
                return Fail(std::move(total.error()));
            }
            Page<CredentialRow> result{.total = *total};
            for (const auto& row : *rows) {
                result.items.push_back(ToCredential(row));
            }
            return result;
        });
}

Result<void> SqlStore::DeleteCredential(std::string_view user_id,
                                        std::string_view credential_id,
                                        const std::optional<std::string>& connector_id) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        const SqlParam connector =
            connector_id ? SqlParam(*connector_id) : SqlParam(std::monostate{});
        auto rows = session.Query(
            "DELETE FROM credentials WHERE id = $1 AND user_id = $2 AND (CAST($3 AS TEXT) IS NULL "
            "OR connector_id = $3) "
            "RETURNING id",
            {std::string(credential_id), std::string(user_id), connector});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ErrorCode::kNotFound,
                        "Credential '" + std::string(credential_id) + "' not found");
        }
        return Ok();
    });
}

Result<std::string> SqlStore::PutSettingIfAbsent(std::string_view name,
                                                 std::string_view value,
                                                 TimePoint now) {
    return InSession<std::string>(*database_, [&](SqlSession& session) -> Result<std::string> {
        auto inserted = session.Query(
            "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (name) DO NOTHING",
            {std::string(name), std::string(value), ToUnixMillis(now)});
        if (!inserted) {
            return Fail(std::move(inserted.error()));
        }
        auto rows =
            session.Query("SELECT value FROM settings WHERE name = $1", {std::string(name)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ErrorCode::kInternal, "storage error", "setting vanished after insert");
        }
        return rows->front().front().value_or("");
    });
}

Result<void> SqlStore::Migrate() {
    return database_->WithTransaction([&](SqlSession& session) -> Result<void> {
        if (auto locked = database_->TakeTransactionLock(session, kMigrationLock); !locked) {
            return locked;
        }
        auto version = SchemaVersion(session);
        if (!version) {
            return Fail(std::move(version.error()));
        }
        const auto migrations = database_->Migrations();
        const int latest = migrations.empty() ? 0 : migrations.back().version;
        if (*version > latest) {
            return Fail(ErrorCode::kFailedPrecondition,
                        "Database schema version " + std::to_string(*version) +
                            " is newer than this binary supports (" + std::to_string(latest) +
                            "); upgrade Junction");
        }
        for (const auto& migration : migrations) {
            if (migration.version <= *version) {
                continue;
            }
            if (auto applied = session.ExecuteScript(migration.sql); !applied) {
                Error error = std::move(applied.error());
                error.message = "Migration " + std::to_string(migration.version) + " failed";
                return Fail(std::move(error));
            }
            auto recorded =
                session.Query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                              {static_cast<std::int64_t>(migration.version),
                               ToUnixMillis(std::chrono::time_point_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now()))});
            if (!recorded) {
                return Fail(std::move(recorded.error()));
            }
        }
        return Ok();
    });
}

Result<void> SqlStore::CheckSchema() {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto version = QueryCount(session, kSelectSchemaVersion, {});
        if (!version) {
            return Fail(ErrorCode::kFailedPrecondition,
                        "Database has no Junction schema; run `junction migrate`");
        }
        const auto migrations = database_->Migrations();
        const int latest = migrations.empty() ? 0 : migrations.back().version;
        if (*version != latest) {
            return Fail(ErrorCode::kFailedPrecondition,
                        "Database schema version " + std::to_string(*version) + ", expected " +
                            std::to_string(latest));
        }
        return Ok();
    });
}

Result<void> SqlStore::Ping() {
    if (database_->StorageFull()) {
        return Fail(ErrorCode::kUnavailable,
                    "storage full: a write failed for lack of space within the last 30 s");
    }
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query("SELECT 1", {});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        return Ok();
    });
}

}  // namespace junction::storage
