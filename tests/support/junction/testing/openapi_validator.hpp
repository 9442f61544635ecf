#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "junction/json/schema.hpp"

namespace junction::testing {

/// Validates responses against the project's OpenAPI document (docs/openapi.yaml): the status
/// must be declared for the operation and a JSON body must match its schema. OpenAPI 3.0's
/// `nullable` is translated to JSON Schema before compiling.
class OpenApiValidator {
public:
    /// Loads $JUNCTION_TEST_SOURCE_DIR/docs/openapi.yaml once per process.
    static OpenApiValidator& Instance();

    /// Problems found (empty when the response conforms). `path_template` is the spec's key,
    /// e.g. "/users/{userId}".
    [[nodiscard]] std::vector<std::string> Validate(const std::string& method,
                                                    const std::string& path_template,
                                                    long status,
                                                    const std::string& body);

private:
    OpenApiValidator();

    boost::json::value document_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<json::SchemaValidator>> cache_;  // Guarded by mutex_.
};

}  // namespace junction::testing

/// gtest helper: EXPECT that `result` conforms to the spec for METHOD TEMPLATE.
#define JUNCTION_EXPECT_SPEC(method, path_template, result)                                        \
    do {                                                                                           \
        const auto junction_problems = ::junction::testing::OpenApiValidator::Instance().Validate( \
            method, path_template, (result).status, (result).body);                                \
        EXPECT_TRUE(junction_problems.empty())                                                     \
            << (method) << " " << (path_template) << " " << (result).status << ": "                \
            << (junction_problems.empty() ? "" : junction_problems.front())                        \
            << "\nbody: " << (result).body;                                                        \
    } while (false)
