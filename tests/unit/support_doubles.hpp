#pragma once

// Tiny hermetic test doubles shared by the unit test binaries (DESIGN.md §13: time from a
// manual clock, randomness from a deterministic source). Namespace `junction::unit` so they
// cannot collide with the fuller doubles of tests/support/junction/testing/.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "junction/core/clock.hpp"
#include "junction/core/rng.hpp"

namespace junction::unit {

/// A Clock that only moves when told to.
class ManualClock final : public Clock {
public:
    explicit ManualClock(TimePoint start = TimePoint{}) : now_(start) {}

    [[nodiscard]] TimePoint Now() const override { return now_; }

    void Set(TimePoint time) { now_ = time; }
    void Advance(std::chrono::milliseconds by) { now_ += by; }

private:
    TimePoint now_{};
};

/// Deterministic bytes: `start`, `start + 1`, ... (wrapping), continuing across Fill calls.
class CounterRng final : public Rng {
public:
    explicit CounterRng(std::uint8_t start = 1) : next_(start) {}

    void Fill(std::span<std::uint8_t> out) override {
        for (auto& byte : out) {
            byte = next_;
            next_ = static_cast<std::uint8_t>(next_ + 1U);
        }
        ++calls_;
    }

    [[nodiscard]] std::size_t Calls() const { return calls_; }

private:
    std::uint8_t next_ = 0;
    std::size_t calls_ = 0;
};

/// Plays back `bytes` in order (repeating from the start when exhausted).
class ScriptedRng final : public Rng {
public:
    explicit ScriptedRng(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}

    void Fill(std::span<std::uint8_t> out) override {
        for (auto& byte : out) {
            byte = bytes_.empty() ? std::uint8_t{0} : bytes_[position_ % bytes_.size()];
            ++position_;
        }
    }

private:
    std::vector<std::uint8_t> bytes_{};
    std::size_t position_ = 0;
};

/// Fills with one constant byte.
class ConstantRng final : public Rng {
public:
    explicit ConstantRng(std::uint8_t value) : value_(value) {}

    void Fill(std::span<std::uint8_t> out) override {
        for (auto& byte : out) {
            byte = value_;
        }
    }

private:
    std::uint8_t value_ = 0;
};

}  // namespace junction::unit
