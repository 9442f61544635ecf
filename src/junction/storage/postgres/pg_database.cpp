#include "junction/storage/postgres/pg_database.hpp"

#include <array>
#include <string_view>

#include <libpq-fe.h>

#include "junction/core/nonblocking.hpp"

namespace junction::storage::postgres {

extern const std::string_view kMigration0001;
extern const std::string_view kMigration0002;
extern const std::string_view kMigration0003;
extern const std::string_view kMigration0004;
extern const std::string_view kMigration0005;
extern const std::string_view kMigration0006;
extern const std::string_view kMigration0007;

namespace {

struct ResultClear {
    void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultClear>;

Error ToError(PGconn* conn, const PGresult* result) {
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string_view sqlstate = state != nullptr ? state : "";
    std::string detail = std::string("postgres: ") + PQerrorMessage(conn);
    if (sqlstate == "23505") {
        return Error{.code = ErrorCode::kAlreadyExists,
                     .message = "Resource already exists",
                     .detail = std::move(detail)};
    }
    if (sqlstate == "23503") {
        return Error{.code = ErrorCode::kFailedPrecondition,
                     .message = "Referenced resource does not exist",
                     .detail = std::move(detail)};
    }
    // 53100 disk_full; 53400 configuration_limit_exceeded is not about space.
    if (sqlstate == "53100") {
        return StorageFullError(std::move(detail));
    }
    if (PQstatus(conn) != CONNECTION_OK || sqlstate.starts_with("08") || sqlstate == "57014" ||
        sqlstate.starts_with("57P")) {
        return Error{.code = ErrorCode::kUnavailable,
                     .message = "Database unavailable",
                     .detail = std::move(detail)};
    }
    return Error{
        .code = ErrorCode::kInternal, .message = "storage error", .detail = std::move(detail)};
}

}  // namespace

/// One libpq connection.
class PgConnection final : public SqlSession {
public:
    explicit PgConnection(PGconn* conn) : conn_(conn) {}
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;
    PgConnection(PgConnection&&) = delete;
    PgConnection& operator=(PgConnection&&) = delete;
    ~PgConnection() override { PQfinish(conn_); }

    [[nodiscard]] bool Healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

    // SqlSession
    [[nodiscard]] Result<SqlRows> Query(std::string_view sql,
                                        const std::vector<SqlParam>& params) override {
        std::vector<std::string> storage;
        storage.reserve(params.size());
        std::vector<const char*> values;
        values.reserve(params.size());
        for (const auto& param : params) {
            if (const auto* number = std::get_if<std::int64_t>(&param)) {
                storage.push_back(std::to_string(*number));
                values.push_back(storage.back().c_str());
            } else if (const auto* text = std::get_if<std::string>(&param)) {
                values.push_back(text->c_str());
            } else {
                values.push_back(nullptr);
            }
        }
        const std::string statement(sql);
        const PgResult result(PQexecParams(conn_,
                                           statement.c_str(),
                                           static_cast<int>(values.size()),
                                           nullptr,
                                           values.data(),
                                           nullptr,
                                           nullptr,
                                           0));
        const ExecStatusType status = PQresultStatus(result.get());
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            return Fail(ToError(conn_, result.get()));
        }
        SqlRows rows;
        const int row_count = PQntuples(result.get());
        const int columns = PQnfields(result.get());
        rows.reserve(static_cast<std::size_t>(row_count));
        for (int r = 0; r < row_count; ++r) {
            SqlRow row;
            row.reserve(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) {
                if (PQgetisnull(result.get(), r, c) != 0) {
                    row.emplace_back(std::nullopt);
                } else {
                    row.emplace_back(
                        std::string(PQgetvalue(result.get(), r, c),
                                    static_cast<std::size_t>(PQgetlength(result.get(), r, c))));
                }
            }
            rows.push_back(std::move(row));
        }
        return rows;
    }

    [[nodiscard]] Result<void> ExecuteScript(std::string_view sql) override {
        const std::string script(sql);
        const PgResult result(PQexec(conn_, script.c_str()));
        const ExecStatusType status = PQresultStatus(result.get());
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            return Fail(ToError(conn_, result.get()));
        }
        return Ok();
    }

private:
    PGconn* conn_;
};

