#pragma once

#include <cstddef>

#include <boost/json/object.hpp>

#include "junction/connectors/spec.hpp"

namespace junction::mcp {

/// Alloy's thresholds for what an `execute_action_alloy` result may show a model (API.md §4.8).
inline constexpr std::size_t kShapeMaxListItems = 25;         // lists and every other array
inline constexpr std::size_t kShapeRefineAbove = 50;          // more items → guidance instead
inline constexpr std::size_t kShapeMaxStringBytes = 5'120;    // longer strings are cut
inline constexpr std::size_t kShapeMaxDepth = 10;             // container levels kept
inline constexpr std::size_t kShapeMaxOutputBytes = 262'144;  // 256 KiB

/// Shapes a successful execute output `{"success":true,"statusCode":N,"result":…}` for a model,
/// following API.md §4.8 step by step:
///
/// 1. The primary list is `result` when it is an array, else the top-level member of `result`
///    holding the longest array (equal lengths: the first in the object's order, which is the
///    upstream body's order). n = its length.
/// 2. n > 50: the whole output becomes `{"needsRefinement":true,"message","guidance",
///    "suggestions","searchInstructions","samples"}`. "message" is "Found n <key> items. …"
///    ("Found n items. …" when `result` itself is the list). Suggestions and instructions come
///    from the action's query parameters named limit, per_page, page_size, count, page, cursor,
///    offset, q, query, search, filter* or sort* (case-insensitive); without any they say so and
///    point to get_connector_resources_alloy / get_action_details_alloy. Samples are the first 3
///    items reduced to their first 5 string, number or boolean members (an array item to its
///    first 5 such elements; a scalar item as is), long strings cut as in step 4.
/// 3. 25 < n ≤ 50: the list keeps its first 25 items and the output gets `metadata`
///    {originalCount, displayedCount, truncated, paginationHint}.
/// 4. Within `result`: every array is capped at 25 items, each capped one listed (document
///    order) in `metadata.truncatedPaths` as a JSON pointer from the output's root
///    ("/result/items/0/tags", `~` and `/` in keys escaped as `~0`/`~1`); every string value
///    longer than 5,120 bytes keeps its longest prefix of at most 5,120 bytes that ends on a
///    UTF-8 character boundary, followed by "…" (object keys are left alone); containers deeper
///    than 10 levels become "[truncated: depth limit]". Depth: `result` itself, when an object or
///    array, is level 1 and a container directly inside a level-k container is level k + 1; a
///    container at level 11 or deeper is replaced, i.e. one whose JSON pointer below `result` has
///    10 or more segments.
/// 5. If the compact serialization is still larger than 256 KiB, the output becomes the step-2
///    guidance with message "The result is too large to display (<bytes> bytes)." (samples from
///    the shaped primary list, `[]` without one).
///
/// An output without `result`, or whose result has no array and nothing too long or too deep,
/// comes back unchanged. Pure; thread-safe.
[[nodiscard]] boost::json::object ShapeExecuteOutput(boost::json::object output,
                                                     const connectors::ActionSpec& action);

}  // namespace junction::mcp
