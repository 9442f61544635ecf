#include "junction/crypto/random.hpp"

#include <cstdlib>

#include <openssl/rand.h>

namespace junction::crypto {

void SecureRng::Fill(std::span<std::uint8_t> out) {
    if (out.empty()) {
        return;
    }
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
        std::abort();  // no entropy: continuing would mint guessable secrets
    }
}

}  // namespace junction::crypto
