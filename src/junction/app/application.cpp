#include "junction/app/application.hpp"

#include <filesystem>
#include <mutex>

#include <boost/json/serialize.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "junction/app/master_key.hpp"
#include "junction/core/ids.hpp"
#include "junction/core/log.hpp"
#include "junction/crypto/random.hpp"
#include "junction/crypto/secret_box.hpp"
#include "junction/http/api.hpp"
#include "junction/http/server.hpp"
#include "junction/json/yaml.hpp"
#include "junction/service/api_key_service.hpp"
#include "junction/service/auth_service.hpp"
#include "junction/service/health_service.hpp"
#include "junction/service/rate_limiter.hpp"
#include "junction/service/user_service.hpp"
#include "junction/storage/postgres/pg_database.hpp"
#include "junction/storage/sql_store.hpp"
#include "junction/storage/sqlite/sqlite_database.hpp"

namespace junction::app {

extern const std::string_view kOpenApiYaml;

namespace {

constexpr std::string_view kVersion = "0.1.0";

// The API document as JSON, converted once per process from the embedded YAML.
const std::string& OpenApiJson() {
    static std::once_flag once;
    static std::string json;
    std::call_once(once, [] {
        auto document = json::YamlToJson(kOpenApiYaml);
        json = document ? boost::json::serialize(*document) : "{}";
    });
    return json;
}

Result<std::unique_ptr<storage::SqlDatabase>> OpenDatabase(const Config& config) {
    const std::string& url = config.database_url;
    if (url.starts_with("sqlite:")) {
        const std::string path = url.substr(std::string_view("sqlite:").size());
        std::error_code ec;
        const auto parent = std::filesystem::path(path).parent_path();
        if (!parent.empty()) {
            std::filesystem::create_directories(parent, ec);
        }
        auto database = storage::sqlite::SqliteDatabase::Open(path, config.blocking_threads + 1);
        if (!database) {
            return Fail(std::move(database.error()));
        }
        return std::unique_ptr<storage::SqlDatabase>(std::move(*database));
    }
    auto database = storage::postgres::PgDatabase::Open(
        url, config.postgres_pool_size, std::chrono::milliseconds(30'000));
    if (!database) {
        return Fail(std::move(database.error()));
    }
    return std::unique_ptr<storage::SqlDatabase>(std::move(*database));
}

}  // namespace

struct Application::Parts {
    Config config;
    std::optional<SecretString> bootstrap_api_key;
    SystemClock clock;
    crypto::SecureRng rng;
    std::unique_ptr<ObjectIdGenerator> ids;
    std::unique_ptr<crypto::SecretBox> secret_box;
    std::unique_ptr<storage::Store> store;
    std::unique_ptr<service::AuthService> auth;
    std::unique_ptr<service::UserService> users;
    std::unique_ptr<service::ApiKeyService> api_keys;
    std::unique_ptr<service::RateLimiter> rate_limiter;
    std::unique_ptr<service::HealthService> health;
    std::unique_ptr<http::Services> services;
    std::unique_ptr<http::Api> api;
    std::unique_ptr<http::Server> server;
};

Result<std::unique_ptr<Application>> Application::Create(LoadedConfig loaded, bool migrate) {
    auto parts = std::make_unique<Parts>();
    parts->config = std::move(loaded.config);
    parts->bootstrap_api_key = std::move(loaded.secrets.bootstrap_api_key);
    const Config& config = parts->config;
    for (const auto& warning : loaded.warnings) {
        LogEvent(spdlog::level::warn, warning);
    }

    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) {
        return Fail(ErrorCode::kUnavailable,
                    "Cannot create data directory '" + config.data_dir + "': " + ec.message());
    }
    auto keys = LoadMasterKeys(loaded.secrets.master_keys, config.master_key_file, parts->rng);
    if (!keys) {
        return Fail(std::move(keys.error()));
    }
    if (keys->created) {
        LogEvent(spdlog::level::warn,
                 "created a new master key; back it up; without it encrypted data cannot be read",
                 {{"path", config.master_key_file}});
    }
    parts->secret_box = std::make_unique<crypto::SecretBox>(std::move(keys->keys), parts->rng);

    auto database = OpenDatabase(config);
    if (!database) {
        return Fail(std::move(database.error()));
    }
    parts->store = std::make_unique<storage::SqlStore>(std::move(*database));
    if (migrate) {
        if (auto migrated = parts->store->Migrate(); !migrated) {
            return Fail(std::move(migrated.error()));
        }
    }
    if (auto schema = parts->store->CheckSchema(); !schema) {
        return Fail(std::move(schema.error()));
    }

    parts->ids = std::make_unique<ObjectIdGenerator>(parts->clock, parts->rng);
    parts->auth = std::make_unique<service::AuthService>(*parts->store, parts->clock);
    parts->users = std::make_unique<service::UserService>(*parts->store, parts->clock, *parts->ids);
    parts->api_keys = std::make_unique<service::ApiKeyService>(
        *parts->store, parts->clock, parts->rng, *parts->ids);
    parts->rate_limiter = std::make_unique<service::RateLimiter>(*parts->store, parts->clock);
    parts->health = std::make_unique<service::HealthService>(*parts->store, *parts->secret_box);
    parts->services =
        std::make_unique<http::Services>(http::Services{.users = *parts->users,
                                                        .api_keys = *parts->api_keys,
                                                        .auth = *parts->auth,
                                                        .rate_limiter = *parts->rate_limiter,
                                                        .health = *parts->health,
                                                        .config = config,
                                                        .openapi_json = OpenApiJson(),
                                                        .version = kVersion});
    parts->api = std::make_unique<http::Api>(*parts->services);
    parts->server = std::make_unique<http::Server>(config, *parts->api, parts->clock, parts->rng);
    return std::unique_ptr<Application>(new Application(std::move(parts)));
}

Application::Application(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Application::~Application() {
    // The server (and its pool) goes before the services it calls.
    parts_->server.reset();
}

Result<std::optional<SecretString>> Application::Bootstrap() {
    if (parts_->bootstrap_api_key) {
        auto stored = parts_->api_keys->BootstrapFromEnvironment(*parts_->bootstrap_api_key);
        if (!stored) {
            return Fail(std::move(stored.error()));
        }
        if (*stored) {
            LogEvent(spdlog::level::info,
                     "stored JUNCTION_BOOTSTRAP_API_KEY as the first admin key");
        }
        return std::optional<SecretString>{};
    }
    auto created = parts_->api_keys->BootstrapFirstStart();
    if (!created) {
        return Fail(std::move(created.error()));
    }
    if (!*created) {
        return std::optional<SecretString>{};
    }
    LogEvent(spdlog::level::warn,
             "created the bootstrap admin API key (printed once on stdout)",
             {{"api_key_id", (*created)->row.id}});
    return std::optional<SecretString>(std::move((*created)->key));
}

Result<std::uint16_t> Application::Listen() {
    auto port = parts_->server->Listen(parts_->config.listen);
    if (port) {
        LogEvent(spdlog::level::info,
                 "listening",
                 {{"address", parts_->config.listen}, {"port", *port}, {"version", kVersion}});
    }
    return port;
}

void Application::Run(bool handle_signals) {
    parts_->server->Run(parts_->config.io_threads, handle_signals);
    LogEvent(spdlog::level::info, "shutdown complete");
}

void Application::Shutdown() {
    parts_->server->Shutdown();
}

storage::Store& Application::Store() {
    return *parts_->store;
}

service::ApiKeyService& Application::ApiKeys() {
    return *parts_->api_keys;
}

service::UserService& Application::Users() {
    return *parts_->users;
}

Result<void> ConfigureLogging(const Config& config) {
    // Asynchronous: IO threads log access lines and must never wait on the disk. When the
    // queue is full the oldest lines are dropped rather than blocking a request.
    static std::once_flag pool_once;
    std::call_once(pool_once, [] { spdlog::init_thread_pool(8192, 1); });
    std::shared_ptr<spdlog::logger> logger;
    try {
        spdlog::sink_ptr sink;
        if (config.log_file.empty()) {
            sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        } else {
            sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.log_file);
        }
        logger =
            std::make_shared<spdlog::async_logger>("junction",
                                                   std::move(sink),
                                                   spdlog::thread_pool(),
                                                   spdlog::async_overflow_policy::overrun_oldest);
    } catch (const spdlog::spdlog_ex& e) {
        return Fail(ErrorCode::kUnavailable, std::string("Cannot open log file: ") + e.what());
    }
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::from_str(config.log_level));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
    SetLogFormatJson(config.log_format == "json");
    return Ok();
}

std::string_view Version() {
    return kVersion;
}

}  // namespace junction::app
