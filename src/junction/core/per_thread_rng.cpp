#include "junction/core/per_thread_rng.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace junction {
namespace {

using State = std::array<std::uint64_t, 4>;

constexpr std::uint64_t RotateLeft(std::uint64_t value, int shift) {
    return (value << static_cast<unsigned>(shift)) |
           (value >> (64U - static_cast<unsigned>(shift)));
}

// SplitMix64, as the xoshiro authors recommend for seeding: any seed, even all zeros, becomes
// a well-mixed state.
std::uint64_t SplitMix64(std::uint64_t& x) {
    x += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = x;
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
}

// xoshiro256** (Blackman and Vigna, 2018).
std::uint64_t Next(State& s) {
    const std::uint64_t result = RotateLeft(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17U;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = RotateLeft(s[3], 45);
    return result;
}

}  // namespace

void PerThreadRng::Fill(std::span<std::uint8_t> out) {
    thread_local State state{};
    thread_local bool seeded = false;
    if (!seeded) {
        std::array<std::uint8_t, sizeof(State)> seed_bytes{};
        seed_source_.Fill(seed_bytes);
        State seed{};
        std::memcpy(seed.data(), seed_bytes.data(), seed_bytes.size());
        std::uint64_t mixer = 0;
        for (std::size_t i = 0; i < state.size(); ++i) {
            mixer ^= seed[i];
            state[i] = SplitMix64(mixer);
        }
        seeded = true;
    }
    for (std::size_t offset = 0; offset < out.size(); offset += sizeof(std::uint64_t)) {
        const std::uint64_t word = Next(state);
        std::memcpy(out.data() + offset, &word, std::min(sizeof(word), out.size() - offset));
    }
}

}  // namespace junction
