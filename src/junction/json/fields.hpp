#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "junction/core/error.hpp"
#include "junction/core/result.hpp"

namespace junction::json {

/// Rules for a string field.
struct StringRule {
    std::size_t min_length = 0;
    std::size_t max_length = 255;
    bool trimmed = false;  // no leading or trailing whitespace
};

/// Reads typed fields from a request object and collects every problem, so one 400 lists all
/// field errors at once. Unknown fields are ignored (API.md §1.4).
class FieldReader {
public:
    explicit FieldReader(const boost::json::object& object) : object_(object) {}

    /// The field as a string when present (and valid); records an error for wrong type/length.
    [[nodiscard]] std::optional<std::string> OptionalString(std::string_view name,
                                                            const StringRule& rule);
    /// Like OptionalString, and records "is required" when absent.
    [[nodiscard]] std::optional<std::string> RequiredString(std::string_view name,
                                                            const StringRule& rule);
    /// One of `allowed` when present.
    [[nodiscard]] std::optional<std::string> OptionalEnum(std::string_view name,
                                                          const std::vector<std::string>& allowed);

    /// Adds a problem found by the caller.
    void AddError(std::string field, std::string message);

    [[nodiscard]] bool Ok() const { return errors_.empty(); }
    /// kInvalidArgument "Request body is invalid" with the collected field errors.
    [[nodiscard]] Error ToError() const;

private:
    const boost::json::object& object_;
    std::vector<FieldError> errors_{};
};

/// `object[key]` when it is a string, else `fallback` (for optional keys of trusted documents:
/// catalog entries, sealed blobs).
[[nodiscard]] std::string StringOr(const boost::json::object& object,
                                   std::string_view key,
                                   std::string fallback = {});

/// The body as an object, or kInvalidArgument "Request body must be a JSON object".
[[nodiscard]] Result<const boost::json::object*> RequireObject(const boost::json::value& body);

}  // namespace junction::json
