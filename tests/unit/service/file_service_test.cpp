// The pure parts of the Files rules (API.md §3.5): filename validation, MD5 forms and the
// signed-URL signature; the HTTP behaviour is in tests/integration/files_test.cpp.
#include "junction/service/file_service.hpp"

#include <string>

#include <gtest/gtest.h>

#include "junction/core/ids.hpp"

namespace junction::service {
namespace {

TEST(ValidateFilenameTest, AcceptsOrdinaryNamesUpTo255Bytes) {
    for (const std::string& name : {std::string("a"),
                                    std::string("report.pdf"),
                                    std::string("..hidden"),
                                    std::string("a b (1).tar.gz"),
                                    std::string("日本.txt"),
                                    std::string(255, 'x')}) {
        EXPECT_TRUE(ValidateFilename(name).has_value()) << name;
    }
    // 255 characters of three bytes each: the limit counts characters.
    std::string wide;
    for (int i = 0; i < 255; ++i) {
        wide += "日";
    }
    for (const std::string& name : {wide}) {
        EXPECT_TRUE(ValidateFilename(name).has_value()) << name;
    }
}

TEST(ValidateFilenameTest, RefusesSeparatorsDotNamesControlsAndLengthWithAFieldError) {
    for (const std::string& name : {std::string(),
                                    std::string("."),
                                    std::string(".."),
                                    std::string("a/b"),
                                    std::string("a\\b"),
                                    std::string("../x"),
                                    std::string("a\nb"),
                                    std::string("a\x7f"),
                                    std::string("a\0b", 3),
                                    std::string(256, 'x'),
                                    std::string("日") + std::string(255, 'x')}) {
        const auto checked = ValidateFilename(name);
        ASSERT_FALSE(checked.has_value()) << name;
        EXPECT_EQ(checked.error().code, ErrorCode::kInvalidArgument);
        ASSERT_EQ(checked.error().fields.size(), 1U);
        EXPECT_EQ(checked.error().fields[0].field, "filename");
    }
}

TEST(ParseMd5Test, AcceptsHexEitherCaseAndCanonicalBase64) {
    const std::string hex = "2942bfabb3d05332b66eb128e0842cff";
    const auto from_hex = ParseMd5(hex);
    ASSERT_TRUE(from_hex.has_value());
    EXPECT_EQ(ToHex(*from_hex), hex);
    EXPECT_EQ(ParseMd5("2942BFABB3D05332B66EB128E0842CFF"), from_hex);
    EXPECT_EQ(ParseMd5("KUK/q7PQUzK2brEo4IQs/w=="), from_hex);
    EXPECT_EQ(Md5Base64(hex), "KUK/q7PQUzK2brEo4IQs/w==");
}

TEST(ParseMd5Test, RefusesEverythingElse) {
    for (const std::string_view text : {"",
                                        "2942bfab",
                                        "2942bfabb3d05332b66eb128e0842cfg",
                                        "KUK/q7PQUzK2brEo4IQs/w",
                                        "KUK_q7PQUzK2brEo4IQs_w==",
                                        "KUK/q7PQUzK2brEo4IQs/x=="}) {
        EXPECT_FALSE(ParseMd5(text).has_value()) << text;
    }
}

TEST(SignFileUrlTest, SignsTheCanonicalStringsOfApiMd) {
    std::string key;
    for (int i = 0; i < 32; ++i) {
        key.push_back(static_cast<char>(i));
    }
    // Expected values computed independently (Python hmac/hashlib, base64url without padding)
    // over "PUT\n<s3Key>\n<expires>\n<md5 base64>\n<mimeType>" and "GET\n<s3Key>\n<expires>".
    EXPECT_EQ(SignFileUrl(key,
                          "PUT",
                          "651eb6e11d156e0d7a42c59d_document.pdf",
                          1756721700,
                          "KUK/q7PQUzK2brEo4IQs/w==",
                          "application/pdf"),
              "HA0oX2EAcFpZFTU7qpv9Dsh1dmgYXWW18dSqgTlqtN4");
    EXPECT_EQ(SignFileUrl(key, "GET", "651eb6e11d156e0d7a42c59d_document.pdf", 1756721700),
              "4_ZlfhC300eR-RwCwV9z_AZSRMFZB1g9B7zZhg6aUjY");
}

}  // namespace
}  // namespace junction::service
