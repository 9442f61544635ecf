#include "junction/http/query.hpp"

#include <charconv>

namespace junction::http {
namespace {

int HexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int high = HexValue(text[i + 1]);
            const int low = HexValue(text[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

Result<QueryParams> ParseQuery(std::string_view query) {
    QueryParams params;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const std::size_t eq = pair.find('=');
        auto name = PercentDecode(pair.substr(0, eq), true);
        auto value = PercentDecode(
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
        if (!name || !value) {
            return Fail(ErrorCode::kInvalidArgument, "Malformed percent-encoding in query string");
        }
        params.emplace_back(std::move(*name), std::move(*value));
    }
    return params;
}

std::optional<std::string_view> QueryValue(const QueryParams& params, std::string_view name) {
    for (const auto& [key, value] : params) {
        if (key == name) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

Result<std::int64_t> ParseIntegerParam(const QueryParams& params,
                                       std::string_view name,
                                       std::int64_t fallback,
                                       std::int64_t min,
                                       std::int64_t max) {
    const auto text = QueryValue(params, name);
    if (!text) {
        return fallback;
    }
    std::int64_t value = 0;
    const auto* end = text->data() + text->size();
    const auto parsed = std::from_chars(text->data(), end, value);
    if (text->empty() || parsed.ec != std::errc{} || parsed.ptr != end || value < min ||
        value > max) {
        Error error{.code = ErrorCode::kInvalidArgument,
                    .message = "Query parameter '" + std::string(name) +
                               "' must be an integer from " + std::to_string(min) + " to " +
                               std::to_string(max)};
        error.fields.push_back({.field = std::string(name),
                                .message = "must be an integer from " + std::to_string(min) +
                                           " to " + std::to_string(max)});
        return Fail(std::move(error));
    }
    return value;
}

Result<storage::PageRequest> ParsePage(const QueryParams& params) {
    auto limit = ParseIntegerParam(params, "limit", 1000, 1, 1000);
    if (!limit) {
        return Fail(std::move(limit.error()));
    }
    auto offset = ParseIntegerParam(params, "offset", 0, 0, std::int64_t{1} << 53);
    if (!offset) {
        return Fail(std::move(offset.error()));
    }
    return storage::PageRequest{.limit = static_cast<std::size_t>(*limit),
                                .offset = static_cast<std::size_t>(*offset)};
}

}  // namespace junction::http
