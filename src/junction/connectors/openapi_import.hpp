#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "junction/core/result.hpp"

namespace junction::connectors {

/// Which operations of an OpenAPI document become actions (API.md §5.6). An operation is
/// kept when no include list is given, or when one of its tags is in `include_tags` (tag name
/// or its slug), or its operationId (as written or sanitised) is in `include_operations`; then
/// `exclude_operations` (same matching) removes operations.
struct ImportOptions {
    std::string id{};  // connectorId, ^[A-Za-z][A-Za-z0-9_-]{0,63}$
    std::vector<std::string> include_tags{};
    std::vector<std::string> include_operations{};
    std::vector<std::string> exclude_operations{};
};

/// A connector in the catalog file format (API.md §5.2-5.4; snake_case connector and auth
/// keys, camelCase resource and action keys), ready to be written as `<id>.yaml`.
struct ConnectorDocument {
    boost::json::object connector{};
    /// What was not imported and why (unsupported security schemes, skipped operations,
    /// unresolvable `$ref`s), one sentence each, in document order.
    std::vector<std::string> warnings{};
};

/// Maps an OpenAPI 3.0 or 3.1 document to a catalog connector following the table of API.md
/// §5.6: one action per operation, first tag → resource, `$ref`s inlined (cut at depth 10 to
/// {"type":"object"}), schemas reduced to the JSON Schema keywords the catalog compiles,
/// `servers[0]` → base_url with `{{placeholders}}` and fields, securitySchemes → auth entries.
/// Fails with kInvalidArgument when `options.id` is not a connectorId, when the document is
/// not an OpenAPI 3 object (Swagger 2.0 included), or when no operation is left to import.
/// Pure; thread-safe.
[[nodiscard]] Result<ConnectorDocument> ImportOpenApi(const boost::json::value& document,
                                                      const ImportOptions& options);

/// Parses an OpenAPI document's text: JSON when `name` ends in `.json`, YAML when it ends in
/// `.yaml`/`.yml`, otherwise JSON if the first non-blank character is `{`. Fails with
/// kInvalidArgument naming `name` and the position for invalid text. Pure; thread-safe.
[[nodiscard]] Result<boost::json::value> ParseOpenApiText(std::string_view name,
                                                          std::string_view text);

/// Reads and parses the OpenAPI document at `path` (ParseOpenApiText). kInvalidArgument when
/// the file cannot be read.
[[nodiscard]] Result<boost::json::value> ReadOpenApiFile(const std::string& path);

/// The connector as readable YAML (json::JsonToYaml) that the catalog loader reads back to
/// the same JSON.
[[nodiscard]] std::string ConnectorToYaml(const boost::json::object& connector);

}  // namespace junction::connectors
