#include "junction/testing/test_postgres.hpp"

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include <libpq-fe.h>

namespace junction::testing {
namespace {

std::string Execute(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("cannot connect to test PostgreSQL: " + message);
    }
    PGresult* result = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        std::string message = PQerrorMessage(conn);
        PQclear(result);
        PQfinish(conn);
        throw std::runtime_error("test PostgreSQL query failed: " + message);
    }
    std::string out;
    for (int row = 0; row < PQntuples(result); ++row) {
        for (int column = 0; column < PQnfields(result); ++column) {
            if (PQgetisnull(result, row, column) == 0) {
                out += PQgetvalue(result, row, column);
            }
            out += column + 1 < PQnfields(result) ? "\t" : "";
        }
        out += "\n";
    }
    PQclear(result);
    PQfinish(conn);
    return out;
}

// Replaces the database name (the path after the last '/') of a libpq URI.
std::string WithDatabase(const std::string& url, const std::string& database) {
    const std::size_t scheme = url.find("://");
    const std::size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    const std::size_t query = url.find('?');
    std::string base = slash == std::string::npos ? url : url.substr(0, slash);
    std::string rest = query == std::string::npos ? "" : url.substr(query);
    return base + "/" + database + rest;
}

}  // namespace

std::string TestPostgres::ServerUrl() {
    const char* url =
        std::getenv("JUNCTION_TEST_PG_URL");  // NOLINT(concurrency-mt-unsafe): test setup
    if (url == nullptr || *url == '\0') {
        throw std::runtime_error(
            "JUNCTION_TEST_PG_URL is not set: run the suite with scripts/test.sh, which starts "
            "PostgreSQL (PostgreSQL tests never skip)");
    }
    return url;
}

TestPostgres::TestPostgres() : admin_url_(ServerUrl()) {
    static std::atomic<unsigned> counter{0};
    std::random_device random;
    name_ = "junction_t_" + std::to_string(random()) + "_" + std::to_string(counter++);
    Execute(admin_url_, "CREATE DATABASE " + name_);
    url_ = WithDatabase(admin_url_, name_);
}

TestPostgres::~TestPostgres() {
    try {
        Execute(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
        // The server may be gone at the end of a run; the database dies with it.
    }
}

std::string TestPostgres::QueryText(const std::string& sql) const {
    return Execute(url_, sql);
}

std::string TestPostgres::DumpAllText() const {
    const std::string tables = Execute(
        url_, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    std::string dump;
    std::size_t start = 0;
    while (start < tables.size()) {
        const std::size_t end = tables.find('\n', start);
        const std::string table = tables.substr(start, end - start);
        start = end + 1;
        if (!table.empty()) {
            dump += Execute(url_, "SELECT t::text FROM " + table + " t");
        }
    }
    return dump;
}

}  // namespace junction::testing
