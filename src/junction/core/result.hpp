#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

#include "junction/core/error.hpp"

namespace junction {

/// The value-or-error every fallible function returns. Use only the std::expected subset:
/// has_value, value, error, and_then, transform, or_else.
template <class T>
using Result = tl::expected<T, Error>;

/// Builds the error side of any Result: `return Fail(ErrorCode::kNotFound, "User not found");`
[[nodiscard]] inline tl::unexpected<Error> Fail(ErrorCode code,
                                                std::string message,
                                                std::string detail = {}) {
    return tl::unexpected<Error>(
        Error{.code = code, .message = std::move(message), .detail = std::move(detail)});
}

[[nodiscard]] inline tl::unexpected<Error> Fail(Error error) {
    return tl::unexpected<Error>(std::move(error));
}

/// A validation failure carrying one field error.
[[nodiscard]] inline tl::unexpected<Error> FailField(
    std::string field, std::string field_message, std::string message = "Request body is invalid") {
    Error error{.code = ErrorCode::kInvalidArgument, .message = std::move(message)};
    error.fields.push_back({.field = std::move(field), .message = std::move(field_message)});
    return tl::unexpected<Error>(std::move(error));
}

/// Result<void> success value.
[[nodiscard]] inline Result<void> Ok() {
    return {};
}

}  // namespace junction
