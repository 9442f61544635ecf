#include "junction/http/router.hpp"

#include <vector>

namespace junction::http {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
    std::vector<std::string_view> segments;
    if (path.starts_with('/')) {
        path.remove_prefix(1);
    }
    while (true) {
        const std::size_t slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return segments;
}

bool IsParameter(std::string_view part) {
    return part.size() > 2 && part.front() == '{' && part.back() == '}';
}

// Calls `visit(index, part)` for each '/'-separated part of `path` in order; false as soon as
// one visit returns false.
template <class Visit>
bool EachPart(std::string_view path, Visit visit) {
    for (std::size_t index = 0;; ++index) {
        const std::size_t slash = path.find('/');
        if (!visit(index, path.substr(0, slash))) {
            return false;
        }
        if (slash == std::string_view::npos) {
            return true;
        }
        path.remove_prefix(slash + 1);
    }
}

// Runs once per route per request: the structure is compared without allocating, and
// parameters are decoded only for a route whose literal segments all match.
bool MatchPattern(std::string_view pattern,
                  const std::vector<std::string_view>& segments,
                  PathParams& params) {
    if (pattern.starts_with('/')) {
        pattern.remove_prefix(1);
    }
    std::size_t parts = 0;
    const bool shaped = EachPart(pattern, [&](std::size_t index, std::string_view part) {
        parts = index + 1;
        return index < segments.size() && (IsParameter(part) || part == segments[index]);
    });
    if (!shaped || parts != segments.size()) {
        return false;
    }
    PathParams found;
    const bool decoded = EachPart(pattern, [&](std::size_t index, std::string_view part) {
        if (!IsParameter(part)) {
            return true;
        }
        auto value = PercentDecode(segments[index], false);
        if (!value || value->empty()) {
            return false;
        }
        found.emplace_back(std::string(part.substr(1, part.size() - 2)), std::move(*value));
        return true;
    });
    if (!decoded) {
        return false;
    }
    params = std::move(found);
    return true;
}

// Paths under this prefix only ever reach the Files routes, never `/connectors/{connectorId}/…`
// (the connector id `files` is reserved, API.md §3.5).
constexpr std::string_view kFilesPrefix = "/connectors/files/";

}  // namespace

RouteMatch MatchRoute(std::string_view method, std::string_view path) {
    const auto segments = Split(path);
    const bool files_path = path.starts_with(kFilesPrefix);
    RouteMatch match;
    for (const Route& route : AllRoutes()) {
        if (files_path && !route.pattern.starts_with(kFilesPrefix)) {
            continue;
        }
        PathParams params;
        if (!MatchPattern(route.pattern, segments, params)) {
            continue;
        }
        if (route.method == method) {
            match.status = MatchStatus::kFound;
            match.route = &route;
            match.params = std::move(params);
            return match;
        }
        if (match.allow.find(route.method) == std::string::npos) {
            match.allow += match.allow.empty() ? "" : ", ";
            match.allow += route.method;
        }
        match.status = MatchStatus::kMethodNotAllowed;
    }
    return match;
}

}  // namespace junction::http
