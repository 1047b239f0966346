using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.XorPrelu;

public enum OptimizerKind { Adam, Sgd }

/// <summary>
/// An optimizer over one flat parameter tensor where every model has its own learning rate (torch.optim has one
/// learning rate per parameter group, and one group per model would mean one kernel per model): the learning-rate
/// tensor broadcasts against the parameters — a column [rows, 1] for θ [rows, cols], or a row [1, rows] for the
/// transposed θᵀ [cols, rows] that <see cref="XorTrainer"/> trains. Every update is elementwise, so models stay
/// independent. Call <see cref="Step"/> under no_grad inside the caller's per-step dispose scope; the state tensors
/// live outside it and die with the optimizer, which also owns (and disposes) the learning-rate tensor it is given.
/// </summary>
public abstract class BatchedOptimizer : IDisposable
{
    /// <summary>Learning rate of each model, broadcastable to the parameters ([rows, 1] or [1, rows]).</summary>
    protected Tensor LearningRates { get; }

    protected BatchedOptimizer(Tensor learningRates) => LearningRates = learningRates;

    public static BatchedOptimizer Create(OptimizerKind kind, Tensor learningRates, Tensor parameters) => kind switch
    {
        OptimizerKind.Adam => new BatchedAdam(learningRates, parameters),
        OptimizerKind.Sgd => new BatchedSgd(learningRates),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradient"/> (same shape).</summary>
    public abstract void Step(Tensor parameters, Tensor gradient);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing) LearningRates.Dispose();
    }
}

/// <summary>Plain gradient descent: θ ← θ − lr·g.</summary>
public sealed class BatchedSgd(Tensor learningRates) : BatchedOptimizer(learningRates)
{
    // Scalars are native objects that dispose scopes do not track: make the constant ones once.
    private readonly Scalar _minusOne = (-1.0).ToScalar();

    public override void Step(Tensor parameters, Tensor gradient) =>
        parameters.addcmul_(gradient, LearningRates, _minusOne);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _minusOne.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Adam (Kingma &amp; Ba) with PyTorch's defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8 and PyTorch's arrangement of the
/// bias corrections: θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
/// </summary>
public sealed class BatchedAdam : BatchedOptimizer
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    private readonly Tensor _m;
    private readonly Tensor _v;
    // Step temporaries kept between steps: a [5200, 19] step used to allocate two fresh 400 KB blocks, which glibc
    // hands back to the OS and page-faults in again every step (4× the arithmetic's cost; docs/benchmarks.md).
    private readonly Tensor _denominator;
    private readonly Tensor _scaledMoment;
    private int _t;

    // Scalars are native objects that dispose scopes do not track: make the constant ones once.
    private readonly Scalar _beta1 = Beta1.ToScalar();
    private readonly Scalar _oneMinusBeta1 = (1 - Beta1).ToScalar();
    private readonly Scalar _beta2 = Beta2.ToScalar();
    private readonly Scalar _oneMinusBeta2 = (1 - Beta2).ToScalar();
    private readonly Scalar _epsilon = Epsilon.ToScalar();

    public BatchedAdam(Tensor learningRates, Tensor parameters) : base(learningRates)
    {
        _m = zeros_like(parameters, requires_grad: false).DetachFromDisposeScope();
        _v = zeros_like(parameters, requires_grad: false).DetachFromDisposeScope();
        _denominator = zeros_like(parameters, requires_grad: false).DetachFromDisposeScope();
        _scaledMoment = zeros_like(parameters, requires_grad: false).DetachFromDisposeScope();
    }

    public override void Step(Tensor parameters, Tensor gradient)
    {
        _t++;
        var correction1 = 1 - Math.Pow(Beta1, _t);
        var correction2 = 1 - Math.Pow(Beta2, _t);
        using var sqrtCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var minusStep = (-1 / correction1).ToScalar();
        _m.mul_(_beta1).add_(gradient, _oneMinusBeta1);
        _v.mul_(_beta2).addcmul_(gradient, gradient, _oneMinusBeta2);
        _denominator.copy_(_v).sqrt_().div_(sqrtCorrection2).add_(_epsilon);
        _scaledMoment.copy_(_m).mul_(LearningRates);
        parameters.addcdiv_(_scaledMoment, _denominator, minusStep);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _m.Dispose();
            _v.Dispose();
            _denominator.Dispose();
            _scaledMoment.Dispose();
            foreach (var s in new[] { _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _epsilon }) s.Dispose();
        }
        base.Dispose(disposing);
    }
}
