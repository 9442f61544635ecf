#include "junction/http/responses.hpp"

#include <boost/json/serialize.hpp>

namespace junction::http {

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
    return JsonResponse(Describe(error.code).http_status, ErrorEnvelope(error, request_id));
}

}  // namespace junction::http
