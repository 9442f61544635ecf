// A database that runs out of space: SQLite's own SQLITE_FULL, reached here through
// `PRAGMA max_page_count` (the same code path as a full disk), must be a retryable 503-class
// error, and readiness must report it until a transaction commits again.
#include "junction/storage/sqlite/sqlite_database.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "junction/storage/sql_store.hpp"

namespace junction::storage::sqlite {
namespace {

class SqliteStorageFullTest : public ::testing::Test {
protected:
    SqliteStorageFullTest() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "junction-sqlite-XXXXXX").string();
        dir_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
    }
    SqliteStorageFullTest(const SqliteStorageFullTest&) = delete;
    SqliteStorageFullTest& operator=(const SqliteStorageFullTest&) = delete;
    SqliteStorageFullTest(SqliteStorageFullTest&&) = delete;
    SqliteStorageFullTest& operator=(SqliteStorageFullTest&&) = delete;
    ~SqliteStorageFullTest() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    static Result<void> Script(SqlDatabase& database, const std::string& sql) {
        return database.WithSession(
            [&](SqlSession& session) { return session.ExecuteScript(sql); });
    }
    static Result<void> InsertRow(SqlDatabase& database) {
        return database.WithTransaction([](SqlSession& session) -> Result<void> {
            auto rows = session.Query("INSERT INTO t (x) VALUES (zeroblob(8192))", {});
            if (!rows) {
                return Fail(std::move(rows.error()));
            }
            return Ok();
        });
    }

    std::string dir_;
};

TEST_F(SqliteStorageFullTest, AFullDatabaseIsUnavailableAndNotReadyUntilAWriteSucceeds) {
    ASSERT_FALSE(dir_.empty());
    auto opened = SqliteDatabase::Open(dir_ + "/full.db", 1);  // one connection: pragmas stick
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    SqliteDatabase& database = **opened;
    SqlStore store(std::move(*opened));
    ASSERT_TRUE(Script(database, "CREATE TABLE t (x BLOB)").has_value());
    ASSERT_TRUE(Script(database, "PRAGMA max_page_count = 8").has_value());
    ASSERT_TRUE(store.Ping().has_value());

    Result<void> inserted = Ok();
    for (int i = 0; i < 100 && inserted; ++i) {
        inserted = InsertRow(database);
    }
    ASSERT_FALSE(inserted.has_value()) << "the page limit was never reached";
    EXPECT_EQ(inserted.error().code, ErrorCode::kUnavailable) << inserted.error().detail;
    EXPECT_TRUE(IsStorageFull(inserted.error()));
    EXPECT_EQ(inserted.error().message, "Storage is full; retry later");
    EXPECT_TRUE(database.StorageFull());
    const auto ping = store.Ping();
    ASSERT_FALSE(ping.has_value());
    EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(ping.error().message.find("storage full"), std::string::npos);

    // Space again: the next committed write clears the state.
    ASSERT_TRUE(Script(database, "PRAGMA max_page_count = 100000").has_value());
    ASSERT_TRUE(InsertRow(database).has_value());
    EXPECT_FALSE(database.StorageFull());
    EXPECT_TRUE(store.Ping().has_value());
}

}  // namespace
}  // namespace junction::storage::sqlite
