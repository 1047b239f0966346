#!/usr/bin/env bash
# Mutation testing with Stryker.NET (the dotnet-stryker local tool, dotnet-tools.json): plants small bugs in the
# code under test, one at a time, and runs the unit tests that cover each; a mutant no test fails on "survived".
# Slow (minutes to tens of minutes per target on 2 cores), so not part of CI or ./lab.sh test. Results and the
# survivors: docs/testing.md.
#
#   scripts/mutation-test.sh                  # every target below, one after the other
#   scripts/mutation-test.sh data sweeps      # only those targets
#   STRYKER_CONCURRENCY=1 scripts/mutation-test.sh sweeps   # fewer parallel test runners (default 2)
#   STRYKER_TEST_FILTER='FullyQualifiedName~X|…' scripts/mutation-test.sh verdicts   # a narrower test filter for
#                                             # one target (e.g. verdicts without its training tests; say so with the score)
#   scripts/mutation-test.sh data-metrics     # one part of data-sql (data-leaderboard, data-runs, data-schema)
#
# Each target writes test-results/mutation/<target>/reports/mutation-report.{json,html}; the summary lines (score,
# survivors with file:line and the mutation) are printed at the end by scripts/mutation-summary.py.
# (The body is one function, read whole before it runs; but bash reads on from its old byte offset after it returns,
# so edit this file during a run only by writing a new file and renaming it over this one.)
main() {
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/runtime-env.sh
dotnet tool restore >/dev/null

# The unit tests that can kill mutants of the scored code (SQLite-backed and pure ones; the TorchSharp training
# tests are left out: they are slow and do not cover these folders).
fast_tests='FullyQualifiedName~LayerLab.Tests.Unit.Compare|FullyQualifiedName~LayerLab.Tests.Unit.Leaderboard|FullyQualifiedName~LayerLab.Tests.Unit.Sweeps|FullyQualifiedName~LayerLab.Tests.Unit.Runs|FullyQualifiedName~LayerLab.Tests.Unit.Queue|FullyQualifiedName~LayerLab.Tests.Unit.Review|FullyQualifiedName~LayerLab.Tests.Unit.Contracts'

# target → source project | test filter | mutate globs (relative to the source project; '!' excludes)
declare -A project filter mutate
# src/Data in two parts: the statistics (Welch's test, Student t, sweep aggregation; ~10 min) and the SQL-backed
# rest (leaderboard sums and buckets, run list, history blobs; ~800 mutants, over an hour on 2 busy cores).
project[data]=LayerLab.Data.csproj
filter[data]='FullyQualifiedName~LayerLab.Tests.Unit.Compare|FullyQualifiedName~LayerLab.Tests.Unit.Sweeps|FullyQualifiedName~LayerLab.Tests.Unit.Leaderboard'
mutate[data]='**/Compare/**/*.cs **/Leaderboard/StudentT.cs **/Sweeps/SweepAggregation.cs'
project[data-sql]=LayerLab.Data.csproj
filter[data-sql]="$fast_tests"
# Migrations are generated; DI wiring and the design-time factory have no logic to mutate.
mutate[data-sql]='**/*.cs !**/Migrations/** !**/LabDbContextFactory.cs !**/DataServiceCollectionExtensions.cs !**/Compare/**/*.cs !**/Leaderboard/StudentT.cs !**/Sweeps/SweepAggregation.cs'
# data-sql is too big for one sitting (~800 mutants, > 1 h), so it is also split by folder, each part with only the
# tests that reach it (Stryker runs every filtered test that covers a mutant, so a narrow filter is most of the win).
# The four parts together mutate exactly what data-sql does.
# The metric history: ingestion's prepared statements, compaction into blobs, the compare page's history reader.
project[data-metrics]=LayerLab.Data.csproj
filter[data-metrics]='FullyQualifiedName~LayerLab.Tests.Unit.Compare|FullyQualifiedName~LayerLab.Tests.Unit.Metrics'
mutate[data-metrics]='**/Metrics/**/*.cs'
# Leaderboard sums, buckets and queries (StudentT is in 'data').
project[data-leaderboard]=LayerLab.Data.csproj
filter[data-leaderboard]='FullyQualifiedName~LayerLab.Tests.Unit.Leaderboard'
mutate[data-leaderboard]='**/Leaderboard/**/*.cs !**/Leaderboard/StudentT.cs'
# Run rows, transitions, the run list, the pending-run index, sweeps' progress and queries (SweepAggregation: 'data').
project[data-runs]=LayerLab.Data.csproj
filter[data-runs]='FullyQualifiedName~LayerLab.Tests.Unit.Runs|FullyQualifiedName~LayerLab.Tests.Unit.Queue|FullyQualifiedName~LayerLab.Tests.Unit.Sweeps'
mutate[data-runs]='**/Runs/**/*.cs **/Sweeps/**/*.cs !**/Sweeps/SweepAggregation.cs'
# Everything else: the DbContext's model and SQLite setup, triggers, entities (accounts, review, MLflow, datasets…).
project[data-schema]=LayerLab.Data.csproj
# Only the Schema tests that build the model afresh (EF caches it per process otherwise, so the broad filter killed
# model mutants only through whichever test built it first) and the setup/pragma/trigger tests.
filter[data-schema]='FullyQualifiedName~LayerLab.Tests.Unit.Schema.ModelSnapshotTests|FullyQualifiedName~LayerLab.Tests.Unit.Schema.StoredValuesTests|FullyQualifiedName~LayerLab.Tests.Unit.Schema.SqliteSetupTests'
mutate[data-schema]='**/*.cs !**/Migrations/** !**/LabDbContextFactory.cs !**/DataServiceCollectionExtensions.cs !**/Compare/**/*.cs !**/Leaderboard/**/*.cs !**/Sweeps/**/*.cs !**/Runs/**/*.cs !**/Metrics/**/*.cs'

project[sweeps]=LayerLab.Training.csproj
filter[sweeps]='FullyQualifiedName~LayerLab.Tests.Unit.Sweeps'
mutate[sweeps]='**/Sweeps/**/*.cs'

project[contracts]=LayerLab.Training.csproj
filter[contracts]='FullyQualifiedName~LayerLab.Tests.Unit.Contracts|FullyQualifiedName~LayerLab.Tests.Unit.Sweeps'
mutate[contracts]='**/Contracts/**/*.cs'

# The experiments' exact references and verdicts (pure arithmetic on the results). Only the tests that do not train:
# every tests/Unit/Experiments test would train TorchSharp models per mutant (hours on 2 cores), and the pure tests
# below reach every one of these files (hand-made outcomes, references against closed forms).
project[verdicts]=LayerLab.Training.csproj
filter[verdicts]='FullyQualifiedName~RunVerdictTextTests|FullyQualifiedName~IclLinRegReferenceTests|FullyQualifiedName~LinearPolicySummaryTextTests|FullyQualifiedName~TaskCountSummaryTests|FullyQualifiedName~TaskCountReferenceTests|FullyQualifiedName~IclReferenceEdgeTests|FullyQualifiedName~XorSummaryEdgeTests|FullyQualifiedName~IclTaskCountTests.Gamma_star_closed_form|FullyQualifiedName~IclTaskCountTests.Closed_form_risk|FullyQualifiedName~IclTaskCountTests.Bayes_ridge_risk|FullyQualifiedName~IclTaskCountTests.Pool_posterior|FullyQualifiedName~IclTaskCountTests.Full_model_risk|FullyQualifiedName~LinearPolicyTrainingTests.Summary_reports|FullyQualifiedName~XorPreluTests.Success_means|FullyQualifiedName~XorPreluTests.Exact_prelu_parameters|FullyQualifiedName~XorPreluTests.Success_band_is|FullyQualifiedName~XorPreluTests.Learning_rate_grid|FullyQualifiedName~WidthVsDepthTests.Target_grid'
mutate[verdicts]='**/Experiments/**/*Reference.cs **/Experiments/**/*Summary.cs'

# The study contract (aggregation over seeds, intervals, slopes) and every experiment's claim-level verdict.
project[studies]=LayerLab.Training.csproj
filter[studies]='FullyQualifiedName~LayerLab.Tests.Unit.Studies'
mutate[studies]='**/Studies/**/*.cs **/Experiments/**/*Studies.cs'

# The pure parts of the web project: queue order and start estimates, the compare request parser,
# safe comment Markdown, the leaderboard's configuration shape (the history reader RunHistory is in src/Data: data-sql).
project[web]=LayerLab.Web.csproj
# Only the test classes that reach these files: the SQLite-backed Queue, Compare and Leaderboard tests cover none of
# them and made the first run 35 minutes (Stryker runs every filtered test once before and once for coverage).
filter[web]='FullyQualifiedName~LayerLab.Tests.Unit.Queue.FairOrderTests|FullyQualifiedName~LayerLab.Tests.Unit.Queue.StartEstimatesTests|FullyQualifiedName~LayerLab.Tests.Unit.Queue.QueueEdgeTests|FullyQualifiedName~LayerLab.Tests.Unit.Review|FullyQualifiedName~LayerLab.Tests.Unit.Compare.CompareHistory|FullyQualifiedName~LayerLab.Tests.Unit.Leaderboard.ConfigurationShape'
mutate[web]='**/Queue/StartEstimates.cs **/Queue/FairOrder.cs **/Compare/CompareHistoryRequest.cs **/Review/CommentMarkdown.cs **/Leaderboard/ConfigurationShape.cs'

targets=("$@")
# The default runs data-sql in its four parts (the same mutants, each part with fewer tests).
[[ ${#targets[@]} -gt 0 ]] || targets=(data sweeps contracts verdicts studies web data-metrics data-leaderboard data-runs data-schema)
for target in "${targets[@]}"; do
  [[ -n "${project[$target]:-}" ]] || { echo "unknown target '$target' (known: ${!project[*]})" >&2; exit 2; }
  out="$root/test-results/mutation/$target"
  rm -rf "$out"
  args=()
  read -ra globs <<<"${mutate[$target]}"   # split on spaces, no pathname expansion
  for glob in "${globs[@]}"; do args+=(--mutate "$glob"); done
  echo "== $target: ${project[$target]} (${mutate[$target]})"
  (cd tests/Unit && dotnet stryker --skip-version-check --configuration Release \
      --project "${project[$target]}" --test-case-filter "${STRYKER_TEST_FILTER:-${filter[$target]}}" "${args[@]}" \
      --concurrency "${STRYKER_CONCURRENCY:-2}" --reporter Json --reporter Html --reporter Progress \
      --output "$out")
done
python3 scripts/mutation-summary.py "${targets[@]/#/$root/test-results/mutation/}"
}
main "$@"
exit
