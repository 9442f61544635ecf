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
    const ErrorInfo& info = Describe(error.code);
    boost::json::object envelope;
    envelope["code"] = info.wire_code;
    envelope["message"] = error.message.empty() ? std::string(info.wire_code) : error.message;
    boost::json::object details = error.extra;
    if (!error.fields.empty()) {
        boost::json::array errors;
        for (const auto& field : error.fields) {
            errors.push_back(
                boost::json::object{{"field", field.field}, {"message", field.message}});
        }
        details["errors"] = std::move(errors);
    }
    if (error.code == ErrorCode::kInternal) {
        details["requestId"] = request_id;
    }
    if (!details.empty()) {
        envelope["details"] = std::move(details);
    }
    return JsonResponse(info.http_status, boost::json::object{{"error", std::move(envelope)}});
}

}  // namespace junction::http
