using System.Text.Json.Serialization;

namespace LayerLab.Training.Studies;

/// <summary>What a study concluded about the paper's claim.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StudyOutcome>))]
public enum StudyOutcome { Reproduced, NotReproduced, Inconclusive }

/// <summary>The claim-level verdict: an outcome and a sentence with the numbers it rests on.</summary>
public sealed record StudyVerdict(StudyOutcome Outcome, string Text)
{
    public static StudyVerdict Reproduced(string text) => new(StudyOutcome.Reproduced, text);
    public static StudyVerdict NotReproduced(string text) => new(StudyOutcome.NotReproduced, text);
    public static StudyVerdict Inconclusive(string text) => new(StudyOutcome.Inconclusive, text);
}

/// <summary>One swept parameter of a study and its values (as parameter text, validated by the experiment's specs).</summary>
public sealed record StudyAxis(string Parameter, IReadOnlyList<string> Values);

/// <summary>How the study's figure is drawn: x and y labels, log axes, and what a series is.</summary>
/// <param name="X">Label of the x axis (a parameter or a per-run quantity such as the learning rate of a grid point).</param>
/// <param name="Y">Label of the y axis (a summary metric, aggregated over seeds: mean and 95% t-interval).</param>
/// <param name="Series">What distinguishes the lines (e.g. "model").</param>
/// <param name="YMin">Lowest value y can take (0 for a rate), or null. The t-interval is clipped to it: a success rate
/// of 0.9 ± 0.2 is drawn as [0.7, 1], never up to 1.1, which no seed could reach.</param>
/// <param name="YMax">Highest value y can take (1 for a rate), or null.</param>
public sealed record StudyFigure(string X, string Y, string Series, bool LogX = false, bool LogY = false,
    double? YMin = null, double? YMax = null);

/// <summary>A further figure of the same runs, drawn below the main one: the named series (which the main figure may
/// leave out with <c>Plot: false</c>) on their own y axis, e.g. step time beside accuracy. Its intervals are computed
/// from the seeds' values again and clipped to this figure's own bounds.</summary>
public sealed record StudyExtraFigure(StudyFigure Figure, IReadOnlyList<string> Series);

/// <summary>A number the paper itself reports, drawn as a marker next to ours.</summary>
/// <param name="Source">Where in the paper (e.g. "arXiv 2409.10821, Fig. 3").</param>
public sealed record PaperPoint(string Series, double X, double Y, string Source);

/// <summary>One value a finished run contributes to the figure: series, x and y. A run may contribute many
/// (xor-prelu reports every learning rate of its grid in one run).</summary>
/// <param name="Plot">False for values the verdict needs but the figure does not draw (other units).</param>
public sealed record StudyObservation(string Series, double X, double Y, bool Plot = true);

public enum StudyRunState { Pending, Succeeded, Failed }

/// <summary>One run of a study as the aggregation sees it: its configuration (parameter text), seed, state and
/// summary metrics (null until it succeeded).</summary>
public sealed record StudyRun(
    IReadOnlyDictionary<string, string> Parameters, long Seed, StudyRunState State, IReadOnlyDictionary<string, double>? Summary)
{
    public string Parameter(string name) => Parameters.TryGetValue(name, out var v) ? v : "";
}

/// <summary>
/// A claim checked across runs: configurations (the cartesian product of <see cref="Axes"/> over the base
/// <see cref="Parameters"/>) × <see cref="Seeds"/> seeds, run as a sweep. <see cref="Observe"/> turns each
/// finished run into figure points; <see cref="StudyAggregation"/> averages them over seeds; <see cref="Verdict"/>
/// is a pure function of the aggregate, with its thresholds written in <see cref="Thresholds"/> before any data
/// was seen.
/// </summary>
public sealed record StudyDefinition
{
    public required string Key { get; init; }
    public required string Title { get; init; }
    /// <summary>The claim the study tests, in the paper's words where possible.</summary>
    public required string Claim { get; init; }
    /// <summary>The verdict's rule, in words, fixed before measuring.</summary>
    public required string Thresholds { get; init; }
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<StudyAxis> Axes { get; init; } = [];
    /// <summary>Combinations of axis values that are not run (a knob only some models have).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Exclude { get; init; } = [];
    public int Seeds { get; init; } = 3;
    /// <summary>Fewer succeeded seeds than this at any point makes the verdict Inconclusive.</summary>
    public int MinSeeds { get; init; } = 2;
    public required StudyFigure Figure { get; init; }
    /// <summary>Figures drawn below <see cref="Figure"/> from the same runs (another quantity, another y axis).</summary>
    public IReadOnlyList<StudyExtraFigure> MoreFigures { get; init; } = [];
    public IReadOnlyList<PaperPoint> Paper { get; init; } = [];
    /// <summary>Summary metrics shown per configuration in the study's table (mean over seeds).</summary>
    public IReadOnlyList<string> TableMetrics { get; init; } = [];
    /// <summary>Measured wall seconds of one configuration's job on the 2-core reference machine (all its seeds
    /// when the experiment batches seeds, else one seed); the estimate shown before queueing.</summary>
    public required Func<IReadOnlyDictionary<string, string>, double> SecondsPerJob { get; init; }
    public required Func<StudyRun, IEnumerable<StudyObservation>> Observe { get; init; }
    public required Func<StudyResults, StudyVerdict> Verdict { get; init; }
    /// <summary>False for a study without a claim fixed before measuring (a saved sweep): no verdict is shown.</summary>
    public bool HasVerdict { get; init; } = true;

    public int Configurations => StudyPlan.Configurations(this).Count();
    public int Runs => Configurations * Seeds;
}

/// <summary>Experiments that declare studies (in their own folder, next to the experiment).</summary>
public interface IHasStudies
{
    IReadOnlyList<StudyDefinition> Studies { get; }
}
