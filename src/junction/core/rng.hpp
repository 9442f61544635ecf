#pragma once

#include <cstdint>
#include <span>

namespace junction {

/// A source of random bytes (DESIGN.md §1.4). Production uses crypto::SecureRng; tests may
/// inject a seeded one. Thread-safety: implementations are callable from any thread.
class Rng {
public:
    Rng() = default;
    Rng(const Rng&) = delete;
    Rng& operator=(const Rng&) = delete;
    Rng(Rng&&) = delete;
    Rng& operator=(Rng&&) = delete;
    virtual ~Rng() = default;

    virtual void Fill(std::span<std::uint8_t> out) = 0;
};

}  // namespace junction
