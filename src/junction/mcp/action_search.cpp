#include "junction/mcp/action_search.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include <boost/json/array.hpp>

namespace junction::mcp {
namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

constexpr double kDisplayNameWeight = 3.0;
constexpr double kActionIdWeight = 2.0;
constexpr double kConnectorWeight = 2.0;
constexpr double kResourceWeight = 1.0;
constexpr double kDescriptionWeight = 1.0;

// Sorted (binary search). Small on purpose: words like "get", "list", "new" or "all" carry
// meaning in action names and stay searchable.
constexpr std::array<std::string_view, 71> kStopWords{
    "a",     "about", "after", "an",    "and",  "any",    "are",    "as",    "at",
    "be",    "been",  "but",   "by",    "can",  "could",  "do",     "does",  "for",
    "from",  "have",  "help",  "how",   "i",    "if",     "in",     "into",  "is",
    "it",    "its",   "let",   "like",  "me",   "might",  "must",   "my",    "need",
    "not",   "of",    "on",    "or",    "our",  "please", "should", "so",    "some",
    "than",  "that",  "the",   "their", "them", "then",   "there",  "these", "this",
    "those", "to",    "us",    "using", "via",  "want",   "was",    "we",    "were",
    "what",  "when",  "which", "will",  "with", "would",  "you",    "your"};
static_assert(std::is_sorted(kStopWords.begin(), kStopWords.end()), "binary search needs order");

bool IsLower(char c) {
    return c >= 'a' && c <= 'z';
}
bool IsUpper(char c) {
    return c >= 'A' && c <= 'Z';
}
bool IsDigit(char c) {
    return c >= '0' && c <= '9';
}
bool IsAlnum(char c) {
    return IsLower(c) || IsUpper(c) || IsDigit(c);
}

bool IsStopWord(std::string_view word) {
    return std::binary_search(kStopWords.begin(), kStopWords.end(), word);
}

// Lowercase, stop words dropped (→ false), light plural stemming. See the header for the rule.
bool Normalize(std::string_view raw, std::string& word) {
    word.assign(raw);
    for (char& c : word) {
        if (IsUpper(c)) {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    if (IsStopWord(word)) {
        return false;
    }
    if (word.size() > 4 && word.ends_with("ies")) {
        word.resize(word.size() - 3);
        word.push_back('y');
    } else if (word.size() > 3 && word.back() == 's' && word[word.size() - 2] != 's') {
        word.pop_back();
    }
    return true;
}

// Calls `emit` for each maximal run of ASCII letters and digits.
template <class Emit>
void ForEachRun(std::string_view text, Emit&& emit) {
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && !IsAlnum(text[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < text.size() && IsAlnum(text[i])) {
            ++i;
        }
        if (i > start) {
            emit(text.substr(start, i - start));
        }
    }
}

// Splits a run at camelCase humps: lower/digit → Upper ("postMessage"), and the last capital
// of an acronym that starts a word ("URLInfo" → URL, Info).
template <class Emit>
void ForEachHump(std::string_view run, Emit&& emit) {
    std::size_t start = 0;
    for (std::size_t i = 1; i < run.size(); ++i) {
        const bool after_lower = IsUpper(run[i]) && (IsLower(run[i - 1]) || IsDigit(run[i - 1]));
        const bool acronym_end =
            IsUpper(run[i]) && IsUpper(run[i - 1]) && i + 1 < run.size() && IsLower(run[i + 1]);
        if (after_lower || acronym_end) {
            emit(run.substr(start, i - start));
            start = i;
        }
    }
    emit(run.substr(start));
}

// Document side: humps plus the whole run when it had several.
template <class Emit>
void ForEachDocumentWord(std::string_view text, Emit&& emit) {
    std::string word;
    ForEachRun(text, [&](std::string_view run) {
        std::size_t parts = 0;
        ForEachHump(run, [&](std::string_view hump) {
            ++parts;
            if (Normalize(hump, word)) {
                emit(word);
            }
        });
        if (parts > 1 && Normalize(run, word)) {
            emit(word);
        }
    });
}

// Goal side (API.md §4.5): lowercased, split on non-alphanumerics, stop words dropped; each
// word once.
std::vector<std::string> GoalWords(std::string_view goal) {
    std::vector<std::string> words;
    std::string word;
    ForEachRun(goal, [&](std::string_view run) {
        if (Normalize(run, word) && std::find(words.begin(), words.end(), word) == words.end()) {
            words.push_back(word);
        }
    });
    return words;
}

}  // namespace

ActionSearchIndex::ActionSearchIndex(const connectors::Catalog& catalog) {
    for (const auto& connector : catalog.Connectors()) {
        for (const auto& resource : connector.resources) {
            for (const auto& action : resource.actions) {
                documents_.push_back(Document{.connector = &connector, .action = &action});
            }
        }
    }
    // Tie-break order; Catalog keeps connectors sorted, but actions are in file order.
    std::sort(documents_.begin(), documents_.end(), [](const Document& a, const Document& b) {
        if (a.connector->id != b.connector->id) {
            return a.connector->id < b.connector->id;
        }
        return a.action->id < b.action->id;
    });

    std::vector<double> lengths(documents_.size(), 0.0);
    std::vector<std::pair<std::string, double>> bag;  // this document's words, weighted
    for (std::size_t d = 0; d < documents_.size(); ++d) {
        const Document& document = documents_[d];
        bag.clear();
        auto add = [&](std::string_view text, double weight) {
            ForEachDocumentWord(text,
                                [&](const std::string& word) { bag.emplace_back(word, weight); });
        };
        add(document.action->display_name, kDisplayNameWeight);
        add(document.action->id, kActionIdWeight);
        add(document.action->resource, kResourceWeight);
        add(document.action->description, kDescriptionWeight);
        // Connector id and name usually say the same word; count each distinct word once.
        std::vector<std::string> connector_words;
        auto add_connector = [&](const std::string& word) {
            if (std::find(connector_words.begin(), connector_words.end(), word) ==
                connector_words.end()) {
                connector_words.push_back(word);
            }
        };
        ForEachDocumentWord(document.connector->id, add_connector);
        ForEachDocumentWord(document.connector->name, add_connector);
        for (auto& word : connector_words) {
            bag.emplace_back(std::move(word), kConnectorWeight);
        }

        std::sort(bag.begin(), bag.end());
        for (std::size_t i = 0; i < bag.size();) {
            double weighted_tf = 0.0;
            std::size_t j = i;
            for (; j < bag.size() && bag[j].first == bag[i].first; ++j) {
                weighted_tf += bag[j].second;
            }
            lengths[d] += weighted_tf;
            terms_[bag[i].first].postings.push_back(
                Posting{.document = static_cast<std::uint32_t>(d),
                        .weighted_tf = static_cast<float>(weighted_tf)});
            i = j;
        }
    }

    if (documents_.empty()) {
        return;
    }
    double total = 0.0;
    for (const double length : lengths) {
        total += length;
    }
    const double average = total / static_cast<double>(documents_.size());
    for (std::size_t d = 0; d < documents_.size(); ++d) {
        const double relative = average > 0.0 ? lengths[d] / average : 1.0;
        documents_[d].length_norm = kK1 * (1.0 - kB + kB * relative);
    }
    const auto n = static_cast<double>(documents_.size());
    for (auto& [word, term] : terms_) {
        const auto df = static_cast<double>(term.postings.size());
        term.idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
        term.postings.shrink_to_fit();
    }
}

std::vector<ActionMatch> ActionSearchIndex::Search(std::string_view goal,
                                                   const ActionFilter& allowed,
                                                   std::size_t limit) const {
    std::vector<ActionMatch> matches;
    if (limit == 0) {
        return matches;
    }
    const std::vector<std::string> words = GoalWords(goal);
    if (words.empty()) {
        return matches;
    }
    std::vector<double> scores(documents_.size(), 0.0);
    for (const auto& word : words) {
        const auto found = terms_.find(std::string_view(word));
        if (found == terms_.end()) {
            continue;
        }
        const Term& term = found->second;
        for (const Posting& posting : term.postings) {
            const double tf = posting.weighted_tf;
            scores[posting.document] +=
                term.idf * tf * (kK1 + 1.0) / (tf + documents_[posting.document].length_norm);
        }
    }
    std::vector<std::uint32_t> candidates;
    for (std::size_t d = 0; d < scores.size(); ++d) {
        if (scores[d] > 0.0) {
            candidates.push_back(static_cast<std::uint32_t>(d));
        }
    }
    // Documents are stored in (connector id, action id) order, so the index breaks ties.
    std::sort(candidates.begin(), candidates.end(), [&](std::uint32_t a, std::uint32_t b) {
        return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
    });
    for (const std::uint32_t d : candidates) {
        const Document& document = documents_[d];
        if (allowed && !allowed(document.connector->id, document.action->id)) {
            continue;  // a hidden action never takes a slot
        }
        matches.push_back(ActionMatch{
            .connector = document.connector, .action = document.action, .score = scores[d]});
        if (matches.size() == limit) {
            break;
        }
    }
    return matches;
}

std::vector<std::string> ActionSearchIndex::DocumentWordsForTest(std::string_view text) {
    std::vector<std::string> words;
    ForEachDocumentWord(text, [&](const std::string& word) { words.push_back(word); });
    return words;
}

std::vector<std::string> ActionSearchIndex::GoalWordsForTest(std::string_view goal) {
    return GoalWords(goal);
}

boost::json::object DiscoveryOutput(std::string_view goal, std::span<const ActionMatch> matches) {
    boost::json::array items;
    items.reserve(matches.size());
    for (const auto& match : matches) {
        // Raw BM25 sums print as long binary fractions; three decimals rank just as well.
        const double score = std::max(std::round(match.score * 1000.0) / 1000.0, 0.001);
        items.push_back(boost::json::object{{"connectorId", match.connector->id},
                                            {"connectorName", match.connector->name},
                                            {"actionId", match.action->id},
                                            {"displayName", match.action->display_name},
                                            {"description", match.action->description},
                                            {"httpMethod", match.action->http_method},
                                            {"path", match.action->path},
                                            {"score", score}});
    }
    const std::size_t count = items.size();
    std::string message =
        count == 0 ? std::string(
                         "No matching actions found. Try other words, or call "
                         "list_connectors_alloy to see the available connectors and "
                         "get_connector_resources_alloy to browse their actions.")
                   : "Found " + std::to_string(count) +
                         " matching actions. Call get_action_details_alloy for parameters.";
    return boost::json::object{{"goal", goal},
                               {"matches", std::move(items)},
                               {"count", count},
                               {"message", std::move(message)}};
}

}  // namespace junction::mcp
