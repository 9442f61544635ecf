// SqlStore: auth configs, OAuth flows and leases (the OAuth half of the store).
#include <string>
#include <utility>

#include "junction/storage/detail/sql_support.hpp"
#include "junction/storage/sql_store.hpp"

namespace junction::storage {
namespace {

using detail::InSession;
using detail::InTransaction;
using detail::OptionalText;
using detail::QueryCount;
using detail::Select;
using detail::ToInt;
using detail::ToOptionalTime;

// Serializes the auth-config writes that move a connector's default: under PostgreSQL's READ
// COMMITTED two first configs of a connector would both see no default and both insert one,
// and the loser would hit auth_configs_one_default (reported as a name conflict). SQLite's
// BEGIN IMMEDIATE already serializes writers.
constexpr std::int64_t kAuthConfigDefaultLock = 0x4A554E4354494F33;  // "JUNCTIO3"

constexpr std::string_view kAuthConfigColumns =
    "id, connector_id, name, client_id, client_secret, key_id, scopes, "
    "extra_authorization_params, is_default, created_at, updated_at";

constexpr std::string_view kOAuthFlowColumns =
    "id, token_hash, state_hash, user_id, connector_id, auth_config_id, redirect_uri, name, "
    "secret, key_id, created_at, expires_at, state_expires_at";

AuthConfigRow ToAuthConfig(const SqlRow& row) {
    return AuthConfigRow{.id = row[0].value_or(""),
                         .connector_id = row[1].value_or(""),
                         .name = row[2].value_or(""),
                         .client_id = row[3].value_or(""),
                         .client_secret = row[4].value_or(""),
                         .key_id = static_cast<std::uint32_t>(ToInt(row[5])),
                         .scopes = row[6].value_or("[]"),
                         .extra_authorization_params = row[7].value_or("{}"),
                         .is_default = ToInt(row[8]) != 0,
                         .created_at = FromUnixMillis(ToInt(row[9])),
                         .updated_at = FromUnixMillis(ToInt(row[10]))};
}

OAuthFlowRow ToOAuthFlow(const SqlRow& row) {
    return OAuthFlowRow{.id = row[0].value_or(""),
                        .token_hash = row[1].value_or(""),
                        .state_hash = row[2],
                        .user_id = row[3].value_or(""),
                        .connector_id = row[4].value_or(""),
                        .auth_config_id = row[5].value_or(""),
                        .redirect_uri = row[6],
                        .name = row[7],
                        .secret = row[8].value_or(""),
                        .key_id = static_cast<std::uint32_t>(ToInt(row[9])),
                        .created_at = FromUnixMillis(ToInt(row[10])),
                        .expires_at = FromUnixMillis(ToInt(row[11])),
                        .state_expires_at = ToOptionalTime(row[12])};
}

// A unique violation on (connector_id, name) reads as a public conflict naming the name.
Error AuthConfigNameConflict(Error error, const AuthConfigRow& config) {
    if (error.code != ErrorCode::kAlreadyExists) {
        return error;
    }
    Error conflict{.code = ErrorCode::kAlreadyExists,
                   .message = "Connector '" + config.connector_id +
                              "' already has an auth config named '" + config.name + "'"};
    conflict.extra["field"] = "name";
    return conflict;
}

Result<std::optional<AuthConfigRow>> DefaultOf(SqlSession& session, std::string_view connector_id) {
    auto rows = session.Query(
        Select(kAuthConfigColumns, "FROM auth_configs WHERE connector_id = $1 AND is_default = 1"),
        {std::string(connector_id)});
    if (!rows) {
        return Fail(std::move(rows.error()));
    }
    if (rows->empty()) {
        return std::optional<AuthConfigRow>{};
    }
    return std::optional<AuthConfigRow>{ToAuthConfig(rows->front())};
}

Result<void> ClearDefault(SqlSession& session,
                          std::string_view connector_id,
                          std::string_view except_id) {
    auto rows = session.Query(
        "UPDATE auth_configs SET is_default = 0 WHERE connector_id = $1 AND id <> $2 AND "
        "is_default = 1",
        {std::string(connector_id), std::string(except_id)});
    if (!rows) {
        return Fail(std::move(rows.error()));
    }
    return Ok();
}

// Runs an `UPDATE oauth_flows … RETURNING <flow columns>` that consumes one step of a flow.
Result<OAuthFlowRow> ConsumeFlow(SqlSession& session,
                                 const std::string& sql,
                                 const std::vector<SqlParam>& params) {
    auto rows = session.Query(sql, params);
    if (!rows) {
        return Fail(std::move(rows.error()));
    }
    if (rows->empty()) {
        return Fail(ErrorCode::kNotFound, "OAuth flow not found");
    }
    return ToOAuthFlow(rows->front());
}

Error AuthConfigNotFound(std::string_view id) {
    return Error{.code = ErrorCode::kNotFound,
                 .message = "Auth config '" + std::string(id) + "' not found"};
}

}  // namespace

Result<AuthConfigRow> SqlStore::CreateAuthConfig(AuthConfigRow config) {
    return InTransaction<AuthConfigRow>(
        *database_, [&](SqlSession& session) -> Result<AuthConfigRow> {
            if (auto locked = database_->TakeTransactionLock(session, kAuthConfigDefaultLock);
                !locked) {
                return Fail(std::move(locked.error()));
            }
            auto current = DefaultOf(session, config.connector_id);
            if (!current) {
                return Fail(std::move(current.error()));
            }
            config.is_default = config.is_default || !current->has_value();
            if (config.is_default) {
                if (auto cleared = ClearDefault(session, config.connector_id, config.id);
                    !cleared) {
                    return Fail(std::move(cleared.error()));
                }
            }
            auto rows = session.Query(
                "INSERT INTO auth_configs (id, connector_id, name, client_id, client_secret, "
                "key_id, scopes, extra_authorization_params, is_default, created_at, updated_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                {config.id,
                 config.connector_id,
                 config.name,
                 config.client_id,
                 config.client_secret,
                 static_cast<std::int64_t>(config.key_id),
                 config.scopes,
                 config.extra_authorization_params,
                 static_cast<std::int64_t>(config.is_default ? 1 : 0),
                 ToUnixMillis(config.created_at),
                 ToUnixMillis(config.updated_at)});
            if (!rows) {
                return Fail(AuthConfigNameConflict(std::move(rows.error()), config));
            }
            return config;
        });
}

