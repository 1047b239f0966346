using LayerLab.Training.Experiments.XorPrelu;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Tests.Unit.Experiments;

/// <summary>
/// The points-major program (θᵀ [19, rows], since 2026-11-23) trains exactly like the row-major program it replaced:
/// the old program is copied here as the reference and both run from the same start. A few steps only: the two sum
/// floats in different orders, and at lr = 1 Adam's first steps (±lr whatever the gradient's size) on the oscillating
/// GCU turn those 1e-7 differences into 1e-4 after 4 steps and 1e-2 after 6 — the dynamics, in either program.
/// </summary>
public sealed class XorPreluPointsMajorTests
{
    public static TheoryData<string> Variants => ["default", "zero-one+relu", "sgd"];

    private static XorPreluSettings Settings(string variant) => variant switch
    {
        "default" => XorPreluSettings.Default with { Trials = 12, Epochs = 3 },
        "zero-one+relu" => XorPreluSettings.Default with
        {
            Trials = 12, Epochs = 3, Coding = InputCoding.ZeroOne, MlpActivation = MlpActivation.Relu, LrPoints = 5,
        },
        "sgd" => XorPreluSettings.Default with { Trials = 12, Epochs = 3, Optimizer = OptimizerKind.Sgd, LrMax = 0.3 },
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Trainer_outcome_equals_the_row_major_program_within_1e_5(string variant)
    {
        var settings = Settings(variant);
        const long Seed = 5;
        var outcome = XorTrainer.Run(settings, Seed, CPU, _ => { }, CancellationToken.None);

        var (loss, prelu) = RowMajorReference(settings, Seed);
        for (var row = 0; row < outcome.Rows; row++)
        {
            foreach (var model in XorModels.All)
            {
                var want = loss[(row * 4) + (int)model];
                Assert.True(Math.Abs(outcome.Loss(row, model) - want) <= 1e-5 * Math.Max(1, Math.Abs(want)),
                    $"row {row} {model}: loss {outcome.Loss(row, model)} vs {want}");
            }
            var got = outcome.PreluParameters(row);
            for (var c = 0; c < got.Length; c++)
                Assert.True(Math.Abs(got[c] - prelu[(row * XorModels.Width) + c]) <= 1e-5, $"row {row} column {c}");
        }
    }

    [Fact]
    public void A_diverged_model_does_not_touch_the_other_models_of_its_row()
    {
        using var scope = NewDisposeScope();
        var row = XorModels.InitialParameters(1, 3, 1);
        for (var c = XorModels.MlpOffset; c < XorModels.GcuOffset; c++) row[c] = float.PositiveInfinity;
        var thetaT = tensor(row, [1, XorModels.Width]).t().contiguous();
        var y = XorModels.ForwardPointsMajor(thetaT, XorData.InputsTensor(InputCoding.PlusMinusOne, CPU), MlpActivation.Tanh);

        foreach (var model in new[] { XorModel.Prelu, XorModel.PreluBias, XorModel.Gcu })
            Assert.True(y[(int)model].isfinite().all().item<bool>(), model.ToString());
        Assert.False(y[(int)XorModel.Mlp].isfinite().all().item<bool>());
    }

    /// <summary>
    /// XorTrainer's program before 2026-11-23, verbatim in its arithmetic: θ [rows, 19] with an lr column, the
    /// row-major forward, loss = Σ per-row per-model mean over the points. Returns the final per-model loss
    /// [rows × 4] and θ [rows × 19] after <c>settings.Epochs</c> updates.
    /// </summary>
    private static (float[] Loss, float[] Theta) RowMajorReference(XorPreluSettings settings, long seed)
    {
        using var scope = NewDisposeScope();
        var lrs = settings.LearningRates();
        var trials = settings.Trials;
        var rows = lrs.Length * trials;
        var init = XorModels.InitialParameters(trials, seed, settings.InitScale);
        var theta0 = new float[rows * XorModels.Width];
        var rates = new float[rows];
        for (var li = 0; li < lrs.Length; li++)
        {
            init.CopyTo(theta0, li * trials * XorModels.Width);
            Array.Fill(rates, (float)lrs[li], li * trials, trials);
        }
        var inputsT = XorData.InputsTransposed(settings.Coding, CPU);
        var targets = XorData.TargetTensor(CPU);
        var theta = tensor(theta0, [rows, XorModels.Width]).requires_grad_(true);
        using var optimizer = BatchedOptimizer.Create(settings.Optimizer, tensor(rates, [rows, 1]), theta);
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            var loss = (RowMajorForward(theta, inputsT, settings.MlpActivation) - targets).square().mean([-1]);
            var gradient = autograd.grad([loss.sum()], [theta])[0];
            using (no_grad()) optimizer.Step(theta, gradient);
        }
        using (no_grad())
        {
            var final = (RowMajorForward(theta, inputsT, settings.MlpActivation) - targets).square().mean([-1]);
            return (final.contiguous().data<float>().ToArray(), theta.detach().contiguous().data<float>().ToArray());
        }
    }

    private static Tensor RowMajorForward(Tensor theta, Tensor inputsT, MlpActivation mlpActivation)
    {
        var rows = theta.shape[0];
        var p = theta.split([2, 1, 2, 1, 1, 4, 2, 2, 1, 2, 1], 1);
        var zp = p[0].matmul(inputsT);
        var yPrelu = where(zp.ge(Zero), zp, p[1] * zp);
        var zb = addmm(p[3], p[2], inputsT, 1, 1);
        var yPreluBias = where(zb.ge(Zero), zb, p[4] * zb);
        var h = p[5].view(rows, 2, 2).matmul(inputsT) + p[6].unsqueeze(-1);
        var act = mlpActivation == MlpActivation.Tanh ? h.tanh() : h.relu();
        var yMlp = p[7].unsqueeze(1).matmul(act).squeeze(1) + p[8];
        var zg = addmm(p[10], p[9], inputsT, 1, 1);
        return stack([yPrelu, yPreluBias, yMlp, zg * zg.cos()], 1);
    }

    private static readonly Scalar Zero = 0.0f.ToScalar();
}
