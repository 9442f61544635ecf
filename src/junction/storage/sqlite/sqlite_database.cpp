#include "junction/storage/sqlite/sqlite_database.hpp"

#include <array>
#include <string_view>
#include <unordered_map>

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include "junction/core/nonblocking.hpp"

namespace junction::storage::sqlite {

extern const std::string_view kMigration0001;
extern const std::string_view kMigration0002;
extern const std::string_view kMigration0003;
extern const std::string_view kMigration0004;
extern const std::string_view kMigration0005;
extern const std::string_view kMigration0006;
extern const std::string_view kMigration0007;

namespace {

constexpr int kBusyTimeoutMs = 5000;

struct StatementFinalizer {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

Error ToError(sqlite3* db, int rc) {
    const int extended = sqlite3_extended_errcode(db);
    std::string detail = std::string("sqlite: ") + sqlite3_errmsg(db);
    switch (extended) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            return Error{.code = ErrorCode::kAlreadyExists,
                         .message = "Resource already exists",
                         .detail = std::move(detail)};
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            return Error{.code = ErrorCode::kFailedPrecondition,
                         .message = "Referenced resource does not exist",
                         .detail = std::move(detail)};
        default:
            break;
    }
    if (rc == SQLITE_FULL) {  // the disk, or max_page_count
        return StorageFullError(std::move(detail));
    }
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        return Error{.code = ErrorCode::kUnavailable,
                     .message = "Database is busy; retry",
                     .detail = std::move(detail)};
    }
    return Error{
        .code = ErrorCode::kInternal, .message = "storage error", .detail = std::move(detail)};
}

// `$1` → `?1`: our SQL is written once with PostgreSQL placeholders.
std::string RewritePlaceholders(std::string_view sql) {
    std::string out(sql);
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
        if (out[i] == '$' && out[i + 1] >= '0' && out[i + 1] <= '9') {
            out[i] = '?';
        }
    }
    return out;
}

}  // namespace

/// One sqlite3 handle and its prepared-statement cache.
class SqliteConnection final : public SqlSession {
public:
    explicit SqliteConnection(sqlite3* db) : db_(db) {}
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;
    SqliteConnection(SqliteConnection&&) = delete;
    SqliteConnection& operator=(SqliteConnection&&) = delete;
    ~SqliteConnection() override {
        statements_.clear();
        sqlite3_close_v2(db_);
    }

    // SqlSession
    [[nodiscard]] Result<SqlRows> Query(std::string_view sql,
                                        const std::vector<SqlParam>& params) override {
        auto prepared = Prepare(sql);
        if (!prepared) {
            return Fail(std::move(prepared.error()));
        }
        sqlite3_stmt* statement = *prepared;
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
        for (std::size_t i = 0; i < params.size(); ++i) {
            const int index = static_cast<int>(i) + 1;
            const SqlParam& param = params[i];
            if (const auto* number = std::get_if<std::int64_t>(&param)) {
                sqlite3_bind_int64(statement, index, *number);
            } else if (const auto* text = std::get_if<std::string>(&param)) {
                sqlite3_bind_text(
                    statement, index, text->data(), static_cast<int>(text->size()), SQLITE_STATIC);
            } else {
                sqlite3_bind_null(statement, index);
            }
        }
        SqlRows rows;
        for (;;) {
            const int rc = sqlite3_step(statement);
            if (rc == SQLITE_DONE) {
                break;
            }
            if (rc != SQLITE_ROW) {
                Error error = ToError(db_, rc);
                sqlite3_reset(statement);
                return Fail(std::move(error));
            }
            const int columns = sqlite3_column_count(statement);
            SqlRow row;
            row.reserve(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) {
                if (sqlite3_column_type(statement, c) == SQLITE_NULL) {
                    row.emplace_back(std::nullopt);
                } else {
                    const auto* text =
                        reinterpret_cast<const char*>(sqlite3_column_text(statement, c));
                    row.emplace_back(std::string(
                        text, static_cast<std::size_t>(sqlite3_column_bytes(statement, c))));
                }
            }
            rows.push_back(std::move(row));
        }
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
        return rows;
    }