Result<AuthConfigRow> SqlStore::FindAuthConfig(std::string_view id) {
    return InSession<AuthConfigRow>(*database_, [&](SqlSession& session) -> Result<AuthConfigRow> {
        auto rows = session.Query(Select(kAuthConfigColumns, "FROM auth_configs WHERE id = $1"),
                                  {std::string(id)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(AuthConfigNotFound(id));
        }
        return ToAuthConfig(rows->front());
    });
}

Result<std::optional<AuthConfigRow>> SqlStore::FindDefaultAuthConfig(
    std::string_view connector_id) {
    return InSession<std::optional<AuthConfigRow>>(
        *database_, [&](SqlSession& session) { return DefaultOf(session, connector_id); });
}

Result<Page<AuthConfigRow>> SqlStore::ListAuthConfigs(
    const std::optional<std::string>& connector_id, const PageRequest& page) {
    return InSession<Page<AuthConfigRow>>(
        *database_, [&](SqlSession& session) -> Result<Page<AuthConfigRow>> {
            const SqlParam connector = OptionalText(connector_id);
            const std::string where =
                "FROM auth_configs WHERE (CAST($1 AS TEXT) IS NULL OR connector_id = $1)";
            auto rows = session.Query(
                Select(kAuthConfigColumns, where + " ORDER BY created_at, id LIMIT $2 OFFSET $3"),
                {connector,
                 static_cast<std::int64_t>(page.limit),
                 static_cast<std::int64_t>(page.offset)});
            if (!rows) {
                return Fail(std::move(rows.error()));
            }
            auto total = QueryCount(session, "SELECT count(*) " + where, {connector});
            if (!total) {
                return Fail(std::move(total.error()));
            }
            Page<AuthConfigRow> result{.total = *total};
            for (const auto& row : *rows) {
                result.items.push_back(ToAuthConfig(row));
            }
            return result;
        });
}

Result<void> SqlStore::UpdateAuthConfig(const AuthConfigRow& config) {
    return database_->WithTransaction([&](SqlSession& session) -> Result<void> {
        if (auto locked = database_->TakeTransactionLock(session, kAuthConfigDefaultLock);
            !locked) {
            return locked;
        }
        // The connector is not mutable: the default moves (and a conflict is named) within the
        // stored one, whatever `config.connector_id` says.
        auto stored =
            session.Query("SELECT connector_id FROM auth_configs WHERE id = $1", {config.id});
        if (!stored) {
            return Fail(std::move(stored.error()));
        }
        if (stored->empty()) {
            return Fail(AuthConfigNotFound(config.id));
        }
        AuthConfigRow named = config;
        named.connector_id = stored->front().front().value_or("");
        if (config.is_default) {
            if (auto cleared = ClearDefault(session, named.connector_id, config.id); !cleared) {
                return cleared;
            }
        }
        auto rows = session.Query(
            "UPDATE auth_configs SET name = $1, client_id = $2, client_secret = $3, key_id = $4, "
            "scopes = $5, extra_authorization_params = $6, is_default = $7, updated_at = $8 "
            "WHERE id = $9 RETURNING id",
            {config.name,
             config.client_id,
             config.client_secret,
             static_cast<std::int64_t>(config.key_id),
             config.scopes,
             config.extra_authorization_params,
             static_cast<std::int64_t>(config.is_default ? 1 : 0),
             ToUnixMillis(config.updated_at),
             config.id});
        if (!rows) {
            return Fail(AuthConfigNameConflict(std::move(rows.error()), named));
        }
        if (rows->empty()) {
            return Fail(AuthConfigNotFound(config.id));
        }
        return Ok();
    });
}

Result<void> SqlStore::DeleteAuthConfig(std::string_view id) {
    return database_->WithTransaction([&](SqlSession& session) -> Result<void> {
        auto used = QueryCount(session,
                               "SELECT count(*) FROM credentials WHERE auth_config_id = $1",
                               {std::string(id)});
        if (!used) {
            return Fail(std::move(used.error()));
        }
        auto exists = QueryCount(
            session, "SELECT count(*) FROM auth_configs WHERE id = $1", {std::string(id)});
        if (!exists) {
            return Fail(std::move(exists.error()));
        }
        if (*exists == 0) {
            return Fail(AuthConfigNotFound(id));
        }
        if (*used > 0) {
            Error error{.code = ErrorCode::kFailedPrecondition,
                        .message = "Auth config '" + std::string(id) + "' is used by " +
                                   std::to_string(*used) +
                                   " credential(s); delete them first (their token refresh "
                                   "needs it)"};
            error.extra["credentialCount"] = *used;
            return Fail(std::move(error));
        }
        auto rows = session.Query("DELETE FROM auth_configs WHERE id = $1", {std::string(id)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        return Ok();
    });
}

Result<void> SqlStore::CreateOAuthFlow(const OAuthFlowRow& flow, TimePoint now) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        // Flows past both expiries can never complete; dropping them here keeps the table small
        // without a sweeper.
        auto swept = session.Query(
            "DELETE FROM oauth_flows WHERE expires_at < $1 AND (state_expires_at IS NULL OR "
            "state_expires_at < $1)",
            {ToUnixMillis(now)});
        if (!swept) {
            return Fail(std::move(swept.error()));
        }
        auto rows = session.Query(
            "INSERT INTO oauth_flows (id, token_hash, user_id, connector_id, auth_config_id, "
            "redirect_uri, name, secret, key_id, created_at, expires_at) VALUES ($1, $2, $3, $4, "
            "$5, $6, $7, $8, $9, $10, $11)",
            {flow.id,
             flow.token_hash,
             flow.user_id,
             flow.connector_id,
             flow.auth_config_id,
             OptionalText(flow.redirect_uri),
             OptionalText(flow.name),
             flow.secret,
             static_cast<std::int64_t>(flow.key_id),
             ToUnixMillis(flow.created_at),
             ToUnixMillis(flow.expires_at)});
        if (!rows) {
            if (rows.error().code == ErrorCode::kFailedPrecondition) {
                return Fail(ErrorCode::kNotFound,
                            "User '" + flow.user_id + "' or auth config '" + flow.auth_config_id +
                                "' not found");
            }
            return Fail(std::move(rows.error()));
        }
        return Ok();
    });
}

