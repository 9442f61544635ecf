#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "junction/core/config.hpp"
#include "junction/core/result.hpp"
#include "junction/core/secret_string.hpp"

namespace junction::app {

/// Secrets and their locations: only ever from the environment (DESIGN.md §7).
struct Secrets {
    std::optional<SecretString> master_keys;        // JUNCTION_MASTER_KEYS
    std::optional<SecretString> bootstrap_api_key;  // JUNCTION_BOOTSTRAP_API_KEY
    std::optional<SecretString> jwt_secret;         // JUNCTION_JWT_SECRET
};

struct LoadedConfig {
    Config config;
    Secrets secrets;
    std::vector<std::string> warnings;  // e.g. unknown JUNCTION_* variables
};

using Environment = std::map<std::string, std::string>;

/// The process environment (call before any thread starts).
[[nodiscard]] Environment ReadProcessEnvironment();

/// Reads `config_file` (YAML; when empty, `junction.yaml` in the working directory if it
/// exists), then applies JUNCTION_* overrides from `environment`, then checks ranges.
/// kInvalidArgument listing every problem (unknown YAML keys are named).
[[nodiscard]] Result<LoadedConfig> LoadConfig(const std::string& config_file,
                                              const Environment& environment);

/// "1000/60s", "1000/60" or "1000" (per 60 s).
[[nodiscard]] std::optional<RateLimitSetting> ParseRateLimit(const std::string& text);

}  // namespace junction::app
