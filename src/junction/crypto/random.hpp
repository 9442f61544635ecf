#pragma once

#include <cstdint>
#include <span>

#include "junction/core/rng.hpp"

namespace junction::crypto {

/// OpenSSL's CSPRNG (RAND_bytes). Thread-safe. Aborts if the CSPRNG fails: there is no safe
/// fallback for key material.
class SecureRng final : public Rng {
public:
    // Rng
    void Fill(std::span<std::uint8_t> out) override;
};

}  // namespace junction::crypto
