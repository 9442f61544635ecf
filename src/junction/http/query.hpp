#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "junction/core/result.hpp"
#include "junction/storage/rows.hpp"

namespace junction::http {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// Splits and percent-decodes `a=1&b=x%20y` (`+` is a space). kInvalidArgument for a bad
/// escape.
[[nodiscard]] Result<QueryParams> ParseQuery(std::string_view query);

/// Percent-decodes one path segment or query component. nullopt for a bad escape.
[[nodiscard]] std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

/// First value of `name`.
[[nodiscard]] std::optional<std::string_view> QueryValue(const QueryParams& params,
                                                         std::string_view name);

/// An optional integer parameter within [min, max]; kInvalidArgument naming it otherwise.
[[nodiscard]] Result<std::int64_t> ParseIntegerParam(const QueryParams& params,
                                                     std::string_view name,
                                                     std::int64_t fallback,
                                                     std::int64_t min,
                                                     std::int64_t max);

/// `limit` (1–1000, default 1000) and `offset` (≥ 0, default 0) of API.md §1.5;
/// kInvalidArgument naming the parameter otherwise.
[[nodiscard]] Result<storage::PageRequest> ParsePage(const QueryParams& params);

}  // namespace junction::http
