// The catalog YAML loader: json::YamlToJson (yaml-cpp underneath) and connectors::Catalog::Load
// with its schema and cross-reference checks, as for an operator's catalog_dir file.
//
// Input: the text of connectors/fuzz.yaml (so a loadable connector has `id: fuzz`).
//
// Invariants: YAML that parses, written back with JsonToYaml, parses to the same value; a
// catalog that loads holds exactly the connector `fuzz`, found by id, with unique, dot-free
// action ids that FindAction finds; a failure is kInvalidArgument naming the file.

#include <set>

#include "fuzz_support.hpp"
#include "junction/connectors/catalog.hpp"
#include "junction/json/yaml.hpp"

namespace {

using junction::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = junction::fuzz::AsText(data, size);
    const auto json = junction::json::YamlToJson(text);
    if (json) {
        const std::string yaml = junction::json::JsonToYaml(*json);
        const auto again = junction::json::YamlToJson(yaml);
        Check(again.has_value(), "JsonToYaml wrote YAML that does not parse");
        Check(junction::fuzz::SameJson(*again, *json), "JsonToYaml does not round-trip");
    } else {
        Check(json.error().code == junction::ErrorCode::kInvalidArgument,
              "YamlToJson fails only with kInvalidArgument");
    }

    const junction::connectors::CatalogSource source{.name = "connectors/fuzz.yaml",
                                                     .text = std::string(text)};
    const auto catalog = junction::connectors::Catalog::Load({}, {&source, 1});
    if (!catalog) {
        Check(catalog.error().code == junction::ErrorCode::kInvalidArgument,
              "Catalog::Load fails only with kInvalidArgument");
        Check(catalog.error().message.find("fuzz.yaml") != std::string::npos,
              "a catalog error does not name the file");
        return 0;
    }
    Check(json.has_value(), "a catalog loaded from YAML that YamlToJson refuses");
    Check(catalog->Connectors().size() == 1, "one file loaded as more or fewer connectors");
    const auto* connector = catalog->Find("fuzz");
    Check(connector != nullptr && connector->id == "fuzz", "connector id is not the file name");
    std::set<std::string> ids;
    for (const auto& resource : connector->resources) {
        for (const auto& action : resource.actions) {
            Check(action.id.find('.') == std::string::npos, "an action id has a dot");
            Check(ids.insert(action.id).second, "duplicate action id");
            Check(connector->FindAction(action.id) == &action, "FindAction misses an action");
        }
    }
    Check(connector->ActionCount() == ids.size(), "ActionCount differs from the actions");
    return 0;
}
