#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "junction/core/result.hpp"

namespace junction::storage {

/// A bound parameter: NULL, integer or text.
using SqlParam = std::variant<std::monostate, std::int64_t, std::string>;
/// A result cell as text; nullopt for NULL.
using SqlCell = std::optional<std::string>;
using SqlRow = std::vector<SqlCell>;
using SqlRows = std::vector<SqlRow>;

/// One embedded migration script.
struct Migration {
    int version = 0;
    std::string_view sql{};
};

/// One borrowed connection, used by one thread at a time. SQL uses `$1`-style placeholders in
/// both dialects (the SQLite driver rewrites them). Errors: kAlreadyExists for a unique
/// violation, kFailedPrecondition for a foreign-key violation, kUnavailable when the server is
/// unreachable, kInternal otherwise (driver text in `detail` only).
class SqlSession {
public:
    SqlSession() = default;
    SqlSession(const SqlSession&) = delete;
    SqlSession& operator=(const SqlSession&) = delete;
    SqlSession(SqlSession&&) = delete;
    SqlSession& operator=(SqlSession&&) = delete;
    virtual ~SqlSession() = default;

    [[nodiscard]] virtual Result<SqlRows> Query(std::string_view sql,
                                                const std::vector<SqlParam>& params) = 0;
    /// Runs several statements without parameters (migrations).
    [[nodiscard]] virtual Result<void> ExecuteScript(std::string_view sql) = 0;
};

using SessionWork = std::function<Result<void>(SqlSession&)>;

/// A connection pool of one dialect. Thread-safe.
class SqlDatabase {
public:
    SqlDatabase() = default;
    SqlDatabase(const SqlDatabase&) = delete;
    SqlDatabase& operator=(const SqlDatabase&) = delete;
    SqlDatabase(SqlDatabase&&) = delete;
    SqlDatabase& operator=(SqlDatabase&&) = delete;
    virtual ~SqlDatabase() = default;

    /// Runs `work` on one connection outside a transaction.
    [[nodiscard]] virtual Result<void> WithSession(const SessionWork& work) = 0;
    /// Runs `work` in a write transaction; commits when it succeeds, rolls back otherwise.
    [[nodiscard]] virtual Result<void> WithTransaction(const SessionWork& work) = 0;
    /// Takes the cross-process lock `lock_id` until the current transaction ends (PostgreSQL
    /// advisory lock; a no-op on SQLite, whose write transactions are already exclusive).
    [[nodiscard]] virtual Result<void> TakeTransactionLock(SqlSession& session,
                                                           std::int64_t lock_id) = 0;
    [[nodiscard]] virtual std::span<const Migration> Migrations() const = 0;
};

}  // namespace junction::storage
