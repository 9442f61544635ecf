#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "junction/core/result.hpp"
#include "junction/storage/sql.hpp"

namespace junction::storage::sqlite {

class SqliteConnection;

/// SQLite file in WAL mode with `busy_timeout`, foreign keys on, and a small pool of
/// connections (each used by one thread at a time). Write transactions use BEGIN IMMEDIATE.
class SqliteDatabase final : public SqlDatabase {
public:
    /// Creates the file (mode 0600) if needed. kUnavailable when it cannot be opened.
    [[nodiscard]] static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path,
                                                                      std::size_t connections);
    SqliteDatabase(const SqliteDatabase&) = delete;
    SqliteDatabase& operator=(const SqliteDatabase&) = delete;
    SqliteDatabase(SqliteDatabase&&) = delete;
    SqliteDatabase& operator=(SqliteDatabase&&) = delete;
    ~SqliteDatabase() override;

    // SqlDatabase
    [[nodiscard]] Result<void> WithSession(const SessionWork& work) override;
    [[nodiscard]] Result<void> WithTransaction(const SessionWork& work) override;
    [[nodiscard]] Result<void> TakeTransactionLock(SqlSession& session,
                                                   std::int64_t lock_id) override;
    [[nodiscard]] std::span<const Migration> Migrations() const override;

private:
    SqliteDatabase() = default;
    std::unique_ptr<SqliteConnection> Borrow();
    void Return(std::unique_ptr<SqliteConnection> connection);

    std::mutex mutex_{};
    std::condition_variable available_{};
    std::vector<std::unique_ptr<SqliteConnection>> idle_;  // Guarded by mutex_.
};

}  // namespace junction::storage::sqlite
