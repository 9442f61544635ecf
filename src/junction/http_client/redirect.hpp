#pragma once

#include <string_view>

#include "junction/core/result.hpp"
#include "junction/http_client/http_client.hpp"

namespace junction::http_client {

/// True for the statuses a client may follow: 301, 302, 303, 307, 308.
[[nodiscard]] bool IsFollowableRedirect(int status);

/// Turns `request` into the next hop after a `status` answer carrying `location` (absolute or
/// relative to request.url). The method changes like browsers do: 303 → GET (HEAD stays), 301
/// and 302 turn POST into GET; 307 and 308 keep method and body. A method change drops the
/// body and its Content-* headers. When the origin changes, Authorization, Cookie and
/// Proxy-Authorization are dropped (as curl and browsers do), and so are the headers named in
/// request.credential_headers and the Location's query parameters named in
/// request.credential_query. The caller re-checks the new URL with EgressPolicy::CheckUrl.
/// Fails with kUpstreamError reason "redirect_denied" when `location` is empty or invalid.
[[nodiscard]] Result<void> ApplyRedirect(OutboundRequest& request,
                                         int status,
                                         std::string_view location);

/// The next hop after a `status` answer carrying `location`, for a call that has followed
/// `followed` redirects already: ApplyRedirect, or kUpstreamError "redirect_denied" ("Upstream
/// redirected more than N times") once request.max_redirects are used up.
[[nodiscard]] Result<void> FollowRedirect(OutboundRequest& request,
                                          int followed,
                                          int status,
                                          std::string_view location);

/// EgressPolicy's refusal of a hop's URL. After `followed` > 0 redirects it is the redirect that
/// is denied: reason "redirect_denied", "Upstream redirect blocked by egress policy".
[[nodiscard]] Error HopRefusal(Error refusal, int followed);

}  // namespace junction::http_client
