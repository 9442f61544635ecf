#include "junction/core/secret_string.hpp"

#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include <gtest/gtest.h>

namespace junction {
namespace {

template <class T>
concept Streamable = requires(std::ostream& out, const T& value) {
    out << value;
};

static_assert(!std::is_copy_constructible_v<SecretString>, "SecretString must not be copied");
static_assert(!std::is_copy_assignable_v<SecretString>, "SecretString must not be copied");
static_assert(std::is_nothrow_move_constructible_v<SecretString>);
static_assert(std::is_nothrow_move_assignable_v<SecretString>);
static_assert(!Streamable<SecretString>, "SecretString must not be streamable");
static_assert(!std::is_convertible_v<std::string, SecretString>, "construction is explicit");

TEST(SecretStringTest, DefaultIsEmpty) {
    const SecretString secret;

    EXPECT_TRUE(secret.Empty());
    EXPECT_EQ(secret.Reveal(), "");
}

TEST(SecretStringTest, RevealReturnsTheValue) {
    const SecretString secret(std::string("s3cr3t"));

    EXPECT_FALSE(secret.Empty());
    EXPECT_EQ(secret.Reveal(), "s3cr3t");
}

TEST(SecretStringTest, MoveConstructionLeavesTheSourceEmpty) {
    SecretString source(std::string("short"));

    const SecretString target(std::move(source));

    EXPECT_EQ(target.Reveal(), "short");
    EXPECT_TRUE(source.Empty());  // NOLINT(bugprone-use-after-move): the point of the test
    EXPECT_EQ(source.Reveal(), "");
}

TEST(SecretStringTest, MoveConstructionOfALongValueLeavesTheSourceEmpty) {
    const std::string value(100, 'k');  // beyond the small-string buffer
    SecretString source(value);

    const SecretString target(std::move(source));

    EXPECT_EQ(target.Reveal(), value);
    EXPECT_TRUE(source.Empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretStringTest, MoveAssignmentReplacesTheTargetAndEmptiesTheSource) {
    SecretString source(std::string("new-value"));
    SecretString target(std::string("old-value"));

    target = std::move(source);

    EXPECT_EQ(target.Reveal(), "new-value");
    EXPECT_TRUE(source.Empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretStringTest, KeepsEmbeddedNulBytes) {
    const SecretString secret(std::string("a\0b", 3));

    EXPECT_EQ(secret.Reveal().size(), 3U);
    EXPECT_EQ(secret.Reveal(), std::string_view("a\0b", 3));
}

}  // namespace
}  // namespace junction
