namespace LayerLab.Web.Queue;

/// <summary>"LayerLab:Queue": how the dispatcher feeds Hangfire from the runs queued in SQLite.</summary>
public sealed class QueueOptions
{
    public const string Section = "LayerLab:Queue";

    /// <summary>How many runs may wait in Hangfire (dispatched, not yet started) at once. Default: the worker count,
    /// so a worker that frees up finds its next run already there. The rest wait in SQLite in fair order.</summary>
    public int? DispatchAhead { get; set; }

    /// <summary>The dispatcher wakes on every submit and run end; this timer is only the safety net.</summary>
    public double RecheckSeconds { get; set; } = 2;
}
