using System.Globalization;
using System.Text.RegularExpressions;
using LayerLab.Data;
using LayerLab.Data.Leaderboard;
using LayerLab.Data.Review;
using LayerLab.Training.Contracts;

namespace LayerLab.Web.Leaderboard;

/// <summary>
/// The leaderboard's filters as they appear in its address and in the CSV link, parsed in one place:
/// review (empty: approved only; "any"; or state names, comma-separated), tag, from/to (yyyy-MM-dd, UTC, "to" inclusive),
/// days (last N days), layers (compared with the experiment's knob of role Layers; see <see cref="LayersKnob"/>),
/// budget (max parameters), dataset (a SHA-256; see <see cref="WithDatasetAsync"/>).
/// </summary>
public static partial class LeaderboardFilterQuery
{
    public const string AnyReview = "any";

    /// <returns>The filter, or the errors by field name (nothing is queried then).</returns>
    public static (LeaderboardFilter? Filter, Dictionary<string, string[]> Errors) Parse(
        string? review, string? tag, string? from, string? to, int? days, long? layers, double? budget, DateTimeOffset now,
        IExperiment? experiment, string? dataset = null)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        IReadOnlyList<ReviewState>? states = [ReviewState.Approved];
        if (string.Equals(review, AnyReview, StringComparison.OrdinalIgnoreCase)) states = null;
        else if (!string.IsNullOrWhiteSpace(review))
        {
            var parsed = new List<ReviewState>();
            foreach (var name in review.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Enum.TryParse<ReviewState>(name, ignoreCase: true, out var state) && Enum.IsDefined(state) && !int.TryParse(name, out _)) parsed.Add(state);
                else errors["review"] = [$"'{Shorten(name)}' is not a review state ({string.Join(", ", Enum.GetNames<ReviewState>())} or any)."];
            }
            states = parsed.Distinct().ToList();
        }
        if (tag is not null && (tag.Length is 0 or > RunTag.MaxLength || !TagPattern().IsMatch(tag)))
            errors["tag"] = [$"A tag is 1–{RunTag.MaxLength} characters of a-z 0-9 - _ ."];
        var since = Date(from, "from", errors);
        var until = Date(to, "to", errors)?.AddDays(1); // "to" names a day and includes it
        if (days is { } d)
        {
            if (d is < 1 or > 100_000) errors["days"] = ["days must be between 1 and 100000."];
            else if (now.AddDays(-d) is var recent && (since is null || recent > since)) since = recent;
        }
        if (budget is { } b && !(double.IsFinite(b) && b > 0)) errors["budget"] = ["budget must be a positive number of parameters."];
        if (layers is < 1) errors["layers"] = ["layers must be at least 1."];
        if (dataset is not null && !Sha256Pattern().IsMatch(dataset))
            errors["dataset"] = ["dataset must be a SHA-256 as 64 lowercase hex digits."];
        if (errors.Count > 0) return (null, errors);
        return (new LeaderboardFilter(layers, budget, since, ReviewStates: states, Tag: tag, FinishedBefore: until,
            DatasetSha256: dataset, LayersKnob: LayersKnob(experiment)), errors);
    }

    /// <summary>
    /// The parameter a layers filter reads: the experiment's knob of role <see cref="ParameterRole.Layers"/> (so a knob
    /// named "depth" is found), or none when it has no such knob; runs without an experiment (external) under the
    /// conventional "layers", as <see cref="ConfigurationShape"/> reads them. The name comes from the catalog's
    /// specs, never from the request, and must be a plain member name (the query binds it as a JSON path member).
    /// </summary>
    public static string? LayersKnob(IExperiment? experiment)
    {
        if (experiment is null) return LeaderboardFilter.ConventionalLayersKnob;
        var name = experiment.Parameters.FirstOrDefault(p => p.Role == ParameterRole.Layers)?.Name;
        if (name is not null && !LeaderboardFilter.IsKnobName(name))
            throw new InvalidOperationException($"{experiment.Key}'s layers knob '{name}' is not a plain parameter name.");
        return name;
    }

    /// <summary>Dates far from any run are refused: the day after 9999-12-31 (the inclusive "to") is past DateTime's range.</summary>
    private static readonly DateOnly EarliestDate = new(1900, 1, 1), LatestDate = new(9000, 12, 31);

    private static DateTimeOffset? Date(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) &&
            date >= EarliestDate && date <= LatestDate)
            return new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        errors[field] = [$"{field} must be a date as yyyy-MM-dd between 1900-01-01 and 9000-12-31."];
        return null;
    }

    /// <summary>
    /// Runs on different data are never ranked together: when the experiment's runs trained on datasets and the address
    /// names none, the leaderboard shows the most used hash. Returns the filter to query and the hashes to choose from.
    /// </summary>
    public static async Task<(LeaderboardFilter Filter, List<LeaderboardDataset> Datasets)> WithDatasetAsync(
        LabDbContext db, string experiment, LeaderboardFilter filter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        var datasets = await db.LeaderboardDatasetsAsync(experiment, ct);
        if (filter.DatasetSha256 is null && datasets.Count > 0) filter = filter with { DatasetSha256 = datasets[0].Sha256 };
        return (filter, datasets);
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    [GeneratedRegex(@"^[0-9a-f]{64}\z")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex(@"^[a-z0-9._-]+\z")] // \z, not $: $ also matches before a final newline
    private static partial Regex TagPattern();
}
