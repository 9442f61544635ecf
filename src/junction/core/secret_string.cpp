#include "junction/core/secret_string.hpp"

#include <cstring>

namespace junction {

void SecretString::Wipe() noexcept {
    // The whole capacity: a moved-from or shortened string keeps old bytes past its size (in
    // the small-string buffer, too). explicit_bzero survives dead-store elimination.
    value_.resize(value_.capacity());
    explicit_bzero(value_.data(), value_.size());
    value_.clear();
}

}  // namespace junction