Result<OAuthFlowRow> SqlStore::AuthorizeOAuthFlow(const OAuthFlowAuthorization& authorization) {
    return InSession<OAuthFlowRow>(*database_, [&](SqlSession& session) {
        // One statement: the token is used exactly once even when two browsers race.
        return ConsumeFlow(
            session,
            "UPDATE oauth_flows SET authorized_at = $1, state_hash = $2, state_expires_at = $3 "
            "WHERE token_hash = $4 AND connector_id = $5 AND user_id = $6 AND "
            "(CAST($7 AS TEXT) IS NULL OR redirect_uri = $7) AND authorized_at IS NULL AND "
            "expires_at > $1 RETURNING " +
                std::string(kOAuthFlowColumns),
            {ToUnixMillis(authorization.now),
             authorization.state_hash,
             ToUnixMillis(authorization.state_expires_at),
             authorization.token_hash,
             authorization.connector_id,
             authorization.user_id,
             OptionalText(authorization.redirect_uri)});
    });
}

Result<OAuthFlowRow> SqlStore::CompleteOAuthFlow(std::string_view state_hash,
                                                 std::string_view connector_id,
                                                 TimePoint now) {
    return InSession<OAuthFlowRow>(*database_, [&](SqlSession& session) {
        return ConsumeFlow(
            session,
            "UPDATE oauth_flows SET completed_at = $1 WHERE state_hash = $2 AND connector_id = $3 "
            "AND completed_at IS NULL AND state_expires_at > $1 RETURNING " +
                std::string(kOAuthFlowColumns),
            {ToUnixMillis(now), std::string(state_hash), std::string(connector_id)});
    });
}

Result<bool> SqlStore::TryAcquireLease(std::string_view key,
                                       std::string_view holder,
                                       TimePoint now,
                                       std::chrono::milliseconds ttl) {
    return InSession<bool>(*database_, [&](SqlSession& session) -> Result<bool> {
        // Insert, or take over an expired (or our own) lease; the WHERE makes a live lease of
        // another holder win, and RETURNING says who holds it now.
        auto rows = session.Query(
            "INSERT INTO leases (key, holder, expires_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = "
            "excluded.expires_at WHERE leases.expires_at <= $4 OR leases.holder = excluded.holder "
            "RETURNING holder",
            {std::string(key), std::string(holder), ToUnixMillis(now + ttl), ToUnixMillis(now)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        return !rows->empty() && rows->front().front() == std::string(holder);
    });
}

Result<void> SqlStore::ReleaseLease(std::string_view key, std::string_view holder) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query("DELETE FROM leases WHERE key = $1 AND holder = $2",
                                  {std::string(key), std::string(holder)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        return Ok();
    });
}

}  // namespace junction::storage
