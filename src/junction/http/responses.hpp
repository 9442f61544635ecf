#pragma once

#include <string_view>

#include <boost/json/value.hpp>

#include "junction/core/error.hpp"
#include "junction/http/types.hpp"

namespace junction::http {

/// `status` with a JSON body.
[[nodiscard]] HttpResponse JsonResponse(int status, const boost::json::value& body);

/// `status` with a JSON body that carries a secret (a key, a token, a URL holding one):
/// `Cache-Control: no-store` and `Pragma: no-cache`, so no browser, proxy or client cache
/// keeps a copy.
[[nodiscard]] HttpResponse SecretJsonResponse(int status, const boost::json::value& body);

/// The one error envelope of API.md §1.7: {"error":{"code","message","details"}}. Every error
/// response of every surface goes through here. kInternal gets `details.requestId`.
[[nodiscard]] HttpResponse ToHttpResponse(const Error& error, std::string_view request_id);

}  // namespace junction::http
