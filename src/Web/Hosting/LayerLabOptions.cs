namespace LayerLab.Web.Hosting;

/// <summary>
/// The part of the "LayerLab" section only the composition root reads (environment variables override:
/// LayerLab__Worker__Count=2). Each feature binds its own subsection to its own options class (CompareOptions,
/// AuthOptions, QueueOptions…, see <see cref="ServiceRegistration"/>), so no feature folder depends on Hosting.
/// </summary>
public sealed class LayerLabOptions
{
    public const string Section = "LayerLab";

    /// <summary>SQLite connection string of the portal database (relative paths are under the content root).</summary>
    public string Database { get; set; } = "Data Source=data/layerlab.db";

    /// <summary>Leases of running runs (<c>LayerLab:Runs:LeaseSeconds</c>, <c>HeartbeatSeconds</c>, <c>LeaseCheckSeconds</c>).</summary>
    public Training.Jobs.RunLeaseOptions Runs { get; set; } = new();

    /// <summary>Checkpoints of running runs (<c>LayerLab:Checkpoints:IntervalSeconds</c>, <c>Directory</c>).</summary>
    public Training.Checkpoints.CheckpointOptions Checkpoints { get; set; } = new();

    /// <summary>Read once at registration (how many Hangfire workers to start); the running code binds its own copy.</summary>
    public Workers.WorkerOptions Worker { get; set; } = new();
}
