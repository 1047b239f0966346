namespace LayerLab.Training.Jobs;

/// <summary>Section <c>LayerLab:Runs</c>: how long a worker's claim on a run lasts without a heartbeat.</summary>
public sealed class RunLeaseOptions
{
    /// <summary>A running attempt's lease; a worker silent this long is presumed dead and its run is queued again.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>How often a worker renews its lease (well inside <see cref="LeaseSeconds"/>).</summary>
    public int HeartbeatSeconds { get; set; } = 15;

    /// <summary>How often the portal looks for expired leases.</summary>
    public int LeaseCheckSeconds { get; set; } = 10;

    public TimeSpan Lease => TimeSpan.FromSeconds(Math.Max(1, LeaseSeconds));
    public TimeSpan Heartbeat => TimeSpan.FromSeconds(Math.Clamp(HeartbeatSeconds, 1, Math.Max(1, LeaseSeconds)));
    public TimeSpan LeaseCheck => TimeSpan.FromSeconds(Math.Max(1, LeaseCheckSeconds));
}
