#include "junction/testing/openapi_validator.hpp"

#include <cstdlib>
#include <stdexcept>

#include <boost/json/parse.hpp>

#include "junction/json/yaml.hpp"
#include "junction/testing/temp_dir.hpp"

namespace junction::testing {
namespace {

// OpenAPI 3.0 → JSON Schema: `nullable: true` becomes anyOf [null, the schema without it]
// (a type list would still apply `format` to null).
void TranslateNullable(boost::json::value& node) {
    if (auto* object = node.if_object()) {
        for (auto& entry : *object) {
            TranslateNullable(entry.value());
        }
        const auto* nullable = object->if_contains("nullable");
        if (nullable != nullptr && nullable->is_bool() && nullable->as_bool()) {
            boost::json::object inner = *object;
            inner.erase("nullable");
            node = boost::json::object{
                {"anyOf",
                 boost::json::array{boost::json::object{{"type", "null"}}, std::move(inner)}}};
        }
    } else if (auto* array = node.if_array()) {
        for (auto& item : *array) {
            TranslateNullable(item);
        }
    }
}

const boost::json::value* Resolve(const boost::json::value& document,
                                  const boost::json::value* node) {
    while (node != nullptr && node->is_object() && node->as_object().contains("$ref")) {
        std::string ref(node->as_object().at("$ref").as_string());
        if (!ref.starts_with("#/")) {
            return nullptr;
        }
        boost::system::error_code ec;
        node = document.find_pointer(ref.substr(1), ec);
        if (ec) {
            return nullptr;
        }
    }
    return node;
}

}  // namespace

OpenApiValidator& OpenApiValidator::Instance() {
    static OpenApiValidator instance;
    return instance;
}

OpenApiValidator::OpenApiValidator() {
    const char* source = std::getenv("JUNCTION_TEST_SOURCE_DIR");  // NOLINT(concurrency-mt-unsafe)
    if (source == nullptr) {
        throw std::runtime_error("JUNCTION_TEST_SOURCE_DIR is not set (run through ctest)");
    }
    auto document = json::YamlToJson(ReadFile(std::string(source) + "/docs/openapi.yaml"));
    if (!document) {
        throw std::runtime_error("cannot read docs/openapi.yaml: " + document.error().message);
    }
    document_ = std::move(*document);
    TranslateNullable(document_);
}

std::vector<std::string> OpenApiValidator::Validate(const std::string& method,
                                                    const std::string& path_template,
                                                    long status,
                                                    const std::string& body) {
    std::vector<std::string> problems;
    const auto& paths = document_.at("paths").as_object();
    const auto* path_item = paths.if_contains(path_template);
    if (path_item == nullptr) {
        problems.push_back("path not in the spec");
        return problems;
    }
    std::string lower_method = method;
    for (auto& c : lower_method) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const auto* operation = path_item->as_object().if_contains(lower_method);
    if (operation == nullptr) {
        problems.push_back("method not in the spec");
        return problems;
    }
    const auto& responses = operation->as_object().at("responses").as_object();
    const std::string status_text = std::to_string(status);
    const auto* response = responses.if_contains(status_text);
    if (response == nullptr) {
        problems.push_back("status " + status_text + " is not declared for this operation");
        return problems;
    }
    response = Resolve(document_, response);
    const auto* content = response != nullptr && response->is_object()
                              ? response->as_object().if_contains("content")
                              : nullptr;
    const auto* media =
        content != nullptr ? content->as_object().if_contains("application/json") : nullptr;
    if (media == nullptr || !media->as_object().contains("schema")) {
        return problems;  // no JSON body declared
    }
    const std::string key = lower_method + " " + path_template + " " + status_text;
    std::shared_ptr<json::SchemaValidator> validator;
    {
        const std::lock_guard lock(mutex_);
        auto& cached = cache_[key];
        if (!cached) {
            boost::json::object root;
            root["$ref"] = "#/definitions/target";
            root["definitions"] = boost::json::object{{"target", media->as_object().at("schema")}};
            root["components"] = document_.at("components");
            auto compiled = json::SchemaValidator::Compile(root);
            if (!compiled) {
                problems.push_back("cannot compile the spec's schema: " + compiled.error().message);
                return problems;
            }
            cached = std::make_shared<json::SchemaValidator>(std::move(*compiled));
        }
        validator = cached;
    }
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(body, ec);
    if (ec) {
        problems.push_back("body is not JSON");
        return problems;
    }
    for (const auto& error : validator->Validate(parsed)) {
        problems.push_back(error.field + ": " + error.message);
    }
    return problems;
}

}  // namespace junction::testing
