namespace LayerLab.Worker;

/// <summary>"LayerLab:Portal": where the worker reports (the portal's address and a worker token).</summary>
public sealed class PortalConnectionOptions
{
    public const string Section = "LayerLab:Portal";

    /// <summary>The portal's base address, e.g. http://portal:8080.</summary>
    public string? Url { get; set; }

    /// <summary>An API token with the "worker" scope (created by an admin on the API tokens page).</summary>
    public string? Token { get; set; }
}

/// <summary>"LayerLab:Worker": how much this worker takes on and from which queues.</summary>
public sealed class RemoteWorkerOptions
{
    public const string Section = "LayerLab:Worker";

    /// <summary>Concurrent runs (Hangfire workers) in this process.</summary>
    public int Count { get; set; } = 1;

    /// <summary>Hangfire queues to take runs from, in priority order; empty: "gpu,cpu" when CUDA is present, else "cpu".</summary>
    public string[] Queues { get; set; } = [];

    /// <summary>How often the worker tells the portal it is alive.</summary>
    public double HeartbeatSeconds { get; set; } = 5;
}
