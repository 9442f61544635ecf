#include "junction/http_client/redirect.hpp"

#include <algorithm>
#include <array>
#include <string>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "junction/core/ascii.hpp"

namespace junction::http_client {
namespace {

void RemoveHeaders(OutboundRequest& request, const auto& should_remove) {
    auto& headers = request.headers;
    headers.erase(std::remove_if(headers.begin(),
                                 headers.end(),
                                 [&](const auto& header) { return should_remove(header.first); }),
                  headers.end());
}

std::string Origin(const boost::urls::url_view& url) {
    std::string origin(url.scheme());
    origin += "://";
    origin += url.encoded_host_and_port();
    return AsciiLowercase(origin);
}

// Before a hop to another origin: the fixed credential headers, the headers the caller's
// credential placed, and the credential's query parameters should the Location repeat them.
void DropCredentials(OutboundRequest& request, boost::urls::url& next) {
    constexpr std::array kCredentialHeaders{std::string_view("authorization"),
                                            std::string_view("cookie"),
                                            std::string_view("proxy-authorization")};
    const auto named = [](const std::string& name, const auto& names) {
        return std::any_of(names.begin(), names.end(), [&](const auto& credential) {
            return AsciiIEquals(name, credential);
        });
    };
    RemoveHeaders(request, [&](const std::string& name) {
        return named(name, kCredentialHeaders) || named(name, request.credential_headers);
    });
    for (const auto& name : request.credential_query) {
        next.params().erase(name);
    }
}

}  // namespace

bool IsFollowableRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

Result<void> ApplyRedirect(OutboundRequest& request, int status, std::string_view location) {
    const auto invalid = [] {
        return Fail(UpstreamError(
            "redirect_denied", "Upstream redirect is invalid", "missing or malformed Location"));
    };
    const auto base = boost::urls::parse_uri(request.url);
    const auto reference = boost::urls::parse_uri_reference(location);
    if (location.empty() || !base || !reference) {
        return invalid();
    }
    boost::urls::url next(*base);
    if (!next.resolve(*reference)) {
        return invalid();
    }
    next.remove_fragment();
    if (Origin(next) != Origin(*base)) {
        DropCredentials(request, next);
    }
    const bool to_get = (status == 303 && request.method != "HEAD") ||
                        ((status == 301 || status == 302) && request.method == "POST");
    if (to_get) {
        request.method = "GET";
        request.body.clear();
        request.multipart.reset();
        RemoveHeaders(request,
                      [](const std::string& name) { return AsciiIStartsWith(name, "content-"); });
    }
    request.url = std::string(next.buffer());
    return Ok();
}

Result<void> FollowRedirect(OutboundRequest& request,
                            int followed,
                            int status,
                            std::string_view location) {
    if (followed >= request.max_redirects) {
        return Fail(UpstreamError(
            "redirect_denied",
            "Upstream redirected more than " + std::to_string(request.max_redirects) + " times",
            ""));
    }
    return ApplyRedirect(request, status, location);
}

Error HopRefusal(Error refusal, int followed) {
    if (followed > 0) {
        refusal.message = "Upstream redirect blocked by egress policy";
        refusal.extra["reason"] = "redirect_denied";
    }
    return refusal;
}

}  // namespace junction::http_client
