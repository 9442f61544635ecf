#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "junction/core/error.hpp"

namespace junction::storage {

/// `details.reason` of a write refused for lack of space.
inline constexpr std::string_view kStorageFullReason = "storage_full";

/// A write refused because the disk (or the database's size limit) is full: kUnavailable, so
/// the client gets 503 with Retry-After and may try again once space is freed. `detail` (the
/// driver's text) is never shown to the client.
[[nodiscard]] inline Error StorageFullError(std::string detail) {
    Error error{.code = ErrorCode::kUnavailable,
                .message = "Storage is full; retry later",
                .detail = std::move(detail)};
    error.extra["reason"] = kStorageFullReason;
    return error;
}

[[nodiscard]] inline bool IsStorageFull(const Error& error) {
    const auto* reason = error.extra.if_contains("reason");
    return error.code == ErrorCode::kUnavailable && reason != nullptr && reason->is_string() &&
           reason->as_string() == kStorageFullReason;
}

}  // namespace junction::storage
