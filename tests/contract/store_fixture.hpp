#pragma once

// The store contract's typed fixture (DESIGN.md §13): every test that uses it runs once on a
// SQLite file and once on a fresh PostgreSQL database.

#include <cctype>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "junction/storage/postgres/pg_database.hpp"
#include "junction/storage/sql_store.hpp"
#include "junction/storage/sqlite/sqlite_database.hpp"
#include "junction/testing/temp_dir.hpp"
#include "junction/testing/test_postgres.hpp"

namespace junction::storage::contract {

inline constexpr std::string_view kAlice = "aaaaaaaaaaaaaaaaaaaaaaa1";
inline constexpr std::string_view kBob = "aaaaaaaaaaaaaaaaaaaaaaa2";
inline constexpr std::string_view kCarol = "aaaaaaaaaaaaaaaaaaaaaaa3";

inline TimePoint At(std::int64_t millis) {
    return FromUnixMillis(millis);
}

struct SqliteBackend {
    testing::TempDir dir;
    std::string path = dir.File("junction.db");

    std::unique_ptr<SqlDatabase> Open() const {
        auto database = sqlite::SqliteDatabase::Open(path, 4);
        EXPECT_TRUE(database.has_value());
        return std::move(*database);
    }
};

struct PostgresBackend {
    testing::TestPostgres postgres;

    std::unique_ptr<SqlDatabase> Open() const {
        auto database = postgres::PgDatabase::Open(postgres.Url(), 4, std::chrono::seconds(30));
        EXPECT_TRUE(database.has_value()) << (database ? "" : database.error().detail);
        return std::move(*database);
    }
};

template <class Backend>
class StoreContractTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = std::make_unique<SqlStore>(backend_.Open());
        ASSERT_TRUE(store_->Migrate().has_value());
    }

    Store& TheStore() { return *store_; }
    /// A second connection to the same database, for raw SQL.
    std::unique_ptr<SqlDatabase> RawDatabase() { return backend_.Open(); }

    /// Runs `sql` on a second connection and returns the first column of every row.
    std::vector<std::string> RawColumn(const std::string& sql) {
        std::vector<std::string> column;
        auto raw = RawDatabase();
        const auto done = raw->WithSession([&](SqlSession& session) -> Result<void> {
            auto rows = session.Query(sql, {});
            if (!rows) {
                return Fail(std::move(rows.error()));
            }
            for (const auto& row : *rows) {
                column.push_back(row.front().value_or("NULL"));
            }
            return Ok();
        });
        EXPECT_TRUE(done.has_value()) << (done ? "" : done.error().detail);
        return column;
    }

    UserRow SeedUser(const std::string& id,
                     const std::string& username,
                     std::int64_t created_ms = 1000) {
        UserRow user{.id = id,
                     .username = username,
                     .full_name = "Full " + username,
                     .created_at = At(created_ms),
                     .updated_at = At(created_ms)};
        EXPECT_TRUE(store_->CreateUser(user).has_value());
        return user;
    }

    ApiKeyRow SeedKey(const std::string& id,
                      const std::string& owner,
                      const std::string& role,
                      std::optional<TimePoint> expires_at = std::nullopt) {
        ApiKeyRow key{.id = id,
                      .name = "key " + id,
                      .role = role,
                      .owner_user_id = owner,
                      .key_hash = "hash-" + id,
                      .prefix = id.substr(0, 8),
                      .created_at = At(2000),
                      .expires_at = expires_at};
        EXPECT_TRUE(store_->CreateApiKey(key).has_value());
        return key;
    }

private:
    Backend backend_;
    std::unique_ptr<SqlStore> store_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;

class BackendNames {
public:
    template <class T>
    static std::string GetName(int /*index*/) {
        return std::is_same_v<T, SqliteBackend> ? "Sqlite" : "Postgres";
    }
};

/// A key-based credential of `user` for `connector`, created and updated at `updated_ms`.
inline CredentialRow Credential(std::string id,
                                std::string user,
                                std::string connector,
                                std::int64_t updated_ms) {
    return CredentialRow{.id = std::move(id),
                         .user_id = std::move(user),
                         .connector_id = std::move(connector),
                         .authentication_type = "bearer",
                         .name = "cred",
                         .status = "active",
                         .secret = "c2VhbGVk",
                         .key_id = 1,
                         .created_at = At(updated_ms),
                         .updated_at = At(updated_ms)};
}

/// A server of `owner` named `name`, created and updated at `created_ms`.
inline McpServerRow McpServer(std::string id,
                              std::string_view owner,
                              std::string name,
                              std::int64_t created_ms = 1000) {
    std::string key = name;
    for (char& c : key) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return McpServerRow{.id = std::move(id),
                        .owner_user_id = std::string(owner),
                        .name = std::move(name),
                        .name_key = std::move(key),
                        .description = "desc",
                        .custom_instructions = "be nice",
                        .mode = "connectivity",
                        .is_public = false,
                        .restrictions = "{}",
                        .token_hash = "token-hash-1",
                        .token_expires_in_days = std::nullopt,
                        .token_expires_at = std::nullopt,
                        .created_at = At(created_ms),
                        .updated_at = At(created_ms)};
}

}  // namespace junction::storage::contract
