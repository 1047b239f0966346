using System.Globalization;
using LayerLab.Training.Studies;

namespace LayerLab.Training.Experiments.XorPrelu;

/// <summary>
/// The paper's figure: success rate against learning rate per model family, for both input codings and two
/// initialisation scales, so the {0,1} result (a zero-gradient minimum at w₁ = w₂ = ⅓) is shown, not hidden.
/// </summary>
public static class XorPreluStudies
{
    public const string PaperCoding = "01";
    public const string PaperInit = "1";
    private static readonly XorModel[] Judged = [XorModel.Prelu, XorModel.Mlp, XorModel.Gcu];
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static StudyDefinition SuccessVsLearningRate { get; } = new()
    {
        Key = "success-vs-lr",
        Title = "Success vs learning rate, per model, both input codings",
        Claim = "A single PReLU neuron keeps 100% success on XOR over a wider range of learning rates than a 2-2-1 MLP " +
                "and a GCU neuron (arXiv 2409.10821, on {0,1}² inputs).",
        Thresholds = "A grid learning rate is at 100% for a model when every trial of every seed " +
                     "solved XOR there (mean success = 1, n ≥ 3 seeds). The claim holds in a configuration when PReLU's " +
                     "longest contiguous run of such learning rates has strictly more grid points than the MLP's and the " +
                     "GCU's. The outcome is judged in the paper's setting ({0,1} inputs, PyTorch's default init scale 1); " +
                     "the ±1 coding and init scale 0.1 are reported alongside to explain it.",
        Axes = [new StudyAxis("input_coding", [PaperCoding, "pm1"]), new StudyAxis("init_scale", [PaperInit, "0.1"])],
        Seeds = 5,
        MinSeeds = 3,
        Figure = new StudyFigure("learning rate", "success rate (share of trials)", "model · coding · init", LogX: true, YMin: 0, YMax: 1),
        // The paper's figure is not available offline, so no numbers of its are drawn (none invented).
        Paper = [],
        TableMetrics = ["band_points/prelu", "band_points/mlp", "band_points/gcu", "success/prelu", "ref_distance/prelu"],
        SecondsPerJob = _ => 4,
        Observe = Observe,
        Verdict = Verdict,
    };

    public static IReadOnlyList<StudyDefinition> All { get; } = [SuccessVsLearningRate];

    public static string SeriesName(XorModel model, string coding, string init) =>
        $"{XorModels.DisplayName(model)} · {(coding == "01" ? "{0,1}" : "±1")} · init {init}";

    private static IEnumerable<StudyObservation> Observe(StudyRun run)
    {
        var (coding, init) = (run.Parameter("input_coding"), run.Parameter("init_scale"));
        foreach (var model in Judged)
        {
            var prefix = $"success/{XorModels.Key(model)}@lr=";
            foreach (var (key, value) in run.Summary!)
            {
                if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
                if (double.TryParse(key.AsSpan(prefix.Length), NumberStyles.Float, C, out var lr))
                    yield return new StudyObservation(SeriesName(model, coding, init), lr, value);
            }
        }
    }

    /// <summary>Grid points (sorted by lr) of the longest run where every seed had 100% success.</summary>
    public static SuccessBand Band(StudyResults results, string series)
    {
        ArgumentNullException.ThrowIfNull(results);
        var points = results.PointsOf(series);
        return SuccessBand.Longest(points.Select(p => p.X).ToList(),
            points.Select(p => p.N >= results.MinSeeds && p.Mean >= 1 - 1e-12).ToList());
    }

    public static StudyVerdict Verdict(StudyResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Guard() is { } early) return early;
        var configurations = results.Series.Select(s => s.Name).Where(n => n.StartsWith("PReLU ·", StringComparison.Ordinal))
            .Select(n => n["PReLU · ".Length..]).Distinct().ToList();
        foreach (var configuration in configurations)
        foreach (var model in Judged)
        {
            var name = $"{XorModels.DisplayName(model)} · {configuration}";
            var thin = results.PointsOf(name).FirstOrDefault(p => p.N < results.MinSeeds);
            if (results.PointsOf(name).Count == 0 || thin is not null)
                return StudyVerdict.Inconclusive($"Too few seeds: {name} has a learning rate with n < {results.MinSeeds}.");
        }
        var paper = SeriesName(XorModel.Prelu, PaperCoding, PaperInit)["PReLU · ".Length..];
        if (!configurations.Contains(paper))
            return StudyVerdict.Inconclusive($"The paper's setting ({paper}) was not part of this study.");

        var lines = configurations.Select(c => Describe(results, c)).ToList();
        var holds = Holds(results, paper);
        var head = holds
            ? $"Reproduced in the paper's setting ({paper}): PReLU's 100% band is strictly wider than the MLP's and the GCU's."
            : $"Not reproduced in the paper's setting ({paper}): PReLU's 100% band is not strictly wider than both the MLP's and the GCU's.";
        return new StudyVerdict(holds ? StudyOutcome.Reproduced : StudyOutcome.NotReproduced, head + " " + string.Join(" ", lines));
    }

    private static bool Holds(StudyResults results, string configuration)
    {
        var prelu = Band(results, $"PReLU · {configuration}").Points;
        return prelu > Band(results, $"MLP · {configuration}").Points && prelu > Band(results, $"GCU · {configuration}").Points;
    }

    private static string Describe(StudyResults results, string configuration)
    {
        string Of(XorModel m)
        {
            var name = $"{XorModels.DisplayName(m)} · {configuration}";
            var band = Band(results, name);
            var best = results.PointsOf(name).Max(p => p.Mean);
            return band.Points == 0
                ? string.Create(C, $"{XorModels.DisplayName(m)} never 100% (best mean {best:0.00})")
                : string.Create(C, $"{XorModels.DisplayName(m)} 100% on {band.Points} grid points (lr {band.LrLow:G3}–{band.LrHigh:G3})");
        }
        return $"[{configuration}: {string.Join(", ", Judged.Select(Of))}; claim {(Holds(results, configuration) ? "holds" : "fails")}.]";
    }
}
