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

HttpResponse ToHttpResponse(const Error& error, std::string_view request_id) {
    return JsonResponse(Describe(error.code).http_status, ErrorEnvelope(error, request_id));
}

}  // namespace junction::http
