using System.Globalization;
using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.MarkovIcl;

/// <summary>
/// The paper's picture of what the model learned, from one run (#20): for each context (the k previous bits), the
/// model's mean P(next = 1) on the held-out positions with that context, beside the Laplace (add-1) estimator's mean on
/// the same positions. A model that learned Laplace lies on its line in every context; one that learned only the
/// unigram is flat across contexts. The means go into the summary (keys below), so the figure is drawn from what the
/// run stores.
/// </summary>
public static class MarkovContextFigure
{
    public const string ModelPrefix = "p1_by_context/model/ctx=";
    public const string LaplacePrefix = "p1_by_context/laplace/ctx=";

    /// <summary>
    /// Mean P(1) per context over positions t = k … T−1. <paramref name="modelP1"/> and <paramref name="laplaceP1"/>
    /// are [count, T − k] row-major, as <see cref="MarkovReferences.LaplaceP"/>. A context never seen is NaN.
    /// </summary>
    public static (double[] Model, double[] Laplace) ContextMeans(MarkovBatch test, float[] modelP1, float[] laplaceP1)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(modelP1);
        ArgumentNullException.ThrowIfNull(laplaceP1);
        var perSequence = test.Length - test.Order;
        if (modelP1.Length != test.Count * perSequence || laplaceP1.Length != modelP1.Length)
            throw new ArgumentException($"expected {test.Count} × {perSequence} predictions, got {modelP1.Length} and {laplaceP1.Length}");
        var (model, laplace, count) = (new double[test.Contexts], new double[test.Contexts], new int[test.Contexts]);
        for (var s = 0; s < test.Count; s++)
        for (var t = test.Order; t < test.Length; t++)
        {
            var c = test.Context(s, t);
            var i = (s * perSequence) + t - test.Order;
            model[c] += modelP1[i];
            laplace[c] += laplaceP1[i];
            count[c]++;
        }
        for (var c = 0; c < test.Contexts; c++)
        {
            model[c] = count[c] == 0 ? double.NaN : model[c] / count[c];
            laplace[c] = count[c] == 0 ? double.NaN : laplace[c] / count[c];
        }
        return (model, laplace);
    }

    /// <summary>Puts the means into the summary: p1_by_context/model/ctx=0 … and p1_by_context/laplace/ctx=0 ….</summary>
    public static void AddTo(IDictionary<string, double> summary, double[] model, double[] laplace)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(laplace);
        for (var c = 0; c < model.Length; c++)
        {
            if (!double.IsFinite(model[c]) || !double.IsFinite(laplace[c])) continue;
            summary[ModelPrefix + c.ToString(CultureInfo.InvariantCulture)] = model[c];
            summary[LaplacePrefix + c.ToString(CultureInfo.InvariantCulture)] = laplace[c];
        }
    }

    /// <summary>The figure: x = the context read as a binary number (0 = all zeros), y = mean P(next = 1).</summary>
    public static IReadOnlyList<RunFigure> For(IReadOnlyDictionary<string, double> summary)
    {
        var model = RunFigureSummary.Points(summary, ModelPrefix);
        if (model.Count == 0) return [];
        var laplace = RunFigureSummary.Points(summary, LaplacePrefix);
        var series = new List<RunFigureSeries> { new("trained model", model) };
        if (laplace.Count > 0) series.Add(new("Laplace (add-1, Bayes)", laplace, Reference: true));
        return [new RunFigure("prediction-vs-laplace", "Prediction against the Laplace estimator, per context",
            "context (previous k bits as a binary number)", "mean P(next = 1)", series)];
    }
}
