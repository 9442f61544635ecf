#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "junction/app/application.hpp"
#include "junction/testing/http_client.hpp"
#include "junction/testing/temp_dir.hpp"

namespace junction::testing {

enum class Backend { kSqlite, kPostgres };

class TestPostgres;

/// gtest parameter names for backends.
[[nodiscard]] std::string BackendName(const ::testing::TestParamInfo<Backend>& param_info);

/// Options for an in-process server.
struct TestServerOptions {
    Backend backend = Backend::kSqlite;
    std::map<std::string, std::string> environment{};  // JUNCTION_* overrides
};

/// A real Junction (the same Application the binary runs) listening on 127.0.0.1:0 with its
/// own data dir and database, debug logs in a file, serving on a background thread. The
/// destructor shuts it down gracefully.
class TestServer {
public:
    explicit TestServer(TestServerOptions options = {});
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;
    TestServer(TestServer&&) = delete;
    TestServer& operator=(TestServer&&) = delete;
    ~TestServer();

    [[nodiscard]] std::uint16_t Port() const { return port_; }
    [[nodiscard]] const HttpClient& Client() const { return client_; }
    /// The bootstrap admin key created on first start.
    [[nodiscard]] const std::string& AdminKey() const { return admin_key_; }
    [[nodiscard]] const TempDir& Dir() const { return dir_; }
    [[nodiscard]] std::string LogText() const;
    /// The log once it contains `needle` (the access line of a request is written after the
    /// response is sent, so a client may look before it exists); the whole log after 10 s.
    [[nodiscard]] std::string WaitForLog(const std::string& needle) const;
    [[nodiscard]] app::Application& App() { return *app_; }
    /// Non-null for the PostgreSQL backend.
    [[nodiscard]] TestPostgres* Postgres() { return postgres_.get(); }

    /// Common headers: admin auth + version.
    [[nodiscard]] std::vector<std::string> AdminHeaders() const;
    /// Creates a user through the API and returns its id.
    [[nodiscard]] std::string CreateUser(const std::string& username);
    /// Creates an API key (role "admin" or "user") owned by `owner_user_id`; returns the key.
    [[nodiscard]] std::string CreateKey(const std::string& role, const std::string& owner_user_id);

    /// Starts the graceful shutdown and waits for Run() to return.
    void Stop();

private:
    TempDir dir_;
    std::unique_ptr<TestPostgres> postgres_;
    std::unique_ptr<app::Application> app_;
    std::thread thread_;
    std::uint16_t port_ = 0;
    HttpClient client_{""};
    std::string admin_key_;
};

}  // namespace junction::testing
