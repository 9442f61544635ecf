#include "junction/core/secret_string.hpp"

#include <cstring>

namespace junction {

void SecretString::Wipe() noexcept {
    // explicit_bzero survives dead-store elimination, unlike memset before a free.
    explicit_bzero(value_.data(), value_.size());
    value_.clear();
}

}  // namespace junction
