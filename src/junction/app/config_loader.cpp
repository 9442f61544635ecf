#include "junction/app/config_loader.hpp"

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <unistd.h>  // environ (g++ defines _GNU_SOURCE)
#include <yaml-cpp/yaml.h>

namespace junction::app {
namespace {

using Setter = std::function<std::optional<std::string>(Config&, const std::string&)>;

std::optional<std::string> SetString(std::string& field, const std::string& value) {
    field = value;
    return std::nullopt;
}

std::optional<std::string> SetSize(std::size_t& field,
                                   const std::string& value,
                                   std::size_t min,
                                   std::size_t max) {
    try {
        std::size_t used = 0;
        const long long parsed = std::stoll(value, &used);
        if (used != value.size() || parsed < static_cast<long long>(min) ||
            parsed > static_cast<long long>(max)) {
            throw std::out_of_range("range");
        }
        field = static_cast<std::size_t>(parsed);
        return std::nullopt;
    } catch (const std::exception&) {
        return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
    }
}

template <class Duration>
std::optional<std::string> SetDuration(Duration& field,
                                       const std::string& value,
                                       std::size_t min,
                                       std::size_t max) {
    std::size_t count = 0;
    if (auto problem = SetSize(count, value, min, max)) {
        return problem;
    }
    field = Duration{static_cast<typename Duration::rep>(count)};
    return std::nullopt;
}

std::optional<std::string> SetRate(RateLimitSetting& field, const std::string& value) {
    auto parsed = ParseRateLimit(value);
    if (!parsed) {
        return "must look like 1000/60s (requests per window)";
    }
    field = *parsed;
    return std::nullopt;
}

std::optional<std::string> SetList(std::vector<std::string>& field, const std::string& value) {
    field.clear();
    std::stringstream stream(value);
    std::string item;
    while (std::getline(stream, item, ',')) {
        const auto begin = item.find_first_not_of(' ');
        const auto end = item.find_last_not_of(' ');
        if (begin != std::string::npos) {
            field.push_back(item.substr(begin, end - begin + 1));
        }
    }
    return std::nullopt;
}

std::optional<std::string> SetBool(bool& field, const std::string& value) {
    if (value == "true" || value == "1") {
        field = true;
    } else if (value == "false" || value == "0") {
        field = false;
    } else {
        return "must be true or false (or 1 or 0)";
    }
    return std::nullopt;
}

std::optional<std::string> SetLogLevel(std::string& field, const std::string& value) {
    static const std::set<std::string> levels{
        "trace", "debug", "info", "warn", "error", "critical", "off"};
    if (!levels.contains(value)) {
        return "must be one of trace, debug, info, warn, error, critical, off";
    }
    field = value;
    return std::nullopt;
}

// Every setting once: YAML path and environment name (docs/CONFIG.md lists the same table).
struct Setting {
    const char* yaml_path;
    const char* env_name;
    Setter set;
};

const std::vector<Setting>& Settings() {
    static const std::vector<Setting> settings{
        {"listen",
         "JUNCTION_LISTEN",
         [](Config& c, const std::string& v) {
             return SetString(c.listen, v);
         }},
        {"public_url",
         "JUNCTION_PUBLIC_URL",
         [](Config& c, const std::string& v) {
             return SetString(c.public_url, v);
         }},
        {"data_dir",
         "JUNCTION_DATA_DIR",
         [](Config& c, const std::string& v) {
             return SetString(c.data_dir, v);
         }},
        {"database_url",
         "JUNCTION_DATABASE_URL",
         [](Config& c, const std::string& v) {
             return SetString(c.database_url, v);
         }},
        {"catalog_dir",
         "JUNCTION_CATALOG_DIR",
         [](Config& c, const std::string& v) {
             return SetString(c.catalog_dir, v);
         }},
        {"jwt_issuer",
         "JUNCTION_JWT_ISSUER",
         [](Config& c, const std::string& v) -> std::optional<std::string> {
             if (v.empty() || v.size() > 200) {
                 return "must be 1-200 characters";
             }
             c.jwt_issuer = v;
             return std::nullopt;
         }},
        {"log_level",
         "JUNCTION_LOG_LEVEL",
         [](Config& c, const std::string& v) {
             return SetLogLevel(c.log_level, v);
         }},
        {"log_format",
         "JUNCTION_LOG_FORMAT",
         [](Config& c, const std::string& v) -> std::optional<std::string> {
             if (v != "json" && v != "text") {
                 return "must be json or text";
             }
             c.log_format = v;
             return std::nullopt;
         }},
        {"log_file",
         "JUNCTION_LOG_FILE",
         [](Config& c, const std::string& v) {
             return SetString(c.log_file, v);
         }},
        {"io_threads",
         "JUNCTION_IO_THREADS",
         [](Config& c, const std::string& v) {
             return SetSize(c.io_threads, v, 1, 256);
         }},
        {"blocking_threads",
         "JUNCTION_BLOCKING_THREADS",
         [](Config& c, const std::string& v) {
             return SetSize(c.blocking_threads, v, 1, 1024);
         }},
        {"blocking_queue",
         "JUNCTION_BLOCKING_QUEUE",
         [](Config& c, const std::string& v) {
             return SetSize(c.blocking_queue, v, 1, 1'000'000);
         }},
        {"postgres_pool_size",
         "JUNCTION_POSTGRES_POOL_SIZE",
         [](Config& c, const std::string& v) {
             return SetSize(c.postgres_pool_size, v, 1, 1000);
         }},
        {"shutdown_grace_seconds",
         "JUNCTION_SHUTDOWN_GRACE_SECONDS",
         [](Config& c, const std::string& v) {
             return SetDuration(c.shutdown_grace, v, 0, 3600);
         }},
        {"http.read_timeout_ms",
         "JUNCTION_HTTP_READ_TIMEOUT_MS",
         [](Config& c, const std::string& v) {
             return SetDuration(c.http.read_timeout, v, 100, 600'000);
         }},
        {"http.max_body_bytes",
         "JUNCTION_HTTP_MAX_BODY_BYTES",
         [](Config& c, const std::string& v) {
             return SetSize(c.http.max_body_bytes, v, 1024, 1UL << 30U);
         }},
        {"http.max_connections",
         "JUNCTION_HTTP_MAX_CONNECTIONS",
         [](Config& c, const std::string& v) {
             return SetSize(c.http.max_connections, v, 0, 10'000'000);
         }},
        {"http.max_connections_per_ip",
         "JUNCTION_HTTP_MAX_CONNECTIONS_PER_IP",
         [](Config& c, const std::string& v) {
             return SetSize(c.http.max_connections_per_ip, v, 0, 10'000'000);
         }},
        {"files.dir",
         "JUNCTION_FILES_DIR",
         [](Config& c, const std::string& v) {
             return SetString(c.files.dir, v);
         }},
        {"files.max_upload_bytes",
         "JUNCTION_FILES_MAX_UPLOAD_BYTES",
         [](Config& c, const std::string& v) -> std::optional<std::string> {
             std::size_t bytes = 0;
             if (auto problem = SetSize(bytes, v, 1, 1ULL << 40U)) {
                 return problem;
             }
             c.files.max_upload_bytes = bytes;
             return std::nullopt;
         }},
        {"files.url_ttl_seconds",
         "JUNCTION_FILE_URL_TTL",
         [](Config& c, const std::string& v) {
             return SetDuration(c.files.url_ttl, v, 10, 7UL * 86'400);
         }},
        {"egress.max_response_bytes",
         "JUNCTION_EGRESS_MAX_RESPONSE_BYTES",
         [](Config& c, const std::string& v) {
             return SetSize(c.egress_max_response_bytes, v, 1024, 1UL << 30U);
         }},
        {"egress.ca_file",
         "JUNCTION_EGRESS_CA_FILE",
         [](Config& c, const std::string& v) {
             return SetString(c.egress_ca_file, v);
         }},
        {"mcp.stream_keepalive_ms",
         "JUNCTION_MCP_STREAM_KEEPALIVE_MS",
         [](Config& c, const std::string& v) {
             return SetDuration(c.mcp_stream_keepalive, v, 100, 600'000);
         }},
        {"mcp.stream_lifetime_ms",
         "JUNCTION_MCP_STREAM_LIFETIME_MS",
         [](Config& c, const std::string& v) {
             return SetDuration(c.mcp_stream_lifetime, v, 1000, 86'400'000);
         }},
        {"rate_limit.api",
         "JUNCTION_RATE_LIMIT_API",
         [](Config& c, const std::string& v) {
             return SetRate(c.rate_limit_api, v);
         }},
        {"rate_limit.mcp",
         "JUNCTION_RATE_LIMIT_MCP",
         [](Config& c, const std::string& v) {
             return SetRate(c.rate_limit_mcp, v);
         }},
        {"rate_limit.auth_failures",
         "JUNCTION_RATE_LIMIT_AUTH_FAILURES",
         [](Config& c, const std::string& v) {
             return SetRate(c.rate_limit_auth_failures, v);
         }},
        {"rate_limit.oauth",
         "JUNCTION_RATE_LIMIT_OAUTH",
         [](Config& c, const std::string& v) {
             return SetRate(c.rate_limit_oauth, v);
         }},
        {"cors_origins",
         "JUNCTION_CORS_ORIGINS",
         [](Config& c, const std::string& v) {
             return SetList(c.cors_origins, v);
         }},
        {"trusted_proxies",
         "JUNCTION_TRUSTED_PROXIES",
         [](Config& c, const std::string& v) {
             return SetList(c.trusted_proxies, v);
         }},
        {"oauth.allowed_redirect_prefixes",
         "JUNCTION_OAUTH_ALLOWED_REDIRECT_PREFIXES",
         [](Config& c, const std::string& v) {
             return SetList(c.oauth_allowed_redirect_prefixes, v);
         }},
        {"egress.allow_cidrs",
         "JUNCTION_EGRESS_ALLOW_CIDRS",
         [](Config& c, const std::string& v) {
             return SetList(c.egress_allow_cidrs, v);
         }},
        {nullptr,
         "JUNCTION_MASTER_KEY_FILE",
         [](Config& c, const std::string& v) {
             return SetString(c.master_key_file, v);
         }},
        {"master_key_allow_insecure_permissions",
         "JUNCTION_MASTER_KEY_ALLOW_INSECURE_PERMISSIONS",
         [](Config& c, const std::string& v) {
             return SetBool(c.master_key_allow_insecure_permissions, v);
         }},
    };
    return settings;
}

const Setting* FindByYaml(const std::string& path) {
    for (const auto& setting : Settings()) {
        if (setting.yaml_path != nullptr && path == setting.yaml_path) {
            return &setting;
        }
    }
    return nullptr;
}

bool IsSection(const std::string& path) {
    return path == "http" || path == "rate_limit" || path == "files" || path == "mcp" ||
           path == "egress" || path == "oauth";
}

// Walks the YAML mapping; lists join with commas so one setter serves YAML and env alike.
void ApplyYaml(const YAML::Node& node,
               const std::string& prefix,
               Config& config,
               std::vector<std::string>& problems) {
    for (const auto& entry : node) {
        const auto key = entry.first.as<std::string>();
        std::string path = prefix;
        if (!path.empty()) {
            path += '.';
        }
        path += key;
        if (prefix.empty() && IsSection(key)) {
            if (!entry.second.IsMap()) {
                problems.push_back("config key '" + path + "' must be a mapping");
                continue;
            }
            ApplyYaml(entry.second, path, config, problems);
            continue;
        }
        const Setting* setting = FindByYaml(path);
        if (setting == nullptr) {
            problems.push_back("unknown config key '" + path + "'");
            continue;
        }
        std::string value;
        if (entry.second.IsSequence()) {
            for (const auto& item : entry.second) {
                value += (value.empty() ? "" : ",") + item.as<std::string>();
            }
        } else if (entry.second.IsScalar()) {
            value = entry.second.as<std::string>();
        } else if (!entry.second.IsNull()) {
            problems.push_back("config key '" + path + "' must be a scalar or a list");
            continue;
        }
        if (auto problem = setting->set(config, value)) {
            problems.push_back("config key '" + path + "' " + *problem);
        }
    }
}

}  // namespace

Environment ReadProcessEnvironment() {
    Environment environment;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string text(*entry);
        const std::size_t eq = text.find('=');
        if (eq != std::string::npos && text.starts_with("JUNCTION_")) {
            environment.emplace(text.substr(0, eq), text.substr(eq + 1));
        }
    }
    return environment;
}

std::optional<RateLimitSetting> ParseRateLimit(const std::string& text) {
    RateLimitSetting setting;
    try {
        std::size_t used = 0;
        const long long limit = std::stoll(text, &used);
        if (limit < 1) {
            return std::nullopt;
        }
        setting.limit = limit;
        std::string rest = text.substr(used);
        if (rest.empty()) {
            return setting;
        }
        if (rest.front() != '/') {
            return std::nullopt;
        }
        rest.erase(0, 1);
        if (!rest.empty() && rest.back() == 's') {
            rest.pop_back();
        }
        const long long seconds = std::stoll(rest, &used);
        if (used != rest.size() || seconds < 1 || seconds > 86'400) {
            return std::nullopt;
        }
        setting.window = std::chrono::seconds{seconds};
        return setting;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

Result<LoadedConfig> LoadConfig(const std::string& config_file, const Environment& environment) {
    LoadedConfig loaded;
    std::vector<std::string> problems;

    std::string path = config_file;
    if (path.empty() && std::filesystem::exists("junction.yaml")) {
        path = "junction.yaml";
    }
    if (!path.empty()) {
        try {
            const YAML::Node root = YAML::LoadFile(path);
            if (root.IsMap()) {
                ApplyYaml(root, "", loaded.config, problems);
            } else if (!root.IsNull()) {
                problems.push_back("config file '" + path + "' must be a YAML mapping");
            }
        } catch (const YAML::BadFile&) {
            problems.push_back("cannot read config file '" + path + "'");
        } catch (const YAML::Exception& e) {
            problems.push_back("config file '" + path + "' line " +
                               std::to_string(e.mark.line + 1) + ": " + e.msg);
        }
    }

    for (const auto& [name, value] : environment) {
        if (name == "JUNCTION_MASTER_KEYS") {
            loaded.secrets.master_keys = SecretString(value);
            continue;
        }
        if (name == "JUNCTION_JWT_SECRET") {
            loaded.secrets.jwt_secret = SecretString(value);
            continue;
        }
        if (name == "JUNCTION_BOOTSTRAP_API_KEY") {
            loaded.secrets.bootstrap_api_key = SecretString(value);
            continue;
        }
        const Setting* setting = nullptr;
        for (const auto& candidate : Settings()) {
            if (name == candidate.env_name) {
                setting = &candidate;
            }
        }
        if (setting == nullptr) {
            if (!name.starts_with("JUNCTION_TEST_")) {
                loaded.warnings.push_back("unknown environment variable " + name + " (ignored)");
            }
            continue;
        }
        if (auto problem = setting->set(loaded.config, value)) {
            problems.push_back(name + " " + *problem);
        }
    }

    Config& config = loaded.config;
    if (config.database_url.empty()) {
        config.database_url =
            "sqlite:" + (std::filesystem::path(config.data_dir) / "junction.db").string();
    }
    if (!config.database_url.starts_with("sqlite:") &&
        !config.database_url.starts_with("postgresql://") &&
        !config.database_url.starts_with("postgres://")) {
        problems.emplace_back("database_url must be sqlite:PATH or a postgresql:// URI");
    }
    if (config.files.dir.empty()) {
        config.files.dir = (std::filesystem::path(config.data_dir) / "files").string();
    }
    if (config.master_key_file.empty()) {
        config.master_key_file = (std::filesystem::path(config.data_dir) / "master.key").string();
    }
    if (config.public_url.empty()) {
        config.public_url = "http://" + config.listen;
        config.public_url_from_listen = true;
    }
    while (config.public_url.size() > 1 && config.public_url.back() == '/') {
        config.public_url.pop_back();
    }
    if (!config.public_url.starts_with("http://") && !config.public_url.starts_with("https://")) {
        problems.emplace_back("public_url must start with http:// or https://");
    }
    if (!problems.empty()) {
        std::string message = "invalid configuration:";
        for (const auto& problem : problems) {
            message += "\n  - " + problem;
        }
        return Fail(ErrorCode::kInvalidArgument, std::move(message));
    }
    return loaded;
}

}  // namespace junction::app
