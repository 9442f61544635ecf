#include "junction/json/fields.hpp"

#include <algorithm>
#include <cctype>

namespace junction::json {
namespace {

bool IsSpace(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// Length in Unicode code points (input is valid UTF-8: Boost.JSON rejects anything else).
std::size_t CodePoints(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

}  // namespace

std::optional<std::string> FieldReader::OptionalString(std::string_view name,
                                                       const StringRule& rule) {
    const auto* field = object_.if_contains(name);
    if (field == nullptr) {
        return std::nullopt;
    }
    const auto* text = field->if_string();
    if (text == nullptr) {
        AddError(std::string(name), "must be a string");
        return std::nullopt;
    }
    const std::string_view value(text->data(), text->size());
    const std::size_t length = CodePoints(value);
    if (length < rule.min_length) {
        AddError(std::string(name),
                 rule.min_length == 1
                     ? std::string("must not be empty")
                     : "must be at least " + std::to_string(rule.min_length) + " characters");
        return std::nullopt;
    }
    if (length > rule.max_length) {
        AddError(std::string(name),
                 "must be at most " + std::to_string(rule.max_length) + " characters");
        return std::nullopt;
    }
    if (rule.trimmed && !value.empty() && (IsSpace(value.front()) || IsSpace(value.back()))) {
        AddError(std::string(name), "must not start or end with whitespace");
        return std::nullopt;
    }
    return std::string(value);
}

std::optional<std::string> FieldReader::RequiredString(std::string_view name,
                                                       const StringRule& rule) {
    if (!object_.contains(name)) {
        AddError(std::string(name), "is required");
        return std::nullopt;
    }
    return OptionalString(name, rule);
}

std::optional<std::string> FieldReader::OptionalEnum(std::string_view name,
                                                     const std::vector<std::string>& allowed) {
    const auto* field = object_.if_contains(name);
    if (field == nullptr) {
        return std::nullopt;
    }
    const auto* text = field->if_string();
    if (text == nullptr ||
        std::find(allowed.begin(), allowed.end(), std::string_view(*text)) == allowed.end()) {
        std::string message = "must be one of:";
        for (const auto& value : allowed) {
            message += " " + value;
        }
        AddError(std::string(name), std::move(message));
        return std::nullopt;
    }
    return std::string(*text);
}

void FieldReader::AddError(std::string field, std::string message) {
    errors_.push_back({.field = std::move(field), .message = std::move(message)});
}

Error FieldReader::ToError() const {
    Error error{.code = ErrorCode::kInvalidArgument, .message = "Request body is invalid"};
    error.fields = errors_;
    return error;
}

Result<const boost::json::object*> RequireObject(const boost::json::value& body) {
    const auto* object = body.if_object();
    if (object == nullptr) {
        return Fail(ErrorCode::kInvalidArgument, "Request body must be a JSON object");
    }
    return object;
}

std::string StringOr(const boost::json::object& object,
                     std::string_view key,
                     std::string fallback) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->as_string())
                                                  : std::move(fallback);
}

}  // namespace junction::json
