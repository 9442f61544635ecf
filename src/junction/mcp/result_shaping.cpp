#include "junction/mcp/result_shaping.hpp"

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

namespace junction::mcp {
namespace {

constexpr std::size_t kSampleItems = 3;
constexpr std::size_t kSampleFields = 5;
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026 "…"
constexpr std::string_view kDepthMarker = "[truncated: depth limit]";
constexpr std::string_view kGuidance =
    "Narrow the request: search by name or ID, use filters, or paginate.";

struct PrimaryList {
    boost::json::array* items = nullptr;
    std::string key{};  // empty when `result` itself is the list
};

// Step 1. Strict `>` keeps the first of equally long arrays.
PrimaryList FindPrimaryList(boost::json::value& result) {
    if (result.is_array()) {
        return PrimaryList{.items = &result.as_array()};
    }
    PrimaryList best;
    if (result.is_object()) {
        for (auto& member : result.as_object()) {
            if (member.value().is_array() &&
                (best.items == nullptr || member.value().as_array().size() > best.items->size())) {
                best.items = &member.value().as_array();
                best.key = std::string(member.key());
            }
        }
    }
    return best;
}

// Longest prefix of at most kShapeMaxStringBytes ending on a character boundary, then "…".
void CutString(boost::json::string& text) {
    if (text.size() <= kShapeMaxStringBytes) {
        return;
    }
    std::size_t cut = kShapeMaxStringBytes;
    // text[cut] is the first byte dropped; a continuation byte (10xxxxxx) there means the
    // character straddles the limit, so drop it whole. A UTF-8 character has at most 3 of them.
    for (int step = 0;
         step < 3 && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U;
         ++step) {
        --cut;
    }
    text.resize(cut);
    text.append(kEllipsis);
}

// What kind of narrowing a query parameter offers, by its name (API.md §4.8 step 2).
enum class Narrowing { kNone, kSize, kPosition, kSearch, kFilter, kSort };

Narrowing Classify(std::string_view name) {
    std::string lower(name);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    if (lower == "limit" || lower == "per_page" || lower == "page_size" || lower == "count") {
        return Narrowing::kSize;
    }
    if (lower == "page" || lower == "cursor" || lower == "offset") {
        return Narrowing::kPosition;
    }
    if (lower == "q" || lower == "query" || lower == "search") {
        return Narrowing::kSearch;
    }
    if (lower.starts_with("filter")) {
        return Narrowing::kFilter;
    }
    if (lower.starts_with("sort")) {
        return Narrowing::kSort;
    }
    return Narrowing::kNone;
}

std::string Suggestion(Narrowing kind, const std::string& name) {
    switch (kind) {
        case Narrowing::kSize:
            return "Set '" + name + "' to ask for fewer items per call.";
        case Narrowing::kPosition:
            return "Use '" + name + "' to fetch the results page by page.";
        case Narrowing::kSearch:
            return "Use '" + name + "' to search for the item by name or keyword.";
        case Narrowing::kFilter:
            return "Use '" + name + "' to filter the results.";
        case Narrowing::kSort:
            return "Use '" + name + "' to sort the results so the ones you need come first.";
        case Narrowing::kNone:
            break;
    }
    return {};
}

boost::json::value ReduceScalar(const boost::json::value& value) {
    boost::json::value copy = value;
    if (copy.is_string()) {
        CutString(copy.as_string());
    }
    return copy;
}

bool IsScalar(const boost::json::value& value) {
    return value.is_string() || value.is_number() || value.is_bool();
}

// A sample item: its first kSampleFields scalar members (objects) or elements (arrays).
boost::json::value ReduceSample(const boost::json::value& item) {
    if (item.is_object()) {
        boost::json::object reduced;
        for (const auto& member : item.as_object()) {
            if (reduced.size() == kSampleFields) {
                break;
            }
            if (IsScalar(member.value())) {
                reduced[member.key()] = ReduceScalar(member.value());
            }
        }
        return reduced;
    }
    if (item.is_array()) {
        boost::json::array reduced;
        for (const auto& element : item.as_array()) {
            if (reduced.size() == kSampleFields) {
                break;
            }
            if (IsScalar(element)) {
                reduced.push_back(ReduceScalar(element));
            }
        }
        return reduced;
    }
    return ReduceScalar(item);
}

// The guidance form of step 2, also used by step 5.
boost::json::object Guidance(std::string message,
                             const connectors::ActionSpec& action,
                             const boost::json::array* items) {
    boost::json::array suggestions;
    std::string instructions = "You can search using:";
    for (const auto& parameter : action.parameters) {
        if (parameter.in != "query") {
            continue;
        }
        const Narrowing kind = Classify(parameter.name);
        if (kind == Narrowing::kNone) {
            continue;
        }
        suggestions.emplace_back(Suggestion(kind, parameter.name));
        instructions += "\n- " + parameter.name + " (" + parameter.in + ")";
        if (!parameter.description.empty()) {
            instructions += ": " + parameter.description;
        }
    }
    if (suggestions.empty()) {
        // Nothing to narrow this call with: send the model to a better action instead of
        // inviting it to guess parameters that the upstream would ignore or reject.
        suggestions.emplace_back(
            "Call get_connector_resources_alloy to find an action that gets a single item by ID "
            "or searches.");
        suggestions.emplace_back("Ask the user which item they mean, then request only that item.");
        instructions =
            "This action has no search, filter or pagination parameters. Call "
            "get_action_details_alloy to review its parameters, or get_connector_resources_alloy "
            "to find an action that searches or gets a single item.";
    }
    boost::json::array samples;
    if (items != nullptr) {
        for (std::size_t i = 0; i < items->size() && i < kSampleItems; ++i) {
            samples.push_back(ReduceSample((*items)[i]));
        }
    }
    return boost::json::object{{"needsRefinement", true},
                               {"message", std::move(message)},
                               {"guidance", kGuidance},
                               {"suggestions", std::move(suggestions)},
                               {"searchInstructions", std::move(instructions)},
                               {"samples", std::move(samples)}};
}

// RFC 6901 reference token: "~" → "~0", "/" → "~1".
void AppendPointerToken(std::string& pointer, std::string_view token) {
    pointer += '/';
    for (const char c : token) {
        if (c == '~') {
            pointer += "~0";
        } else if (c == '/') {
            pointer += "~1";
        } else {
            pointer += c;
        }
    }
}

// Step 4 over one value. `level` is the value's container level (see the header); recursion
// stops at kShapeMaxDepth + 1, so hostile nesting cannot exhaust the stack.
void Bound(boost::json::value& value,
           std::size_t level,
           std::string& pointer,
           boost::json::array& truncated_paths) {
    if (value.is_string()) {
        CutString(value.as_string());
        return;
    }
    if (!value.is_array() && !value.is_object()) {
        return;
    }
    if (level > kShapeMaxDepth) {
        value = kDepthMarker;
        return;
    }
    const std::size_t mark = pointer.size();
    if (value.is_array()) {
        boost::json::array& items = value.as_array();
        if (items.size() > kShapeMaxListItems) {
            items.resize(kShapeMaxListItems);
            truncated_paths.emplace_back(pointer);
        }
        for (std::size_t i = 0; i < items.size(); ++i) {
            AppendPointerToken(pointer, std::to_string(i));
            Bound(items[i], level + 1, pointer, truncated_paths);
            pointer.resize(mark);
        }
        return;
    }
    for (auto& member : value.as_object()) {
        AppendPointerToken(pointer, member.key());
        Bound(member.value(), level + 1, pointer, truncated_paths);
        pointer.resize(mark);
    }
}

// Compact serialization size, counted in chunks instead of building the string.
std::size_t SerializedSize(const boost::json::object& output) {
    boost::json::serializer serializer;
    serializer.reset(&output);
    std::array<char, 4096> buffer{};
    std::size_t total = 0;
    while (!serializer.done()) {
        total += serializer.read(buffer.data(), buffer.size()).size();
    }
    return total;
}

}  // namespace

boost::json::object ShapeExecuteOutput(boost::json::object output,
                                       const connectors::ActionSpec& action) {
    boost::json::value* result = output.if_contains("result");
    if (result == nullptr) {
        return output;
    }
    boost::json::object metadata;

    // Steps 1-3.
    const PrimaryList primary = FindPrimaryList(*result);
    if (primary.items != nullptr) {
        const std::size_t n = primary.items->size();
        if (n > kShapeRefineAbove) {
            std::string message = "Found " + std::to_string(n) + " " +
                                  (primary.key.empty() ? "" : primary.key + " ") +
                                  "items. This is too many to display effectively.";
            return Guidance(std::move(message), action, primary.items);
        }
        if (n > kShapeMaxListItems) {
            primary.items->resize(kShapeMaxListItems);
            metadata["originalCount"] = n;
            metadata["displayedCount"] = kShapeMaxListItems;
            metadata["truncated"] = true;
            metadata["paginationHint"] = "Showing first " + std::to_string(kShapeMaxListItems) +
                                         " of " + std::to_string(n) + " items.";
        }
    }

    // Step 4. The primary list has at most 25 items by now, so capping "every other array"
    // and capping every array are the same thing.
    boost::json::array truncated_paths;
    std::string pointer = "/result";
    Bound(*result, 1, pointer, truncated_paths);
    if (!truncated_paths.empty()) {
        metadata["truncatedPaths"] = std::move(truncated_paths);
    }
    if (!metadata.empty()) {
        output["metadata"] = std::move(metadata);
    }

    // Step 5.
    const std::size_t bytes = SerializedSize(output);
    if (bytes > kShapeMaxOutputBytes) {
        const PrimaryList shaped = FindPrimaryList(output.at("result"));
        return Guidance("The result is too large to display (" + std::to_string(bytes) + " bytes).",
                        action,
                        shaped.items);
    }
    return output;
}

}  // namespace junction::mcp
