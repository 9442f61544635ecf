// The OpenAPI importer: connectors::ParseOpenApiText (JSON, or YAML through yaml-cpp) and
// ImportOpenApi, which maps a document to a catalog connector (`junction connectors import`).
//
// Input: an OpenAPI document, JSON when it starts with '{', else YAML.
//
// Invariants: an imported connector is a JSON object whose YAML form (ConnectorToYaml) reads
// back to the same value and loads as a catalog file (what the command writes must load); an
// import failure is kInvalidArgument; with an include list, the import keeps a subset of the
// actions.

#include "fuzz_support.hpp"
#include "junction/connectors/catalog.hpp"
#include "junction/connectors/openapi_import.hpp"
#include "junction/json/yaml.hpp"

namespace {

using junction::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = junction::fuzz::AsText(data, size);
    const auto document = junction::connectors::ParseOpenApiText("fuzz-openapi", text);
    if (!document) {
        Check(document.error().code == junction::ErrorCode::kInvalidArgument,
              "ParseOpenApiText fails only with kInvalidArgument");
        return 0;
    }
    const auto imported = junction::connectors::ImportOpenApi(
        *document, junction::connectors::ImportOptions{.id = "fuzz"});
    if (!imported) {
        Check(imported.error().code == junction::ErrorCode::kInvalidArgument,
              "ImportOpenApi fails only with kInvalidArgument");
        return 0;
    }
    const std::string yaml = junction::connectors::ConnectorToYaml(imported->connector);
    const auto read_back = junction::json::YamlToJson(yaml);
    Check(read_back.has_value(), "ConnectorToYaml wrote YAML that does not parse");
    Check(junction::fuzz::SameJson(*read_back, boost::json::value(imported->connector)),
          "ConnectorToYaml does not read back to the connector");
    const junction::connectors::CatalogSource source{.name = "connectors/fuzz.yaml", .text = yaml};
    const auto catalog = junction::connectors::Catalog::Load({}, {&source, 1});
    if (!catalog) {
        std::fprintf(stderr, "catalog error: %s\n", catalog.error().message.c_str());
    }
    Check(catalog.has_value(), "an imported connector does not load as a catalog file");

    // The same document limited to one tag keeps a subset (or fails: nothing left).
    const auto limited = junction::connectors::ImportOpenApi(
        *document, junction::connectors::ImportOptions{.id = "fuzz", .include_tags = {"a"}});
    if (limited) {
        const junction::connectors::CatalogSource limited_source{
            .name = "connectors/fuzz.yaml",
            .text = junction::connectors::ConnectorToYaml(limited->connector)};
        const auto limited_catalog = junction::connectors::Catalog::Load({}, {&limited_source, 1});
        Check(limited_catalog.has_value(), "a tag-limited import does not load");
        Check(limited_catalog->Connectors().front().ActionCount() <=
                  catalog->Connectors().front().ActionCount(),
              "an include list added actions");
    }
    return 0;
}
