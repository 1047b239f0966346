namespace LayerLab.Web.Workers;

/// <summary>"LayerLab:Workers": how the portal judges remote workers.</summary>
public sealed class WorkersOptions
{
    public const string Section = "LayerLab:Workers";

    /// <summary>A worker whose last heartbeat is older than this is not alive; its running runs go back to the queue.</summary>
    public double HeartbeatTimeoutSeconds { get; set; } = 30;
}
