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

// API.md §4.5 field weights; kFieldWeights follows the order of Field.
enum class Field : std::size_t { kDisplayName, kActionId, kResource, kDescription, kConnector };
constexpr std::size_t kFieldCount = 5;
constexpr std::array<double, kFieldCount> kFieldWeights{3.0, 2.0, 1.0, 1.0, 2.0};
static_assert(static_cast<std::size_t>(Field::kConnector) == kFieldCount - 1,
              "the document-frequency count relies on the connector field sorting last");

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

    // Pass 1: each document's words by field, interned; field lengths; document frequencies.
    struct Occurrence {
        std::uint32_t term = 0;
        std::size_t field = 0;
        double count = 0.0;
    };
    std::unordered_map<std::string, std::uint32_t, WordHash, std::equal_to<>> ids;
    std::vector<std::size_t> plain_df;      // documents with the word outside the connector field
    std::vector<std::size_t> connector_df;  // connectors with the word in their id or name
    auto intern = [&](const std::string& word) {
        const auto [it, inserted] = ids.try_emplace(word, static_cast<std::uint32_t>(ids.size()));
        if (inserted) {
            plain_df.push_back(0);
            connector_df.push_back(0);
        }
        return it->second;
    };
    std::vector<std::vector<Occurrence>> occurrences(documents_.size());
    std::vector<std::array<double, kFieldCount>> lengths(documents_.size());
    std::array<double, kFieldCount> totals{};
    std::vector<std::pair<std::uint32_t, std::size_t>> bag;  // (term, field), one per word
    std::vector<std::uint32_t> connector_words;
    const connectors::ConnectorSpec* previous_connector = nullptr;
    for (std::size_t d = 0; d < documents_.size(); ++d) {
        const Document& document = documents_[d];
        if (document.connector != previous_connector) {
            // Connector id and name usually say the same word: each distinct word once. Counted
            // per connector for the document frequency, so naming a connector stays informative
            // however many actions it has (GitHub's import has 1,223).
            previous_connector = document.connector;
            connector_words.clear();
            auto add_connector = [&](const std::string& word) {
                const std::uint32_t term = intern(word);
                if (std::find(connector_words.begin(), connector_words.end(), term) ==
                    connector_words.end()) {
                    connector_words.push_back(term);
                    ++connector_df[term];
                }
            };
            ForEachDocumentWord(document.connector->id, add_connector);
            ForEachDocumentWord(document.connector->name, add_connector);
        }
        bag.clear();
        auto add = [&](std::string_view text, Field field) {
            ForEachDocumentWord(text, [&](const std::string& word) {
                bag.emplace_back(intern(word), static_cast<std::size_t>(field));
            });
        };
        add(document.action->display_name, Field::kDisplayName);
        add(document.action->id, Field::kActionId);
        add(document.action->resource, Field::kResource);
        add(document.action->description, Field::kDescription);
        for (const std::uint32_t term : connector_words) {
            bag.emplace_back(term, static_cast<std::size_t>(Field::kConnector));
        }
        std::sort(bag.begin(), bag.end());
        for (std::size_t i = 0; i < bag.size();) {
            std::size_t j = i;
            while (j < bag.size() && bag[j] == bag[i]) {
                ++j;
            }
            const auto count = static_cast<double>(j - i);
            occurrences[d].push_back(
                Occurrence{.term = bag[i].first, .field = bag[i].second, .count = count});
            lengths[d][bag[i].second] += count;
            totals[bag[i].second] += count;
            i = j;
        }
        // Sorted by (term, field) with the connector field last: a term's first occurrence is
        // outside the connector field exactly when it occurs there at all.
        for (std::size_t i = 0; i < occurrences[d].size(); ++i) {
            const Occurrence& occurrence = occurrences[d][i];
            if ((i == 0 || occurrences[d][i - 1].term != occurrence.term) &&
                occurrence.field != static_cast<std::size_t>(Field::kConnector)) {
                ++plain_df[occurrence.term];
            }
        }
    }
    if (documents_.empty()) {
        return;
    }

    // Pass 2 (BM25F): tf~ = sum over fields of weight * tf / (1 - b + b * length / average
    // length of that field), so a long description does not dilute a display-name hit.
    std::array<double, kFieldCount> averages{};
    for (std::size_t f = 0; f < kFieldCount; ++f) {
        averages[f] = totals[f] / static_cast<double>(documents_.size());
    }
    terms_.resize(ids.size());
    for (std::size_t d = 0; d < documents_.size(); ++d) {
        const auto& list = occurrences[d];
        for (std::size_t i = 0; i < list.size();) {
            double tf = 0.0;
            std::size_t j = i;
            for (; j < list.size() && list[j].term == list[i].term; ++j) {
                const std::size_t f = list[j].field;
                const double relative = averages[f] > 0.0 ? lengths[d][f] / averages[f] : 1.0;
                tf += kFieldWeights[f] * list[j].count / (1.0 - kB + kB * relative);
            }
            terms_[list[i].term].postings.push_back(
                Posting{.document = static_cast<std::uint32_t>(d), .tf = static_cast<float>(tf)});
            i = j;
        }
    }
    const auto n = static_cast<double>(documents_.size());
    for (const auto& [word, id] : ids) {
        Term& term = terms_[id];
        const double df = std::min(n, static_cast<double>(plain_df[id] + connector_df[id]));
        term.idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
        term.postings.shrink_to_fit();
    }
    lookup_ = std::move(ids);
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
        const auto found = lookup_.find(std::string_view(word));
        if (found == lookup_.end()) {
            continue;
        }
        const Term& term = terms_[found->second];
        for (const Posting& posting : term.postings) {
            const double tf = posting.tf;
            scores[posting.document] += term.idf * tf * (kK1 + 1.0) / (kK1 + tf);
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
