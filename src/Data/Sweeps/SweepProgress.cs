using LayerLab.Data.Runs;

namespace LayerLab.Data.Sweeps;

/// <summary>How many of a sweep's runs are in each state, and the sweep's status derived from them.</summary>
public sealed record SweepProgress(int Queued, int Running, int Succeeded, int Failed, int Cancelled)
{
    public int Total => Queued + Running + Succeeded + Failed + Cancelled;
    public int Finished => Succeeded + Failed + Cancelled;

    /// <summary>Running while anything is queued or running; then Succeeded if all succeeded, else Finished with failures.</summary>
    public string Status =>
        Running > 0 ? "Running"
        : Queued > 0 ? (Finished > 0 ? "Running" : "Queued")
        : Total == 0 ? "Empty"
        : Failed + Cancelled == 0 ? "Succeeded"
        : Succeeded == 0 && Failed == 0 ? "Cancelled"
        : "Finished with failures";

    public static SweepProgress From(IEnumerable<(RunStatus Status, int Count)> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var c = counts.ToDictionary(x => x.Status, x => x.Count);
        int Of(RunStatus s) => c.TryGetValue(s, out var n) ? n : 0;
        return new SweepProgress(Of(RunStatus.Queued), Of(RunStatus.Running), Of(RunStatus.Succeeded), Of(RunStatus.Failed), Of(RunStatus.Cancelled));
    }
}
