#include "junction/json/schema.hpp"

#include <algorithm>
#include <string>

#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace junction::json {

struct SchemaValidator::Impl {
    valijson::Schema schema;
};

SchemaValidator::SchemaValidator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SchemaValidator::SchemaValidator(SchemaValidator&&) noexcept = default;
SchemaValidator& SchemaValidator::operator=(SchemaValidator&&) noexcept = default;
SchemaValidator::~SchemaValidator() = default;

Result<SchemaValidator> SchemaValidator::Compile(const boost::json::value& schema) {
    auto impl = std::make_unique<Impl>();
    try {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        const valijson::adapters::BoostJsonAdapter adapter(schema);
        parser.populateSchema(adapter, impl->schema);
    } catch (const std::exception& e) {
        return Fail(ErrorCode::kInvalidArgument, std::string("Invalid JSON Schema: ") + e.what());
    }
    return SchemaValidator(std::move(impl));
}

std::vector<FieldError> SchemaValidator::Validate(const boost::json::value& document) const {
    std::vector<FieldError> errors{};
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::ValidationResults results;
    const valijson::adapters::BoostJsonAdapter adapter(document);
    try {
        if (validator.validate(impl_->schema, adapter, &results)) {
            return errors;
        }
    } catch (const std::exception& e) {
        errors.push_back({.field = "", .message = std::string("validation failed: ") + e.what()});
        return errors;
    }
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        std::string path;
        for (const auto& part : error.context) {
            if (part == "<root>") {
                continue;
            }
            // valijson writes "[name]" for properties and "[3]" for items.
            std::string segment = part;
            if (segment.size() >= 2 && segment.front() == '[' && segment.back() == ']') {
                segment = segment.substr(1, segment.size() - 2);
            }
            if (!path.empty()) {
                path += '.';
            }
            path += segment;
        }
        // A missing property is reported on its parent; name the property itself, so a
        // client sees {field: "data", message: "is required"}.
        constexpr std::string_view kMissing = "Missing required property '";
        if (error.description.starts_with(kMissing) &&
            error.description.size() > kMissing.size() + 2) {
            const std::string name = error.description.substr(
                kMissing.size(), error.description.rfind('\'') - kMissing.size());
            std::string field = path;
            if (!field.empty()) {
                field += '.';
            }
            field += name;
            errors.push_back({.field = std::move(field), .message = "is required"});
            continue;
        }
        errors.push_back({.field = path, .message = error.description});
    }
    // valijson also reports every enclosing value ("Failed to validate against schema
    // associated with property name 'user'"); keep only the innermost problem of a branch.
    std::vector<FieldError> innermost;
    for (const auto& candidate : errors) {
        const bool enclosing =
            candidate.message.starts_with("Failed to validate") &&
            std::any_of(errors.begin(), errors.end(), [&](const FieldError& other) {
                return other.field.size() > candidate.field.size() &&
                       (candidate.field.empty() || other.field.starts_with(candidate.field + "."));
            });
        if (!enclosing) {
            innermost.push_back(candidate);
        }
    }
    return innermost;
}

}  // namespace junction::json
