#pragma once

#include <cstdint>
#include <span>

#include "junction/core/rng.hpp"

namespace junction {

/// Fast bytes that are unique but not unguessable: xoshiro256** with one state per thread,
/// each seeded on the thread's first use from `seed_source` (a secure Rng in production).
/// For request ids, which are public: a RAND_bytes per request cost a provider lookup and a
/// getpid system call (its fork check). Never for keys, tokens, nonces or anything secret.
/// Every instance shares the calling thread's state.
class PerThreadRng final : public Rng {
public:
    explicit PerThreadRng(Rng& seed_source) : seed_source_(seed_source) {}

    void Fill(std::span<std::uint8_t> out) override;

private:
    Rng& seed_source_;
};

}  // namespace junction
