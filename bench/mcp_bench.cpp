// MCP's pure components on realistic data: discover_action_path_alloy over the built-in catalog
// with GitHub replaced by its full imported OpenAPI document (1,223 actions), and result
// shaping of a list that gets cut. Target (API.md §4.5 work item): a query < 1 ms.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "junction/connectors/catalog.hpp"
#include "junction/connectors/openapi_import.hpp"
#include "junction/mcp/action_search.hpp"
#include "junction/mcp/result_shaping.hpp"

namespace {

using junction::mcp::ActionSearchIndex;

// Built-in catalog plus GitHub's full document imported as `github` (replacing the built-in
// one), as an operator would run `junction catalog import`. Exits on failure: a benchmark
// over a half-loaded catalog would measure the wrong thing.
const junction::connectors::Catalog& BenchCatalog() {
    static const junction::connectors::Catalog catalog = [] {
        auto document = junction::connectors::ReadOpenApiFile(JUNCTION_BENCH_GITHUB_OPENAPI);
        if (!document) {
            std::fprintf(stderr, "mcp_bench: %s\n", document.error().message.c_str());
            std::exit(1);  // NOLINT(concurrency-mt-unsafe): before any benchmark thread
        }
        auto imported = junction::connectors::ImportOpenApi(
            *document, junction::connectors::ImportOptions{.id = "github"});
        if (!imported) {
            std::fprintf(stderr, "mcp_bench: %s\n", imported.error().message.c_str());
            std::exit(1);  // NOLINT(concurrency-mt-unsafe)
        }
        const std::vector<junction::connectors::CatalogSource> overrides{
            {.name = "imported/github.yaml",
             .text = junction::connectors::ConnectorToYaml(imported->connector)}};
        auto loaded =
            junction::connectors::Catalog::Load(junction::connectors::BuiltInCatalog(), overrides);
        if (!loaded) {
            std::fprintf(stderr, "mcp_bench: %s\n", loaded.error().message.substr(0, 2000).c_str());
            std::exit(1);  // NOLINT(concurrency-mt-unsafe)
        }
        return std::move(*loaded);
    }();
    return catalog;
}

const ActionSearchIndex& BenchIndex() {
    static const ActionSearchIndex index(BenchCatalog());
    return index;
}

bool AllowAll(std::string_view /*connector*/, std::string_view /*action*/) {
    return true;
}

void BM_DiscoverBuildIndex(benchmark::State& state) {
    const auto& catalog = BenchCatalog();
    for (auto _ : state) {
        ActionSearchIndex index(catalog);
        benchmark::DoNotOptimize(index);
    }
    state.counters["actions"] = static_cast<double>(catalog.ActionCount());
}
BENCHMARK(BM_DiscoverBuildIndex)->Unit(benchmark::kMillisecond);

// One goal per benchmark argument; the label shows the top match so a ranking regression is
// visible in the same output.
constexpr std::string_view kGoals[] = {
    "create github issue",
    "send a slack message",
    "list review comments on a pull request",
    "I want to find every open issue assigned to me in my repositories and add a label",
    "github",
    "the of and to",
};

void BM_DiscoverSearch(benchmark::State& state) {
    const auto& index = BenchIndex();
    const std::string_view goal = kGoals[state.range(0)];
    std::size_t count = 0;
    for (auto _ : state) {
        auto matches = index.Search(goal, AllowAll);
        count = matches.size();
        benchmark::DoNotOptimize(matches);
    }
    const auto top = index.Search(goal, AllowAll, 1);
    state.SetLabel(std::string(goal) + " -> " +
                   (top.empty() ? std::string("(none)")
                                : top.front().connector->id + "/" + top.front().action->id) +
                   " (" + std::to_string(count) + " matches)");
    state.counters["documents"] = static_cast<double>(index.DocumentCount());
}
BENCHMARK(BM_DiscoverSearch)->DenseRange(0, std::size(kGoals) - 1)->Unit(benchmark::kMicrosecond);

// A server that hides GitHub: every GitHub hit is filtered out after ranking.
void BM_DiscoverSearchGithubHidden(benchmark::State& state) {
    const auto& index = BenchIndex();
    const auto no_github = [](std::string_view connector, std::string_view /*action*/) {
        return connector != "github";
    };
    for (auto _ : state) {
        auto matches = index.Search("create github issue", no_github);
        benchmark::DoNotOptimize(matches);
    }
}
BENCHMARK(BM_DiscoverSearchGithubHidden)->Unit(benchmark::kMicrosecond);

// 40 issue-like objects with a nested label list each: cut to 25, every string walked.
boost::json::object IssuesOutput() {
    boost::json::array issues;
    for (int i = 0; i < 40; ++i) {
        boost::json::array labels;
        for (int j = 0; j < 30; ++j) {
            labels.push_back(boost::json::object{{"id", j}, {"name", "label"}});
        }
        issues.push_back(boost::json::object{{"number", i},
                                             {"title", "An issue title of ordinary length"},
                                             {"body", std::string(2000, 'b')},
                                             {"labels", std::move(labels)}});
    }
    return boost::json::object{
        {"success", true}, {"statusCode", 200}, {"result", std::move(issues)}};
}

void BM_ShapeExecuteOutput(benchmark::State& state) {
    const boost::json::object output = IssuesOutput();
    const junction::connectors::ActionSpec action;
    for (auto _ : state) {
        auto shaped = junction::mcp::ShapeExecuteOutput(output, action);  // includes the copy
        benchmark::DoNotOptimize(shaped);
    }
}
BENCHMARK(BM_ShapeExecuteOutput)->Unit(benchmark::kMicrosecond);

// The copy of the input alone, to tell shaping from copying in the figure above.
void BM_ShapeInputCopyOnly(benchmark::State& state) {
    const boost::json::object output = IssuesOutput();
    for (auto _ : state) {
        boost::json::object copy = output;
        benchmark::DoNotOptimize(copy);
    }
}
BENCHMARK(BM_ShapeInputCopyOnly)->Unit(benchmark::kMicrosecond);

// `mcp_bench --explain`: the top 5 of every goal with scores, to judge ranking changes.
void Explain() {
    for (const std::string_view goal : kGoals) {
        std::printf("%.*s\n", static_cast<int>(goal.size()), goal.data());
        for (const auto& match : BenchIndex().Search(goal, AllowAll, 5)) {
            std::printf("  %8.3f  %s/%s  (%s)\n",
                        match.score,
                        match.connector->id.c_str(),
                        match.action->id.c_str(),
                        match.action->display_name.c_str());
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string_view(argv[1]) == "--explain") {
        Explain();
        return 0;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