    [[nodiscard]] Result<void> ExecuteScript(std::string_view sql) override {
        const std::string script(sql);
        const int rc = sqlite3_exec(db_, script.c_str(), nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) {
            return Fail(ToError(db_, rc));
        }
        return Ok();
    }

private:
    Result<sqlite3_stmt*> Prepare(std::string_view sql) {
        const std::string key(sql);
        if (auto found = statements_.find(key); found != statements_.end()) {
            return found->second.get();
        }
        const std::string rewritten = RewritePlaceholders(sql);
        sqlite3_stmt* raw = nullptr;
        const int rc = sqlite3_prepare_v3(db_,
                                          rewritten.c_str(),
                                          static_cast<int>(rewritten.size()),
                                          SQLITE_PREPARE_PERSISTENT,
                                          &raw,
                                          nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(raw);
            return Fail(ToError(db_, rc));
        }
        Statement statement(raw);
        auto* pointer = statement.get();
        statements_.emplace(key, std::move(statement));
        return pointer;
    }

    sqlite3* db_;
    std::unordered_map<std::string, Statement> statements_{};
};

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path,
                                                             std::size_t connections) {
    // Create the file ourselves so it is never world-readable, even for a moment.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return Fail(ErrorCode::kUnavailable, "Cannot open database file '" + path + "'");
    }
    ::close(fd);

    std::unique_ptr<SqliteDatabase> database(new SqliteDatabase());
    for (std::size_t i = 0; i < std::max<std::size_t>(connections, 1); ++i) {
        sqlite3* db = nullptr;
        const int rc = sqlite3_open_v2(
            path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) {
            std::string detail = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
            sqlite3_close_v2(db);
            return Fail(ErrorCode::kUnavailable,
                        "Cannot open database file '" + path + "'",
                        std::move(detail));
        }
        auto connection = std::make_unique<SqliteConnection>(db);
        sqlite3_busy_timeout(db, kBusyTimeoutMs);
        for (const char* pragma : {"PRAGMA journal_mode = WAL",
                                   "PRAGMA foreign_keys = ON",
                                   "PRAGMA synchronous = NORMAL"}) {
            if (auto done = connection->ExecuteScript(pragma); !done) {
                return Fail(std::move(done.error()));
            }
        }
        database->idle_.push_back(std::move(connection));
    }
    return database;
}

SqliteDatabase::~SqliteDatabase() = default;

std::unique_ptr<SqliteConnection> SqliteDatabase::Borrow() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !idle_.empty(); });
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return connection;
}

void SqliteDatabase::Return(std::unique_ptr<SqliteConnection> connection) {
    {
        const std::lock_guard lock(mutex_);
        idle_.push_back(std::move(connection));
    }
    available_.notify_one();
}

Result<void> SqliteDatabase::WithSession(const SessionWork& work) {
    if (auto refused = RefuseBlocking()) {
        return Fail(std::move(*refused));
    }
    auto connection = Borrow();
    auto result = work(*connection);
    Return(std::move(connection));
    NoteOutcome(result, false);
    return result;
}

Result<void> SqliteDatabase::WithTransaction(const SessionWork& work) {
    if (auto refused = RefuseBlocking()) {
        return Fail(std::move(*refused));
    }
    auto connection = Borrow();
    auto result = connection->ExecuteScript("BEGIN IMMEDIATE");
    if (result) {
        result = work(*connection);
        if (result) {
            result = connection->ExecuteScript("COMMIT");
        }
        if (!result) {
            (void)connection->ExecuteScript("ROLLBACK");
        }
    }
    Return(std::move(connection));
    NoteOutcome(result, true);
    return result;
}

Result<void> SqliteDatabase::TakeTransactionLock(SqlSession& /*session*/,
                                                 std::int64_t /*lock_id*/) {
    return Ok();  // BEGIN IMMEDIATE already holds the database's only write lock
}

std::span<const Migration> SqliteDatabase::Migrations() const {
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

}  // namespace junction::storage::sqlite
