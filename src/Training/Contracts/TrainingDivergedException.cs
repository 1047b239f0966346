using System.Globalization;

namespace LayerLab.Training.Contracts;

/// <summary>
/// The loss stopped being a finite number. The run ends Failed with this message as its reason and is not tried
/// again: the same seed and parameters would diverge at the same step.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    public TrainingDivergedException() : base("loss became NaN") { }

    public TrainingDivergedException(string message) : base(message) { }

    public TrainingDivergedException(string message, Exception innerException) : base(message, innerException) { }

    public TrainingDivergedException(long step, double loss)
        : base(string.Create(CultureInfo.InvariantCulture, $"loss became {(double.IsNaN(loss) ? "NaN" : loss > 0 ? "+Infinity" : "-Infinity")} at step {step}")) =>
        Step = step;

    public long Step { get; }

    /// <summary>Throws when <paramref name="loss"/> is NaN or infinite (call it where the loop reads the loss anyway).</summary>
    public static void ThrowIfNotFinite(double loss, long step)
    {
        if (!double.IsFinite(loss)) throw new TrainingDivergedException(step, loss);
    }
}
