// SqlStore: MCP servers and MCP sessions (API.md §3.8, §4.1).
#include <string>
#include <utility>

#include "junction/storage/detail/sql_support.hpp"
#include "junction/storage/sql_store.hpp"

namespace junction::storage {
namespace {

using detail::InSession;
using detail::QueryCount;
using detail::Select;
using detail::TimeParam;
using detail::ToInt;
using detail::ToOptionalTime;

constexpr std::string_view kMcpServerColumns =
    "id, owner_user_id, name, name_key, description, custom_instructions, mode, is_public, "
    "restrictions, token_hash, token_expires_in_days, token_expires_at, created_at, updated_at";

constexpr std::string_view kMcpSessionColumns =
    "id_hash, server_id, user_id, principal, protocol_version, created_at, last_used_at";

McpServerRow ToMcpServer(const SqlRow& row) {
    McpServerRow server{.id = row[0].value_or(""),
                        .owner_user_id = row[1].value_or(""),
                        .name = row[2].value_or(""),
                        .name_key = row[3].value_or(""),
                        .description = row[4].value_or(""),
                        .custom_instructions = row[5].value_or(""),
                        .mode = row[6].value_or("connectivity"),
                        .is_public = ToInt(row[7]) != 0,
                        .restrictions = row[8].value_or("{}"),
                        .token_hash = row[9].value_or(""),
                        .token_expires_in_days = std::nullopt,
                        .token_expires_at = ToOptionalTime(row[11]),
                        .created_at = FromUnixMillis(ToInt(row[12])),
                        .updated_at = FromUnixMillis(ToInt(row[13]))};
    if (row[10]) {
        server.token_expires_in_days = ToInt(row[10]);
    }
    return server;
}

McpSessionRow ToMcpSession(const SqlRow& row) {
    return McpSessionRow{.id_hash = row[0].value_or(""),
                         .server_id = row[1].value_or(""),
                         .user_id = row[2].value_or(""),
                         .principal = row[3].value_or(""),
                         .protocol_version = row[4].value_or(""),
                         .created_at = FromUnixMillis(ToInt(row[5])),
                         .last_used_at = FromUnixMillis(ToInt(row[6]))};
}

SqlParam OptionalInt(const std::optional<std::int64_t>& value) {
    return value ? SqlParam(*value) : SqlParam(std::monostate{});
}

Error ServerNameConflict(const std::string& name) {
    Error conflict{.code = ErrorCode::kAlreadyExists,
                   .message = "A server named '" + name + "' already exists"};
    conflict.extra["field"] = "name";
    return conflict;
}

// A unique violation on (owner_user_id, name_key) reads as a public conflict naming the name.
Error NameConflictOr(Error error, const McpServerRow& server) {
    if (error.code != ErrorCode::kAlreadyExists) {
        return error;
    }
    return ServerNameConflict(server.name);
}

Error ServerNotFound(std::string_view id) {
    return Error{.code = ErrorCode::kNotFound,
                 .message = "Server '" + std::string(id) + "' not found"};
}

}  // namespace

Result<void> SqlStore::CreateMcpServer(const McpServerRow& server) {
    return database_->WithTransaction([&](SqlSession& session) -> Result<void> {
        // Checked before inserting because a failed statement aborts a PostgreSQL transaction,
        // and the two unique keys (id, name) must be told apart: the service retries a new id.
        auto owner =
            QueryCount(session, "SELECT count(*) FROM users WHERE id = $1", {server.owner_user_id});
        if (!owner) {
            return Fail(std::move(owner.error()));
        }
        if (*owner == 0) {
            return Fail(ErrorCode::kNotFound, "User '" + server.owner_user_id + "' not found");
        }
        auto named = QueryCount(
            session,
            "SELECT count(*) FROM mcp_servers WHERE owner_user_id = $1 AND name_key = $2",
            {server.owner_user_id, server.name_key});
        if (!named) {
            return Fail(std::move(named.error()));
        }
        if (*named > 0) {
            return Fail(ServerNameConflict(server.name));
        }
        auto taken =
            QueryCount(session, "SELECT count(*) FROM mcp_servers WHERE id = $1", {server.id});
        if (!taken) {
            return Fail(std::move(taken.error()));
        }
        if (*taken > 0) {
            Error conflict{.code = ErrorCode::kAlreadyExists,
                           .message = "Server '" + server.id + "' already exists"};
            conflict.extra["field"] = "serverId";
            return Fail(std::move(conflict));
        }
        auto rows = session.Query(
            "INSERT INTO mcp_servers (id, owner_user_id, name, name_key, description, "
            "custom_instructions, mode, is_public, restrictions, token_hash, "
            "token_expires_in_days, token_expires_at, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            {server.id,
             server.owner_user_id,
             server.name,
             server.name_key,
             server.description,
             server.custom_instructions,
             server.mode,
             static_cast<std::int64_t>(server.is_public ? 1 : 0),
             server.restrictions,
             server.token_hash,
             OptionalInt(server.token_expires_in_days),
             TimeParam(server.token_expires_at),
             ToUnixMillis(server.created_at),
             ToUnixMillis(server.updated_at)});
        if (!rows) {
            // Only a concurrent create of the same name can get here.
            return Fail(NameConflictOr(std::move(rows.error()), server));
        }
        return Ok();
    });
}

