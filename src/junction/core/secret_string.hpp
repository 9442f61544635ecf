#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace junction {

/// Holds a plaintext secret (API key, master key). Move-only, wiped on destruction, and it
/// cannot be streamed or formatted: reading it takes an explicit Reveal().
class SecretString {
public:
    SecretString() = default;
    explicit SecretString(std::string value) : value_(std::move(value)) {}
    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;
    SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) { other.Wipe(); }
    SecretString& operator=(SecretString&& other) noexcept {
        if (this != &other) {
            Wipe();
            value_ = std::move(other.value_);
            other.Wipe();
        }
        return *this;
    }
    ~SecretString() { Wipe(); }

    [[nodiscard]] std::string_view Reveal() const noexcept { return value_; }
    [[nodiscard]] bool Empty() const noexcept { return value_.empty(); }

private:
    void Wipe() noexcept;

    std::string value_{};
};

}  // namespace junction
