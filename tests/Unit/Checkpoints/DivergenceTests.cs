using LayerLab.Tests.Unit.Experiments;
using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.IclLinReg;

namespace LayerLab.Tests.Unit.Checkpoints;

/// <summary>A diverging configuration stops with the step where the loss stopped being finite.</summary>
public sealed class DivergenceTests
{
    /// <summary>Four linear-attention layers at init scale 1 on Gaussian d=32 prompts: the forward pass is a degree-3⁴
    /// polynomial of the weights, and Adam at lr 1 blows it past float range within a few steps.</summary>
    public static RunParameters Diverging { get; } = IclLinRegSettings.Parameters(
        ("data", "gaussian"), ("d", 32L), ("n", 128L), ("layers", 4L), ("lr", 1.0), ("init_scale", 1.0),
        ("steps", 200L), ("batch", 64L), ("test_prompts", 64L), ("ref_prompts", 256L));

    [Fact]
    public async Task Icl_linreg_at_an_absurd_learning_rate_stops_with_loss_became_nan_at_its_step()
    {
        var ex = await Assert.ThrowsAsync<TrainingDivergedException>(() =>
            new IclLinRegExperiment().TrainAsync(ExperimentHarness.Context(Diverging), CancellationToken.None));
        Assert.Matches(@"^loss became (NaN|[+-]Infinity) at step \d+$", ex.Message);
    }
}
