using System.Globalization;
using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.WidthVsDepth;

/// <summary>Summary, references and verdict of one minimum-width grid.</summary>
public static class MinWidthSummary
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string CellKey(string what, int width, int depth) => string.Create(C, $"{what}/w{width}/d{depth}");

    public static (Dictionary<string, double> Summary, string Verdict) Build(WidthVsDepthSettings settings, IReadOnlyList<WidthDepthResult> results)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(results);
        var summary = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var r in results)
        {
            summary[CellKey("test_mse", r.Width, r.Depth)] = r.TestMse;
            summary[CellKey("train_mse", r.Width, r.Depth)] = r.TrainMse;
        }
        var variance = MinWidthTarget.Variance(MinWidthTarget.Grid(2 * settings.Grid).Y);
        var width1 = results.Where(r => r.Width == 1).OrderBy(r => r.Depth).ToList();
        var widest = results.Where(r => r.Width == settings.MaxWidth).ToList();
        summary["variance"] = variance;
        summary["best_test_mse/w1"] = width1.Min(r => r.TestMse);
        summary["best_test_mse/widest"] = widest.Min(r => r.TestMse);
        // Depth's gain for width 1: the best of the deeper networks over the shallowest.
        if (width1.Count > 1) summary["plateau_ratio/w1"] = width1.Skip(1).Min(r => r.TestMse) / width1[0].TestMse;
        summary[RunResult.ParameterCountKey] = widest.Max(r => r.Parameters);
        var (best1, bestWide) = (summary["best_test_mse/w1"], summary["best_test_mse/widest"]);
        var verdict = string.Create(C,
            $"Width 1: test MSE {width1[0].TestMse:0.0000} at depth {width1[0].Depth}, best {best1:0.0000} over depths {width1[0].Depth}–{width1[^1].Depth} (variance {variance:0.0000}); width {settings.MaxWidth}: best {bestWide:0.0000}. The claim is judged across seeds by the study min-width-plateau.");
        return (summary, verdict);
    }

    public static List<ReferenceValue> References(WidthVsDepthSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var variance = MinWidthTarget.Variance(MinWidthTarget.Grid(2 * settings.Grid).Y);
        var references = new List<ReferenceValue>
        {
            new("best_test_mse/w1", "predict the mean (variance of f)", variance),
            new("best_test_mse/widest", "exact fit", 0),
            new("best_test_mse/widest", "predict the mean (variance of f)", variance),
        };
        foreach (var width in settings.Widths)
        {
            references.Add(new($"test_mse/w{width}", "predict the mean (variance of f)", variance));
            references.Add(new($"test_mse/w{width}", "exact fit", 0));
        }
        return references;
    }
}