PgDatabase::PgDatabase(std::string url,
                       std::size_t pool_size,
                       std::chrono::milliseconds statement_timeout)
    : url_(std::move(url)),
      statement_timeout_(statement_timeout),
      slots_(std::max<std::size_t>(pool_size, 1)) {}

PgDatabase::~PgDatabase() = default;

Result<std::unique_ptr<PgDatabase>> PgDatabase::Open(std::string url,
                                                     std::size_t pool_size,
                                                     std::chrono::milliseconds statement_timeout) {
    std::unique_ptr<PgDatabase> database(
        new PgDatabase(std::move(url), pool_size, statement_timeout));
    auto first = database->Borrow();
    if (!first) {
        return Fail(std::move(first.error()));
    }
    database->Return(std::move(*first));
    return database;
}

Result<std::unique_ptr<PgConnection>> PgDatabase::Borrow() {
    {
        std::unique_lock lock(mutex_);
        available_.wait(lock, [this] { return !idle_.empty() || slots_ > 0; });
        if (!idle_.empty()) {
            auto connection = std::move(idle_.back());
            idle_.pop_back();
            if (connection->Healthy()) {
                return connection;
            }
            // Broken (server restarted): drop it and open a fresh one below.
        } else {
            --slots_;
        }
    }
    const std::string url(url_.Reveal());
    const std::array<const char*, 4> keys{"dbname", "connect_timeout", "options", nullptr};
    const std::string options =
        "-c statement_timeout=" + std::to_string(statement_timeout_.count());
    const std::array<const char*, 4> values{url.c_str(), "10", options.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 1);
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
        // The libpq message may echo the host but never the password; still keep it in detail.
        std::string detail = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
        PQfinish(conn);
        {
            const std::lock_guard lock(mutex_);
            ++slots_;
        }
        available_.notify_one();
        return Fail(ErrorCode::kUnavailable, "Cannot connect to PostgreSQL", std::move(detail));
    }
    return std::make_unique<PgConnection>(conn);
}

void PgDatabase::Return(std::unique_ptr<PgConnection> connection) {
    {
        const std::lock_guard lock(mutex_);
        if (connection->Healthy()) {
            idle_.push_back(std::move(connection));
        } else {
            ++slots_;
        }
    }
    available_.notify_one();
}

Result<void> PgDatabase::WithSession(const SessionWork& work) {
    if (auto refused = RefuseBlocking()) {
        return Fail(std::move(*refused));
    }
    auto connection = Borrow();
    if (!connection) {
        return Fail(std::move(connection.error()));
    }
    auto result = work(**connection);
    Return(std::move(*connection));
    NoteOutcome(result, false);
    return result;
}

Result<void> PgDatabase::WithTransaction(const SessionWork& work) {
    if (auto refused = RefuseBlocking()) {
        return Fail(std::move(*refused));
    }
    auto connection = Borrow();
    if (!connection) {
        return Fail(std::move(connection.error()));
    }
    auto result = (*connection)->ExecuteScript("BEGIN");
    if (result) {
        result = work(**connection);
        if (result) {
            result = (*connection)->ExecuteScript("COMMIT");
        }
        if (!result) {
            (void)(*connection)->ExecuteScript("ROLLBACK");
        }
    }
    Return(std::move(*connection));
    NoteOutcome(result, true);
    return result;
}

Result<void> PgDatabase::TakeTransactionLock(SqlSession& session, std::int64_t lock_id) {
    auto rows = session.Query("SELECT pg_advisory_xact_lock($1)", {lock_id});
    if (!rows) {
        return Fail(std::move(rows.error()));
    }
    return Ok();
}

std::span<const Migration> PgDatabase::Migrations() const {
    // A function-local static: the embedded scripts live in another translation unit.
    static const std::array migrations{Migration{.version = 1, .sql = kMigration0001},
                                       Migration{.version = 2, .sql = kMigration0002},
                                       Migration{.version = 3, .sql = kMigration0003},
                                       Migration{.version = 4, .sql = kMigration0004},
                                       Migration{.version = 5, .sql = kMigration0005},
                                       Migration{.version = 6, .sql = kMigration0006},
                                       Migration{.version = 7, .sql = kMigration0007}};
    return migrations;
}

}  // namespace junction::storage::postgres
