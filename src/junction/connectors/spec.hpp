#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace junction::connectors {

/// One input of an auth entry (API.md §5.3), stored under the credential's `data`.
struct FieldSpec {
    std::string name{};
    std::string display_name{};
    std::string description{};
    std::string pattern{};
    std::optional<std::string> example{};
    bool required = true;
    bool secret = false;
};

/// One way to authenticate (`oauth2`, `apiKey`, `basic`, `bearer`). `config` keeps the
/// type-specific keys (URLs, scopes, injection) for the credential and execute layers.
struct AuthSpec {
    std::string type{};
    std::vector<FieldSpec> fields{};
    boost::json::object config{};
};

struct ParameterSpec {
    std::string name{};
    std::string in{};  // path | query | header
    std::string description{};
    bool required = false;
    boost::json::value schema{};
};

struct ActionSpec {
    std::string id{};
    std::string display_name{};
    std::string description{};
    std::string http_method{};  // lowercase
    std::string path{};
    std::string resource{};
    std::vector<std::string> scopes{};
    std::vector<ParameterSpec> parameters{};
    std::optional<boost::json::value> request_body{};
    std::optional<boost::json::value> response_schema{};
    std::optional<bool> idempotent{};  // retry override; default: by method
    std::optional<int> timeout_ms{};   // overrides the connector's
    std::string request_content_type{"application/json"};
};

/// A connector's retry policy (API.md §5.2).
struct RetrySpec {
    int max_attempts = 3;
    int initial_backoff_ms = 250;
    int max_backoff_ms = 5000;
    std::vector<int> retry_on_status{429, 502, 503, 504};
};

struct ResourceSpec {
    std::string name{};
    std::string display_name{};
    std::string description{};
    std::vector<ActionSpec> actions{};
};

/// A connector as the catalog file declares it (API.md §5.2). Immutable once loaded.
struct ConnectorSpec {
    std::string id{};
    std::string name{};
    std::string description{};
    std::string icon{};
    std::vector<std::string> categories{};
    std::string base_url{};
    std::vector<std::string> allowed_hosts{};
    bool allow_private_network = false;
    int timeout_ms = 30'000;
    RetrySpec retry{};
    std::vector<std::pair<std::string, std::string>> default_headers{};  // may use {{field}}
    std::vector<AuthSpec> auth{};
    std::vector<ResourceSpec> resources{};
    std::string source{};  // file it came from, for messages

    [[nodiscard]] const ActionSpec* FindAction(std::string_view action_id) const;
    [[nodiscard]] std::size_t ActionCount() const;
};

}  // namespace junction::connectors
