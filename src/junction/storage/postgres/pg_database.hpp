#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "junction/core/result.hpp"
#include "junction/core/secret_string.hpp"
#include "junction/storage/sql.hpp"

namespace junction::storage::postgres {

class PgConnection;

/// PostgreSQL through libpq: a fixed-size pool of connections opened lazily and reopened
/// after a failure, `statement_timeout` set on each. Thread-safe.
class PgDatabase final : public SqlDatabase {
public:
    /// `url` is a libpq URI (postgresql://...). Connects once to fail fast: kUnavailable when
    /// the server cannot be reached (the message never repeats the URL, which may hold a
    /// password).
    [[nodiscard]] static Result<std::unique_ptr<PgDatabase>> Open(
        std::string url, std::size_t pool_size, std::chrono::milliseconds statement_timeout);
    PgDatabase(const PgDatabase&) = delete;
    PgDatabase& operator=(const PgDatabase&) = delete;
    PgDatabase(PgDatabase&&) = delete;
    PgDatabase& operator=(PgDatabase&&) = delete;
    ~PgDatabase() override;

    // SqlDatabase
    [[nodiscard]] Result<void> WithSession(const SessionWork& work) override;
    [[nodiscard]] Result<void> WithTransaction(const SessionWork& work) override;
    [[nodiscard]] Result<void> TakeTransactionLock(SqlSession& session,
                                                   std::int64_t lock_id) override;
    [[nodiscard]] std::span<const Migration> Migrations() const override;

private:
    PgDatabase(std::string url, std::size_t pool_size, std::chrono::milliseconds statement_timeout);
    [[nodiscard]] Result<std::unique_ptr<PgConnection>> Borrow();
    void Return(std::unique_ptr<PgConnection> connection);

    SecretString url_;
    std::chrono::milliseconds statement_timeout_{};
    std::mutex mutex_{};
    std::condition_variable available_{};
    std::vector<std::unique_ptr<PgConnection>> idle_;  // Guarded by mutex_.
    std::size_t slots_;                                // Guarded by mutex_: unopened capacity.
};

}  // namespace junction::storage::postgres
