using System.Runtime.InteropServices;
using LayerLab.Training.Contracts;

namespace LayerLab.Training.Jobs;

/// <summary>The reason a failed run shows. None of these is retried: the same run would fail the same way.</summary>
public static class TrainingFailure
{
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            TrainingDivergedException diverged => diverged.Message,
            _ when IsOutOfMemory(exception) => $"out of memory: {exception.Message}",
            _ => $"{exception.GetType().Name}: {exception.Message}",
        };
    }

    /// <summary>.NET's own, or libtorch's (CUDA "out of memory", the CPU allocator's "can't allocate memory").</summary>
    public static bool IsOutOfMemory(Exception exception) => exception switch
    {
        OutOfMemoryException => true,
        ExternalException native => native.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) ||
                                    native.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}
