#include "junction/http/responses.hpp"

#include <boost/json/serialize.hpp>

#include "junction/storage/storage_full.hpp"

namespace junction::http {
namespace {

constexpr std::string_view kStorageFullRetryAfter = "30";

}  // namespace

HttpResponse JsonResponse(int status, const boost::json::value& body) {
    HttpResponse response;
    response.status = status;
    response.headers.emplace_back("content-type", "application/json");
    response.body = boost::json::serialize(body);
    return response;
}

HttpResponse SecretJsonResponse(int status, const boost::json::value& body) {
    HttpResponse response = JsonResponse(status, body);
    response.SetHeader("Cache-Control", "no-store");
    response.SetHeader("Pragma", "no-cache");
    return response;
}

HttpResponse ToHttpResponse(const Error& error, std::string_view request_id) {
    HttpResponse response =
        JsonResponse(Describe(error.code).http_status, ErrorEnvelope(error, request_id));
    if (storage::IsStorageFull(error)) {
        // Freeing space takes an operator, not a moment: a slower retry than a busy database.
        response.SetHeader("Retry-After", std::string(kStorageFullRetryAfter));
    }
    return response;
}

}  // namespace junction::http
