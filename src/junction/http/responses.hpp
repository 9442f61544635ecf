#pragma once

#include <string_view>

#include <boost/json/value.hpp>

#include "junction/core/error.hpp"
#include "junction/http/types.hpp"

namespace junction::http {

/// `status` with a JSON body.
[[nodiscard]] HttpResponse JsonResponse(int status, const boost::json::value& body);

/// The one error envelope of API.md §1.7: {"error":{"code","message","details"}}. Every error
/// response of every surface goes through here. kInternal gets `details.requestId`.
[[nodiscard]] HttpResponse ToHttpResponse(const Error& error, std::string_view request_id);

}  // namespace junction::http
