// The query parser (http::ParseQuery, PercentDecode, ParsePage) and the router
// (http::MatchRoute over the real route table of routes.cpp).
//
// Input: "METHOD TARGET", split at the first space; TARGET's path goes to the router, its
// query to the query parser (as the server splits a request target).
//
// Invariants: parsed query parameters, percent-encoded again, parse back to the same list; a
// page that parses is within API.md §1.5's bounds; a route that matches has the request's
// method, as many segments as the path and one decoded, non-empty value per `{param}`; paths
// under /connectors/files/ only reach Files routes; a 405 lists methods that all differ from
// the request's.

#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "junction/http/query.hpp"
#include "junction/http/router.hpp"

namespace {

using junction::fuzz::Check;

std::string Encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[byte >> 4U]);
            out.push_back(kHex[byte & 0xFU]);
        }
    }
    return out;
}

std::vector<std::string_view> SplitOn(std::string_view text, std::string_view separator) {
    std::vector<std::string_view> parts;
    while (true) {
        const std::size_t at = text.find(separator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos) {
            return parts;
        }
        text.remove_prefix(at + separator.size());
    }
}

void FuzzQuery(std::string_view query) {
    auto params = junction::http::ParseQuery(query);
    if (!params) {
        Check(params.error().code == junction::ErrorCode::kInvalidArgument,
              "ParseQuery fails only with kInvalidArgument");
        Check(query.find('%') != std::string_view::npos, "ParseQuery failed without a '%'");
        return;
    }
    Check(params->size() <= SplitOn(query, "&").size(), "more parameters than '&'-parts");
    std::string encoded;
    for (const auto& [name, value] : *params) {
        encoded += (encoded.empty() ? "" : "&") + Encode(name) + "=" + Encode(value);
    }
    auto again = junction::http::ParseQuery(encoded);
    Check(again.has_value() && *again == *params, "re-encoded query parses differently");
    if (auto page = junction::http::ParsePage(*params)) {
        Check(page->limit >= 1 && page->limit <= 1000, "page limit outside 1-1000");
        Check(page->offset <= (std::size_t{1} << 53U), "page offset over 2^53");
    }
}

void FuzzRoute(std::string_view method, std::string_view path) {
    const auto match = junction::http::MatchRoute(method, path);
    switch (match.status) {
        case junction::http::MatchStatus::kFound: {
            Check(match.route != nullptr, "kFound without a route");
            Check(match.route->method == method, "matched route has another method");
            std::string_view pattern = match.route->pattern;
            std::string_view stripped = path;
            if (pattern.starts_with('/')) {
                pattern.remove_prefix(1);
            }
            if (stripped.starts_with('/')) {
                stripped.remove_prefix(1);
            }
            const auto pattern_parts = SplitOn(pattern, "/");
            const auto path_parts = SplitOn(stripped, "/");
            Check(pattern_parts.size() == path_parts.size(), "segment counts differ");
            std::size_t expected_params = 0;
            for (std::size_t i = 0; i < pattern_parts.size(); ++i) {
                const std::string_view part = pattern_parts[i];
                if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
                    Check(expected_params < match.params.size(), "a path parameter is missing");
                    const auto& [name, value] = match.params[expected_params];
                    Check(name == part.substr(1, part.size() - 2), "path parameter misnamed");
                    Check(!value.empty(), "path parameter is empty");
                    const auto decoded = junction::http::PercentDecode(path_parts[i], false);
                    Check(decoded && *decoded == value,
                          "path parameter is not the decoded segment");
                    ++expected_params;
                } else {
                    Check(part == path_parts[i], "literal segment differs");
                }
            }
            Check(expected_params == match.params.size(), "extra path parameters");
            if (path.starts_with("/connectors/files/")) {
                Check(match.route->pattern.starts_with("/connectors/files/"),
                      "a /connectors/files/ path reached a connector route");
            }
            break;
        }
        case junction::http::MatchStatus::kMethodNotAllowed:
            Check(!match.allow.empty(), "405 with an empty Allow");
            for (const auto allowed : SplitOn(match.allow, ", ")) {
                Check(allowed != method, "405 lists the request's own method");
            }
            break;
        case junction::http::MatchStatus::kNotFound:
            Check(match.allow.empty() && match.route == nullptr, "404 carries a route or Allow");
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = junction::fuzz::AsText(data, size);
    const std::size_t space = input.find(' ');
    const std::string_view method = input.substr(0, space);
    const std::string_view target =
        space == std::string_view::npos ? std::string_view{} : input.substr(space + 1);
    const std::size_t question = target.find('?');
    const std::string_view path = target.substr(0, question);
    FuzzRoute(method, path);
    if (question != std::string_view::npos) {
        FuzzQuery(target.substr(question + 1));
    }
    for (const bool plus_is_space : {false, true}) {
        if (const auto decoded = junction::http::PercentDecode(path, plus_is_space)) {
            Check(decoded->size() <= path.size(), "decoding made the text longer");
            const auto again = junction::http::PercentDecode(Encode(*decoded), plus_is_space);
            Check(again && *again == *decoded, "encode then decode is not the identity");
        }
    }
    return 0;
}
