#pragma once

#include <memory>
#include <vector>

#include <boost/json/value.hpp>

#include "junction/core/error.hpp"
#include "junction/core/result.hpp"

namespace junction::json {

/// A compiled JSON Schema (draft 7, as valijson implements it). `$ref`s resolve within the
/// schema document. Immutable after Compile; Validate is thread-safe.
class SchemaValidator {
public:
    SchemaValidator(SchemaValidator&& other) noexcept;
    SchemaValidator& operator=(SchemaValidator&& other) noexcept;
    SchemaValidator(const SchemaValidator&) = delete;
    SchemaValidator& operator=(const SchemaValidator&) = delete;
    ~SchemaValidator();

    /// Fails with kInvalidArgument when `schema` is not a usable JSON Schema.
    [[nodiscard]] static Result<SchemaValidator> Compile(const boost::json::value& schema);

    /// Every violation as {field: dotted path, message}; empty when `document` is valid.
    [[nodiscard]] std::vector<FieldError> Validate(const boost::json::value& document) const;

private:
    struct Impl;
    explicit SchemaValidator(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_{};
};

}  // namespace junction::json
