#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace junction::crypto {

/// Unpadded base64url (RFC 4648 §5).
[[nodiscard]] std::string Base64UrlEncode(std::string_view bytes);
/// Accepts padded or unpadded base64url; nullopt on any other character or a non-canonical
/// final character (non-zero unused bits).
[[nodiscard]] std::optional<std::string> Base64UrlDecode(std::string_view text);
/// Standard padded base64 (for key files and `Content-MD5`).
[[nodiscard]] std::string Base64Encode(std::string_view bytes);
[[nodiscard]] std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace junction::crypto
