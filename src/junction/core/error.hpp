#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace junction {

/// Every failure that crosses a layer boundary. Adding a value? Add its row to kErrorTable in
/// error.cpp (a static_assert checks the order and count).
enum class ErrorCode : std::uint8_t {
    kInvalidArgument,
    kMalformedJson,
    kUnauthenticated,
    kPermissionDenied,
    kNotFound,
    kMethodNotFound,
    kCredentialNotFound,
    kConnectorNotFound,
    kActionNotFound,
    kAlreadyExists,
    kFailedPrecondition,
    kNeedsReauth,
    kMethodNotAllowed,
    kNotAcceptable,
    kPayloadTooLarge,
    kUriTooLong,
    kUnsupportedMediaType,
    kHeadersTooLarge,
    kRateLimited,
    kUpstreamError,
    kUpstreamTimeout,
    kUnavailable,
    kInternal,  // keep last: the static_assert counts up to it
};

/// The public face of an ErrorCode: envelope code, HTTP status and JSON-RPC code.
struct ErrorInfo {
    ErrorCode code{};
    std::string_view wire_code{};
    int http_status{};
    int json_rpc_code{};
};

[[nodiscard]] const ErrorInfo& Describe(ErrorCode code) noexcept;

/// One field-level validation problem; `field` is a dotted path.
struct FieldError {
    std::string field{};
    std::string message{};
};

/// `message` is public and secret-free; `detail` is for logs only; `fields` become
/// `details.errors`; `extra` is merged into the envelope's `details`.
struct Error {
    ErrorCode code{ErrorCode::kInternal};
    std::string message{};
    std::string detail{};
    std::vector<FieldError> fields{};
    boost::json::object extra{};
};

/// The one error envelope of API.md §1.7: {"error":{"code","message","details"}}, used by
/// every surface (HTTP responses and MCP tool errors). kInternal gets `details.requestId`.
[[nodiscard]] boost::json::object ErrorEnvelope(const Error& error, std::string_view request_id);

}  // namespace junction
