#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "junction/core/result.hpp"
#include "junction/storage/storage_full.hpp"

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

    /// Whether a write failed for lack of space (disk full, or the database's size limit)
    /// less than kStorageFullHold ago with no transaction committed since. Readiness reports
    /// it; the hold lets a node out of rotation come back and try again. Thread-safe.
    [[nodiscard]] bool StorageFull() const {
        const std::int64_t since = full_since_ms_.load(std::memory_order_relaxed);
        return since != 0 && NowMs() - since < kStorageFullHold.count();
    }

protected:
    static constexpr std::chrono::milliseconds kStorageFullHold{30'000};

    /// Drivers call this with each piece of work's outcome; `committed` for a transaction.
    void NoteOutcome(const Result<void>& result, bool committed) {
        if (!result && IsStorageFull(result.error())) {
            full_since_ms_.store(std::max<std::int64_t>(NowMs(), 1), std::memory_order_relaxed);
        } else if (result && committed) {
            full_since_ms_.store(0, std::memory_order_relaxed);
        }
    }

private:
    static std::int64_t NowMs() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

    std::atomic<std::int64_t> full_since_ms_{0};  // steady clock; 0: no failure
};

}  // namespace junction::storage
