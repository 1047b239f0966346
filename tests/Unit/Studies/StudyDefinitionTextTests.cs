using System.Globalization;
using System.Text;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.IclLinReg;
using LayerLab.Training.Experiments.IclRetrieval;
using LayerLab.Training.Experiments.IclTaskCount;
using LayerLab.Training.Experiments.LinearPolicy;
using LayerLab.Training.Experiments.MarkovIcl;
using LayerLab.Training.Experiments.RefexCompose;
using LayerLab.Training.Experiments.TinyLm;
using LayerLab.Training.Experiments.WideAttention;
using LayerLab.Training.Experiments.WidthVsDepth;
using LayerLab.Training.Experiments.XorPrelu;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

/// <summary>
/// What the portal shows for a declared study before any run: the claim (with the paper it quotes), the rule fixed
/// before measuring, the swept axes, the figure's labels and bounds, the table's metrics and the time estimate per
/// configuration. Pinned word for word (Golden/study-definitions.json): a rule or label changed by accident, or a
/// threshold in the rule's words drifting from the code's, fails here.
/// </summary>
public sealed class StudyDefinitionTextTests
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    private static IReadOnlyList<StudyDefinition> Declared() =>
    [
        .. XorPreluStudies.All, .. IclLinRegStudies.All, .. IclTaskCountStudies.All, .. MarkovIclStudies.All,
        .. RefexComposeStudies.All, .. IclRetrievalStudies.All, .. LinearPolicyStudies.All, .. WidthVsDepthStudies.All,
        .. WideAttentionStudies.All, .. TinyLmStudies.All,
    ];

    public static TheoryData<string> Keys()
    {
        var data = new TheoryData<string>();
        foreach (var study in Declared()) data.Add(study.Key);
        return data;
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Claim_rule_axes_figure_and_estimate_are_the_documented_ones(string key)
    {
        var study = Declared().Single(s => s.Key == key);
        GoldenText.Text("study-definitions.json", key, Render(study));
    }

    [Fact]
    public void Study_keys_are_unique()
    {
        Assert.Equal(Declared().Count, Declared().Select(s => s.Key).Distinct().Count());
    }

    /// <summary>Every field a user sees, one per line; the estimate for each configuration the study runs.</summary>
    internal static string Render(StudyDefinition s)
    {
        var text = new StringBuilder();
        void Line(string name, object? value) => text.Append(name).Append(": ").Append(string.Create(C, $"{value}")).Append('\n');
        static string Map(IReadOnlyDictionary<string, string> d) => string.Join(", ", d.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        Line("title", s.Title);
        Line("claim", s.Claim);
        Line("thresholds", s.Thresholds);
        Line("has verdict", s.HasVerdict);
        Line("parameters", Map(s.Parameters));
        Line("axes", string.Join("; ", s.Axes.Select(a => $"{a.Parameter} [{string.Join(", ", a.Values)}]")));
        Line("exclude", string.Join("; ", s.Exclude.Select(Map)));
        Line("seeds", $"{s.Seeds} (at least {s.MinSeeds})");
        Line("figure", Figure(s.Figure));
        foreach (var extra in s.MoreFigures) Line("more figure", $"{Figure(extra.Figure)} of [{string.Join(", ", extra.Series)}]");
        foreach (var p in s.Paper) Line("paper", string.Create(C, $"{p.Series} at x={p.X:R}: {p.Y:R} ({p.Source})"));
        Line("table", string.Join(", ", s.TableMetrics));
        Line("configurations", s.Configurations);
        foreach (var configuration in StudyPlan.Configurations(s))
            Line("seconds per job", string.Create(C, $"{s.SecondsPerJob(configuration):R} for {Map(configuration)}"));
        // Parameters left out fall back to the experiment's defaults in the estimate.
        Line("seconds per job, no parameters", Safe(() => s.SecondsPerJob(new Dictionary<string, string>())));
        return text.ToString();
    }

    private static string Safe(Func<double> f)
    {
        try { return f().ToString("R", C); }
        catch (Exception e) { return e.GetType().Name; }
    }

    private static string Figure(StudyFigure f) =>
        string.Create(C, $"x '{f.X}'{(f.LogX ? " log" : "")}, y '{f.Y}'{(f.LogY ? " log" : "")} in [{f.YMin}, {f.YMax}], series '{f.Series}'");
}