Result<McpServerRow> SqlStore::FindMcpServer(std::string_view id) {
    return InSession<McpServerRow>(*database_, [&](SqlSession& session) -> Result<McpServerRow> {
        auto rows = session.Query(Select(kMcpServerColumns, "FROM mcp_servers WHERE id = $1"),
                                  {std::string(id)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ServerNotFound(id));
        }
        return ToMcpServer(rows->front());
    });
}

Result<Page<McpServerRow>> SqlStore::ListMcpServers(std::string_view owner_user_id,
                                                    const PageRequest& page) {
    return InSession<Page<McpServerRow>>(
        *database_, [&](SqlSession& session) -> Result<Page<McpServerRow>> {
            const std::string owner(owner_user_id);
            auto rows =
                session.Query(Select(kMcpServerColumns,
                                     "FROM mcp_servers WHERE owner_user_id = $1 "
                                     "ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"),
                              {owner,
                               static_cast<std::int64_t>(page.limit),
                               static_cast<std::int64_t>(page.offset)});
            if (!rows) {
                return Fail(std::move(rows.error()));
            }
            auto total = QueryCount(
                session, "SELECT count(*) FROM mcp_servers WHERE owner_user_id = $1", {owner});
            if (!total) {
                return Fail(std::move(total.error()));
            }
            Page<McpServerRow> result{.total = *total};
            for (const auto& row : *rows) {
                result.items.push_back(ToMcpServer(row));
            }
            return result;
        });
}

Result<void> SqlStore::UpdateMcpServer(const McpServerRow& server) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query(
            "UPDATE mcp_servers SET name = $2, name_key = $3, description = $4, "
            "custom_instructions = $5, is_public = $6, restrictions = $7, updated_at = $8 "
            "WHERE id = $1 RETURNING id",
            {server.id,
             server.name,
             server.name_key,
             server.description,
             server.custom_instructions,
             static_cast<std::int64_t>(server.is_public ? 1 : 0),
             server.restrictions,
             ToUnixMillis(server.updated_at)});
        if (!rows) {
            return Fail(NameConflictOr(std::move(rows.error()), server));
        }
        if (rows->empty()) {
            return Fail(ServerNotFound(server.id));
        }
        return Ok();
    });
}

