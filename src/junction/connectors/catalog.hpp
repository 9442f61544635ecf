#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "junction/connectors/spec.hpp"
#include "junction/core/result.hpp"

namespace junction::connectors {

/// A connector file's text and the name it is reported under.
struct CatalogSource {
    std::string name;  // e.g. "connectors/slack.yaml"
    std::string text;
};

/// The connector catalog (API.md §5): built-in files plus an operator directory whose
/// connectors add to or replace built-in ones with the same id. Immutable; thread-safe.
class Catalog {
public:
    /// Parses and checks every source: the JSON Schema of connectors/schema.json, id = file
    /// name, unique ids within one layer, unique dot-free action ids, path placeholders declared
    /// as required path parameters, `{{field}}` templates declared by every auth entry,
    /// host-safe patterns on fields used in hosts, compilable schemas. Fails with
    /// kInvalidArgument whose message lists every problem as `<file>:<line>: <problem>`.
    [[nodiscard]] static Result<Catalog> Load(std::span<const CatalogSource> built_in,
                                              std::span<const CatalogSource> overrides);

    /// Every *.yaml file of `directory`, sorted by name. kInvalidArgument when it cannot be read.
    [[nodiscard]] static Result<std::vector<CatalogSource>> ReadDirectory(
        const std::string& directory);

    /// Sorted by id.
    [[nodiscard]] const std::vector<ConnectorSpec>& Connectors() const { return connectors_; }
    [[nodiscard]] const ConnectorSpec* Find(std::string_view id) const;
    [[nodiscard]] std::size_t ActionCount() const;

private:
    std::vector<ConnectorSpec> connectors_;
};

/// The built-in catalog, compiled in from the repository's connectors/ directory.
[[nodiscard]] std::span<const CatalogSource> BuiltInCatalog();

}  // namespace junction::connectors
