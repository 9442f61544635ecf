#pragma once

#include <string>

namespace junction::testing {

/// A fresh, empty PostgreSQL database on the server named by JUNCTION_TEST_PG_URL (started by
/// scripts/test.sh), dropped on destruction. A missing variable is a test failure, never a
/// skip: CI must prove both backends.
class TestPostgres {
public:
    TestPostgres();
    TestPostgres(const TestPostgres&) = delete;
    TestPostgres& operator=(const TestPostgres&) = delete;
    TestPostgres(TestPostgres&&) = delete;
    TestPostgres& operator=(TestPostgres&&) = delete;
    ~TestPostgres();

    /// postgresql:// URI of the fresh database.
    [[nodiscard]] const std::string& Url() const { return url_; }
    /// Runs SQL on the fresh database and returns the first column of every row.
    [[nodiscard]] std::string QueryText(const std::string& sql) const;
    /// Every table's rows as text (pg_dump-like), for secret scans.
    [[nodiscard]] std::string DumpAllText() const;

    /// The server URL, or throws with a clear message when JUNCTION_TEST_PG_URL is unset.
    [[nodiscard]] static std::string ServerUrl();

private:
    std::string admin_url_;
    std::string name_;
    std::string url_;
};

}  // namespace junction::testing