Result<void> SqlStore::RotateMcpServerToken(const McpServerRow& server) {
    return database_->WithTransaction([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query(
            "UPDATE mcp_servers SET token_hash = $2, token_expires_in_days = $3, "
            "token_expires_at = $4, updated_at = $5 WHERE id = $1 RETURNING id",
            {server.id,
             server.token_hash,
             OptionalInt(server.token_expires_in_days),
             TimeParam(server.token_expires_at),
             ToUnixMillis(server.updated_at)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ServerNotFound(server.id));
        }
        // Sessions opened with the old token must not outlive it (API.md §3.8).
        auto deleted = session.Query("DELETE FROM mcp_sessions WHERE server_id = $1", {server.id});
        if (!deleted) {
            return Fail(std::move(deleted.error()));
        }
        return Ok();
    });
}

Result<void> SqlStore::DeleteMcpServer(std::string_view id) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        // Sessions go by ON DELETE CASCADE.
        auto rows =
            session.Query("DELETE FROM mcp_servers WHERE id = $1 RETURNING id", {std::string(id)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ServerNotFound(id));
        }
        return Ok();
    });
}

Result<void> SqlStore::CreateMcpSession(const McpSessionRow& session_row,
                                        std::size_t max_sessions,
                                        TimePoint idle_cutoff) {
    return database_->WithTransaction([&](SqlSession& session) -> Result<void> {
        auto expired = session.Query("DELETE FROM mcp_sessions WHERE last_used_at < $1",
                                     {ToUnixMillis(idle_cutoff)});
        if (!expired) {
            return Fail(std::move(expired.error()));
        }
        auto inserted = session.Query(
            "INSERT INTO mcp_sessions (id_hash, server_id, user_id, principal, protocol_version, "
            "created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            {session_row.id_hash,
             session_row.server_id,
             session_row.user_id,
             session_row.principal,
             session_row.protocol_version,
             ToUnixMillis(session_row.created_at),
             ToUnixMillis(session_row.last_used_at)});
        if (!inserted) {
            return Fail(std::move(inserted.error()));
        }
        auto count = QueryCount(session, "SELECT count(*) FROM mcp_sessions", {});
        if (!count) {
            return Fail(std::move(count.error()));
        }
        const auto max = static_cast<std::int64_t>(max_sessions);
        if (*count <= max) {
            return Ok();
        }
        // Evict the least recently used others; the new session is the one being used now.
        auto evicted = session.Query(
            "DELETE FROM mcp_sessions WHERE id_hash IN (SELECT id_hash FROM mcp_sessions "
            "WHERE id_hash <> $1 ORDER BY last_used_at, id_hash LIMIT $2)",
            {session_row.id_hash, *count - max});
        if (!evicted) {
            return Fail(std::move(evicted.error()));
        }
        return Ok();
    });
}

Result<McpSessionRow> SqlStore::TouchMcpSession(std::string_view id_hash,
                                                TimePoint idle_cutoff,
                                                TimePoint now) {
    return InSession<McpSessionRow>(*database_, [&](SqlSession& session) -> Result<McpSessionRow> {
        auto rows = session.Query(
            "UPDATE mcp_sessions SET last_used_at = $3 WHERE id_hash = $1 AND last_used_at >= $2 "
            "RETURNING " +
                std::string(kMcpSessionColumns),
            {std::string(id_hash), ToUnixMillis(idle_cutoff), ToUnixMillis(now)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ErrorCode::kNotFound, "Session not found");
        }
        return ToMcpSession(rows->front());
    });
}

Result<void> SqlStore::DeleteMcpSession(std::string_view id_hash) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query("DELETE FROM mcp_sessions WHERE id_hash = $1 RETURNING id_hash",
                                  {std::string(id_hash)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(ErrorCode::kNotFound, "Session not found");
        }
        return Ok();
    });
}

Result<std::int64_t> SqlStore::CountMcpSessions(TimePoint idle_cutoff) {
    return InSession<std::int64_t>(*database_, [&](SqlSession& session) {
        return QueryCount(session,
                          "SELECT count(*) FROM mcp_sessions WHERE last_used_at >= $1",
                          {ToUnixMillis(idle_cutoff)});
    });
}

}  // namespace junction::storage
