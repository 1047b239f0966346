using LayerLab.Data;
using LayerLab.Data.Leaderboard;
using LayerLab.Data.Review;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Web.Leaderboard;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Components.Leaderboard;

/// <summary>The leaderboard's query-string state, its queries and the links it builds (markup in the .razor file).</summary>
public partial class LeaderboardPage
{
    [SupplyParameterFromQuery] public string? Experiment { get; set; }
    [SupplyParameterFromQuery] public string? Metric { get; set; }
    [SupplyParameterFromQuery] public long? Layers { get; set; }
    [SupplyParameterFromQuery] public double? Budget { get; set; }
    [SupplyParameterFromQuery] public int? Days { get; set; }
    [SupplyParameterFromQuery] public bool? Pareto { get; set; }
    /// <summary>"any" shows every review state; a state name (or several, comma-separated) just those; the default only approved runs.</summary>
    [SupplyParameterFromQuery] public string? Review { get; set; }
    [SupplyParameterFromQuery] public string? Tag { get; set; }
    /// <summary>Finished from / to (inclusive) these days, yyyy-MM-dd, UTC.</summary>
    [SupplyParameterFromQuery] public string? From { get; set; }
    [SupplyParameterFromQuery] public string? To { get; set; }
    /// <summary>"budget" shows the budget view instead of the table.</summary>
    [SupplyParameterFromQuery] public string? View { get; set; }
    /// <summary>The SHA-256 of the dataset whose runs are ranked (default: the experiment's most used).</summary>
    [SupplyParameterFromQuery] public string? Dataset { get; set; }

    /// <summary>The table shows the top 100; the budget view plots up to 500 configurations.</summary>
    private const int TableRows = 100, ChartRows = 500;

    /// <summary>Runs trained elsewhere share the experiment key "external" (see the HTTP API).</summary>
    private const string External = "external";

    [SupplyParameterFromQuery] public bool? Higher { get; set; }

    private IExperiment? _experiment;
    private List<string> _externalKeys = [];
    private List<LeaderboardRow> _rows = [];
    private List<LeaderboardReference> _references = [];
    private List<LeaderboardDataset> _datasets = [];
    private string? _datasetShown;
    private Dictionary<string, string[]> _errors = [];
    private bool _maximize, _filtered;
    private ComputeMeasure _compute = new(false);
    private readonly Dictionary<string, ConfigurationShape> _shapes = new(StringComparer.Ordinal);

    protected override async Task OnParametersSetAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync(ComponentToken);
        bool maximize;
        if (Experiment == External)
        {
            _experiment = null;
            _externalKeys = await db.LatestMetrics
                .Where(m => db.Runs.Any(r => r.Id == m.RunId && r.Source == RunSource.External))
                .Select(m => m.Key).Distinct().OrderBy(k => k).ToListAsync(ComponentToken);
            if (!_externalKeys.Contains(Metric ?? "")) Metric = _externalKeys.FirstOrDefault();
            if (Metric is null) { _rows = []; _references = []; return; }
            maximize = Higher == true;
        }
        else
        {
            _externalKeys = [];
            _experiment = Catalog.Find(Experiment ?? "") ?? (Catalog.All.Count > 0 ? Catalog.All[0] : null);
            Experiment = _experiment?.Key;
            if (_experiment is null) return;
            if (_experiment.Metrics.All(m => m.Key != Metric)) Metric = _experiment.PrimaryMetric;
            maximize = _experiment.Metrics.FirstOrDefault(m => m.Key == Metric)?.Direction == MetricDirection.Maximize;
        }
        _maximize = maximize;
        _compute = ComputeMeasure.For(_experiment);
        _shapes.Clear();
        var (parsed, errors) = LeaderboardFilterQuery.Parse(Review, Tag, From, To, Days, Layers, Budget, DateTimeOffset.UtcNow, _experiment, Dataset);
        _errors = errors;
        _filtered = Layers is not null || Budget is not null || Days is not null || Tag is not null || From is not null || To is not null;
        if (parsed is null) { _rows = []; _references = []; _datasets = []; _datasetShown = null; return; }
        var (filter, datasets) = await LeaderboardFilterQuery.WithDatasetAsync(db, Experiment!, parsed, ComponentToken);
        (_datasets, _datasetShown) = (datasets, filter.DatasetSha256);
        _rows = LayerLab.Data.Leaderboard.Pareto.Mark(
            await db.LeaderboardAsync(Experiment!, Metric!, maximize, filter, 0, View == "budget" ? ChartRows : TableRows, ComponentToken), maximize);
        if (Pareto == true) _rows = _rows.Where(r => r.OnParetoFront).ToList();
        _references = await db.LeaderboardReferencesAsync(Experiment!, Metric!, ComponentToken, filter.DatasetSha256);
    }

    private void SetExperiment(string key) => Navigation.NavigateTo($"/leaderboard?experiment={Uri.EscapeDataString(key)}");

    private void SetMetric(string key) => Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("metric", key));

    private void SetLayers(long? value) => Go("layers", value);
    private void SetBudget(double? value) => Go("budget", value);
    private void SetDays(int? value) => Go("days", value);
    private void SetPareto(bool value) => Go("pareto", value ? true : null);
    private void SetReview(string value) => Go("review", string.IsNullOrEmpty(value) ? null : value);
    private void SetTag(string? value) => Go("tag", string.IsNullOrWhiteSpace(value) ? null : value.Trim());
    private void SetDataset(string value) => Go("dataset", value);
    private void SetView(int index) => Go("view", index == 1 ? "budget" : null);

    private void SetFrom(ChangeEventArgs e) => Go("from", Blank(e.Value));
    private void SetTo(ChangeEventArgs e) => Go("to", Blank(e.Value));
    private static string? Blank(object? value) => value as string is { Length: > 0 } text ? text : null;
    private static string Dash(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "–";

    private ConfigurationShape Shape(LeaderboardRow row)
    {
        if (!_shapes.TryGetValue(row.ParametersJson, out var shape))
            _shapes[row.ParametersJson] = shape = ConfigurationShape.Of(row.ParametersJson, _experiment);
        return shape;
    }

    private List<BudgetChart.Point> BudgetPoints(Func<LeaderboardRow, double?> x) => _rows
        .Select(r => x(r) is { } value ? new BudgetChart.Point(ConfigurationLabel.Of(r.ParametersJson, _experiment), value, r.Mean, Shape(r).Layers, r.N) : null)
        .OfType<BudgetChart.Point>().ToList();

    /// <summary>The CSV link carries the same filters as the page.</summary>
    private string CsvLink => "/api/leaderboard.csv" + new QueryString().Add("experiment", Experiment ?? "").Add("metric", Metric ?? "")
        .AddIf("dataset", _datasetShown).AddIf("review", Review).AddIf("tag", Tag).AddIf("from", From).AddIf("to", To)
        .AddIf("days", Days?.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .AddIf("layers", Layers?.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .AddIf("budget", Budget?.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .AddIf("higher", Higher == true ? "true" : null);
    private void SetHigher(bool value) => Go("higher", value ? true : null);

    // A null value removes the filter from the address (cleared field).
    private void Go(string name, object? value) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { [name] = value }));
}
