#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

#include "junction/connectors/catalog.hpp"
#include "junction/connectors/spec.hpp"

namespace junction::mcp {

/// One hit of `discover_action_path_alloy`. The pointers refer into the Catalog the index was
/// built from.
struct ActionMatch {
    const connectors::ConnectorSpec* connector = nullptr;
    const connectors::ActionSpec* action = nullptr;
    double score = 0.0;
};

/// Decides whether an action may be shown (the MCP server's connector/action restrictions).
using ActionFilter = std::function<bool(std::string_view connector_id, std::string_view action_id)>;

/// Keyword search over every action of a catalog (API.md §4.5, `discover_action_path_alloy`).
///
/// Ranking is BM25F: per action, tf~ = Σ_field weight × tf / (1 - b + b × length / average length
/// of that field), score = Σ_word idf × tf~ × (k1 + 1) / (k1 + tf~), k1 = 1.2, b = 0.75,
/// idf = ln(1 + (N - df + 0.5) / (df + 0.5)) over N actions. Per-field normalisation keeps a
/// long imported description from drowning a display-name hit. Fields and weights: displayName
/// ×3, action id ×2, connector id and name ×2 (their distinct words, so "slack"/"Slack" counts
/// once), resource name ×1, description ×1. A connector's words count towards df once per
/// connector rather than once per action (plus the actions that use the word elsewhere), so a
/// goal naming a connector favours its actions however many it has; with per-action counting,
/// "github" in GitHub's 1,223-action import weighs almost nothing.
///
/// Words: text is split on anything that is not an ASCII letter or digit; document text is also
/// split at camelCase humps (`postMessage` → post, message; `getURLInfo` → get, url, info) and
/// the unsplit run is indexed too (`postmessage`, `github` for "GitHub"), so a goal naming an
/// action id or a brand in one lowercase word still matches. Everything is lowercased, a small
/// English stop-word list is dropped, and a light plural stemmer maps `-ies` → `-y` and drops a
/// final `s` (not `ss`) from words longer than three letters, on both sides, so "messages"
/// finds "message". Non-ASCII bytes separate words (semantic search is future work, §4.9).
///
/// Built once; immutable afterwards, so concurrent Search calls are safe.
/// REQUIRES: the Catalog outlives the index (matches point into it).
class ActionSearchIndex {
public:
    explicit ActionSearchIndex(const connectors::Catalog& catalog);

    /// The at most `limit` best actions for `goal` that `allowed` accepts, with score > 0, best
    /// first; equal scores by connector id, then action id. Actions `allowed` rejects never take
    /// a slot. `allowed` is called only for actions that match at least one word. A goal with
    /// no words left after stop words finds nothing.
    [[nodiscard]] std::vector<ActionMatch> Search(std::string_view goal,
                                                  const ActionFilter& allowed,
                                                  std::size_t limit = 10) const;

    [[nodiscard]] std::size_t DocumentCount() const { return documents_.size(); }

    /// The words a text is indexed under (camelCase-aware), for tests.
    [[nodiscard]] static std::vector<std::string> DocumentWordsForTest(std::string_view text);
    /// The words a goal is searched with, for tests.
    [[nodiscard]] static std::vector<std::string> GoalWordsForTest(std::string_view goal);

private:
    struct Document {
        const connectors::ConnectorSpec* connector = nullptr;
        const connectors::ActionSpec* action = nullptr;
    };
    struct Posting {
        std::uint32_t document = 0;
        float tf = 0.0F;  // BM25F pseudo-frequency: fields weighted and length-normalised
    };
    struct Term {
        double idf = 0.0;
        std::vector<Posting> postings{};  // ascending document
    };
    // Heterogeneous lookup, so a query word (string_view) is looked up without a copy.
    struct WordHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view word) const noexcept {
            return std::hash<std::string_view>{}(word);
        }
    };

    // Sorted by (connector id, action id): the index is the tie-break rank.
    std::vector<Document> documents_;
    std::vector<Term> terms_;
    std::unordered_map<std::string, std::uint32_t, WordHash, std::equal_to<>> lookup_;
};

/// The `discover_action_path_alloy` tool output (API.md §4.5): `{"goal","matches":[{"connectorId",
/// "connectorName","actionId","displayName","description","httpMethod","path","score"}],
/// "count","message"}`. Scores are rounded to 3 decimals (at least 0.001, so every listed score
/// stays > 0). With no match the message points to list_connectors_alloy.
[[nodiscard]] boost::json::object DiscoveryOutput(std::string_view goal,
                                                  std::span<const ActionMatch> matches);

}  // namespace junction::mcp
