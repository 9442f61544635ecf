#include "junction/testing/test_server.hpp"

#include <stdexcept>

#include <boost/json/serialize.hpp>
#include <spdlog/async.h>
#include <spdlog/spdlog.h>

#include "junction/testing/test_postgres.hpp"

namespace junction::testing {

std::string BackendName(const ::testing::TestParamInfo<Backend>& param_info) {
    return param_info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

TestServer::TestServer(TestServerOptions options) {
    app::Environment environment{
        {"JUNCTION_LISTEN", "127.0.0.1:0"},
        {"JUNCTION_DATA_DIR", dir_.File("data")},
        {"JUNCTION_LOG_LEVEL", "debug"},
        {"JUNCTION_LOG_FILE", dir_.File("junction.log")},
        {"JUNCTION_IO_THREADS", "2"},
        {"JUNCTION_BLOCKING_THREADS", "4"},
    };
    if (options.backend == Backend::kPostgres) {
        postgres_ = std::make_unique<TestPostgres>();
        environment["JUNCTION_DATABASE_URL"] = postgres_->Url();
    }
    for (auto& [name, value] : options.environment) {
        environment[name] = value;
    }
    auto loaded = app::LoadConfig("", environment);
    if (!loaded) {
        throw std::runtime_error(loaded.error().message);
    }
    if (auto logging = app::ConfigureLogging(loaded->config); !logging) {
        throw std::runtime_error(logging.error().message);
    }
    auto created = app::Application::Create(std::move(*loaded));
    if (!created) {
        throw std::runtime_error("cannot start Junction: " + created.error().message + " " +
                                 created.error().detail);
    }
    app_ = std::move(*created);
    auto bootstrap = app_->Bootstrap();
    if (!bootstrap) {
        throw std::runtime_error(bootstrap.error().message);
    }
    if (*bootstrap) {
        admin_key_ = std::string((*bootstrap)->Reveal());
    }
    auto port = app_->Listen();
    if (!port) {
        throw std::runtime_error(port.error().message);
    }
    port_ = *port;
    client_ = HttpClient("http://127.0.0.1:" + std::to_string(port_));
    thread_ = std::thread([this] { app_->Run(false); });
}

TestServer::~TestServer() {
    Stop();
    app_.reset();
}

void TestServer::Stop() {
    if (thread_.joinable()) {
        app_->Shutdown();
        thread_.join();
    }
}

std::string TestServer::LogText() const {
    // The logger is asynchronous with one worker: a flush queued after another has started
    // proves the first one finished. Bounded, in case the queue never drains.
    for (int round = 0; round < 2; ++round) {
        spdlog::default_logger()->flush();
        for (int i = 0; i < 500 && spdlog::thread_pool()->queue_size() > 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    return ReadFile(dir_.File("junction.log"));
}

std::string TestServer::WaitForLog(const std::string& needle) const {
    std::string log;
    for (int i = 0; i < 200; ++i) {
        log = LogText();
        if (log.find(needle) != std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return log;
}

std::vector<std::string> TestServer::AdminHeaders() const {
    return {"Authorization: Bearer " + admin_key_, "x-api-version: 2025-09"};
}

std::string TestServer::CreateUser(const std::string& username) {
    auto headers = AdminHeaders();
    headers.emplace_back("Content-Type: application/json");
    const auto result =
        client_.Send("POST",
                     "/users",
                     headers,
                     boost::json::serialize(boost::json::object{{"username", username}}));
    if (result.status != 200) {
        throw std::runtime_error("create user failed: " + result.body);
    }
    return std::string(result.Json().at("userId").as_string());
}

std::string TestServer::CreateKey(const std::string& role, const std::string& owner_user_id) {
    auto headers = AdminHeaders();
    headers.emplace_back("Content-Type: application/json");
    const auto result = client_.Send(
        "POST",
        "/api-keys",
        headers,
        boost::json::serialize(boost::json::object{
            {"name", "test-" + role}, {"role", role}, {"ownerUserId", owner_user_id}}));
    if (result.status != 201) {
        throw std::runtime_error("create key failed: " + result.body);
    }
    return std::string(result.Json().at("apiKey").at("key").as_string());
}

}  // namespace junction::testing
