#pragma once

#include <cstddef>
#include <string_view>

#include <boost/json/value.hpp>

#include "junction/core/result.hpp"

namespace junction::json {

/// Structural limits on untrusted JSON (API.md §1.4).
struct ParseLimits {
    std::size_t max_depth = 64;
    std::size_t max_array_items = 1000;
};

/// Parses untrusted JSON text. Fails with kMalformedJson for a syntax error (the message names
/// line and column) and kInvalidArgument for nesting deeper than `max_depth`, an array longer
/// than `max_array_items`, an object with a duplicate key, or a number too large for a double
/// (e.g. 1e400, which would not survive serialization). Pure; thread-safe.
[[nodiscard]] Result<boost::json::value> ParseBounded(std::string_view text,
                                                      const ParseLimits& limits);

}  // namespace junction::json
