using System.Diagnostics;
using LayerLab.Training.Contracts;
using LayerLab.Training.Sweeps;

namespace LayerLab.Tests.Unit.Sweeps;

/// <summary>Issue 13 item 1: a sweep's size is counted without overflow and refused before anything is expanded.</summary>
public sealed class SweepExpansionLimitTests
{
    /// <summary>Twenty integer parameters, so a sweep can have more axes than the cap.</summary>
    private sealed class ManyParameters : IExperiment
    {
        public string Key => "many";
        public string Title => "Many parameters";
        public string Paper => "";
        public string PaperUrl => "";
        public string Claim => "";
        public IReadOnlyList<ParameterSpec> Parameters { get; } =
            [.. Enumerable.Range(0, 20).Select(i => ParameterSpec.Integer($"p{i}", 1, 1, 1_000_000, "A number."))];
        public IReadOnlyList<MetricDefinition> Metrics => [];
        public string PrimaryMetric => "loss";
        public Task<RunResult> TrainAsync(RunContext context, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static readonly ManyParameters Experiment = new();

    private static SweepDefinition Grid(int axes, int valuesPerAxis) => new()
    {
        Experiment = Experiment.Key,
        Sweep = Enumerable.Range(0, axes).ToDictionary(i => $"p{i}", _ => SweepAxis.Linear(1, valuesPerAxis, valuesPerAxis)),
    };

    [Fact]
    public void Eight_axes_of_256_values_are_refused_at_once_instead_of_wrapping_to_zero()
    {
        // 256⁸ = 2⁶⁴: unchecked long arithmetic made this 0 runs, under the cap, and expansion then walked 2⁶⁴ configurations.
        var watch = Stopwatch.StartNew();
        var result = SweepExpansion.Expand(Experiment, Grid(8, 256), 1, 1000);

        Assert.False(result.IsValid);
        Assert.Contains("cap is 1,000", result.Errors["sweep"], StringComparison.Ordinal);
        Assert.True(result.RunCount > 1000, $"counted {result.RunCount} runs");
        Assert.Empty(result.Runs);
        Assert.True(watch.ElapsedMilliseconds < 1000, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void More_axes_than_the_cap_is_an_error_on_sweep()
    {
        var result = SweepExpansion.Expand(Experiment, Grid(SweepExpansion.MaxAxes + 1, 1), 1, 1000);
        Assert.Contains($"at most {SweepExpansion.MaxAxes} parameters", result.Errors["sweep"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_cancelled_expansion_stops()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => SweepExpansion.Expand(Experiment, Grid(2, 10), 1, 1000, cancelled.Token));
    }

    [Theory]
    [InlineData(new long[] { 256, 256, 256, 256, 256, 256, 256, 256 }, 1001, 1001)]
    [InlineData(new long[] { 10, 10, 10 }, 1001, 1000)]
    [InlineData(new long[] { long.MaxValue, long.MaxValue }, long.MaxValue, long.MaxValue)]
    [InlineData(new long[] { 3, 0, 5 }, 1001, 0)]
    public void Saturating_product_stops_at_the_ceiling(long[] factors, long ceiling, long expected) =>
        Assert.Equal(expected, SweepExpansion.SaturatingProduct(factors, ceiling));
}
