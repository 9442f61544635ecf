// The bounded JSON parser (json::ParseBounded): every JSON body of the API, MCP messages and
// JWT segments go through it.
//
// Invariants: a value it accepts respects the limits it was given, has no duplicate keys,
// serializes and parses back to itself, and equals what Boost.JSON's own parser makes of the
// same text; text it calls malformed, Boost.JSON refuses too.

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "fuzz_support.hpp"
#include "junction/json/bounded_parse.hpp"

namespace {

using junction::fuzz::Check;

// Depth of `value` (a scalar is 0) and whether every array is within `max_items`.
std::size_t Depth(const boost::json::value& value, std::size_t max_items, bool& arrays_ok) {
    std::size_t deepest = 0;
    if (value.is_array()) {
        arrays_ok = arrays_ok && value.get_array().size() <= max_items;
        for (const auto& item : value.get_array()) {
            deepest = std::max(deepest, Depth(item, max_items, arrays_ok));
        }
        return deepest + 1;
    }
    if (value.is_object()) {
        for (const auto& entry : value.get_object()) {
            deepest = std::max(deepest, Depth(entry.value(), max_items, arrays_ok));
        }
        return deepest + 1;
    }
    return 0;
}

void CheckWith(std::string_view text, const junction::json::ParseLimits& limits) {
    auto parsed = junction::json::ParseBounded(text, limits);
    boost::json::parse_options options{};
    options.max_depth = limits.max_depth;
    boost::system::error_code ec;
    const boost::json::value reference = boost::json::parse(text, ec, {}, options);
    if (!parsed) {
        const auto code = parsed.error().code;
        Check(code == junction::ErrorCode::kMalformedJson ||
                  code == junction::ErrorCode::kInvalidArgument,
              "ParseBounded fails only with kMalformedJson or kInvalidArgument");
        if (code == junction::ErrorCode::kMalformedJson) {
            Check(static_cast<bool>(ec),
                  "text ParseBounded calls malformed parses with Boost.JSON");
        }
        return;
    }
    Check(!ec, "text ParseBounded accepts is refused by Boost.JSON");
    Check(*parsed == reference, "ParseBounded and Boost.JSON disagree on the value");
    bool arrays_ok = true;
    Check(Depth(*parsed, limits.max_array_items, arrays_ok) <= limits.max_depth,
          "accepted value is nested deeper than max_depth");
    Check(arrays_ok, "accepted value has an array longer than max_array_items");
    const std::string again = boost::json::serialize(*parsed);
    auto reparsed = junction::json::ParseBounded(again, limits);
    Check(reparsed.has_value(), "serialized value does not parse again");
    Check(junction::fuzz::SameJson(*reparsed, *parsed, true),
          "serialized value parses to a different value");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = junction::fuzz::AsText(data, size);
    CheckWith(text, junction::json::ParseLimits{});  // the HTTP body limits (API.md §1.4)
    CheckWith(text, junction::json::ParseLimits{.max_depth = 8, .max_array_items = 16});  // JWT
    return 0;
}
