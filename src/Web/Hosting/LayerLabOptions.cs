namespace LayerLab.Web.Hosting;

/// <summary>The "LayerLab" section of appsettings.json; environment variables override (LayerLab__Worker__Count=2).</summary>
public sealed class LayerLabOptions
{
    public const string Section = "LayerLab";

    /// <summary>Shown in the app bar, so a team running two portals can tell them apart.</summary>
    public string InstanceName { get; set; } = "LayerLab";

    /// <summary>SQLite connection string of the portal database (relative paths are under the content root).</summary>
    public string Database { get; set; } = "Data Source=data/layerlab.db";

    public WorkerOptions Worker { get; set; } = new();

    /// <summary>Leases of running runs (<c>LayerLab:Runs:LeaseSeconds</c>, <c>HeartbeatSeconds</c>, <c>LeaseCheckSeconds</c>).</summary>
    public Training.Jobs.RunLeaseOptions Runs { get; set; } = new();

    /// <summary>Checkpoints of running runs (<c>LayerLab:Checkpoints:IntervalSeconds</c>, <c>Directory</c>).</summary>
    public Training.Checkpoints.CheckpointOptions Checkpoints { get; set; } = new();

    public AdminOptions Admin { get; set; } = new();

    public WorkersOptions Workers { get; set; } = new();
    public SweepOptions Sweeps { get; set; } = new();
    public QueueOptions Queue { get; set; } = new();
    public AuthOptions Auth { get; set; } = new();
    public ProxyOptions Proxies { get; set; } = new();
    public CompareOptions Compare { get; set; } = new();
    public Datasets.DatasetOptions Datasets { get; set; } = new();
}

/// <summary>"LayerLab:Compare".</summary>
public sealed class CompareOptions
{
    /// <summary>Most stored points one compare request may stream (all its runs together); beyond it the request is a
    /// 400 on "runs". Memory is bounded anyway (the answer is streamed); this bounds the time one request takes.</summary>
    public long MaxPoints { get; set; } = 20_000_000;
}

/// <summary>"LayerLab:Proxies": the reverse proxies whose X-Forwarded-* headers are believed.</summary>
public sealed class ProxyOptions
{
    /// <summary>IP addresses of the proxies in front of the portal (e.g. "127.0.0.1" for nginx on the same host).
    /// Empty (the default): forwarded headers are ignored.</summary>
    public IList<string> KnownProxies { get; } = [];
}

/// <summary>"LayerLab:Auth".</summary>
public sealed class AuthOptions
{
    /// <summary>How long a checked API token is trusted without asking the database again (0 turns the cache off).
    /// Revocation, role changes and lockouts done in the portal apply at once regardless; this bounds only changes
    /// made behind the portal's back.</summary>
    public double TokenCacheSeconds { get; set; } = 5;

    /// <summary>Same, for "this external run is Running and owned by X" on the metric logging endpoint.</summary>
    public double RunAccessCacheSeconds { get; set; } = 5;

    /// <summary>Sign-in attempts per client address per minute, whatever the account (429 beyond).</summary>
    public int SignInAttemptsPerMinute { get; set; } = 10;

    /// <summary>How often a sign-in cookie and an open Blazor circuit are checked against the account (security stamp:
    /// rotated by a role or password change). 0 checks a cookie on every request.</summary>
    public double RevalidateSeconds { get; set; } = 30;
}

/// <summary>"LayerLab:Workers": how the portal judges remote workers.</summary>
public sealed class WorkersOptions
{
    /// <summary>A worker whose last heartbeat is older than this is not alive; its running runs go back to the queue.</summary>
    public double HeartbeatTimeoutSeconds { get; set; } = 30;
}

/// <summary>"LayerLab:Sweeps".</summary>
public sealed class SweepOptions
{
    /// <summary>Most runs one sweep may create (configurations × seeds); bigger sweeps are refused with the count.</summary>
    public int MaxRuns { get; set; } = 1000;
}

/// <summary>How the dispatcher feeds Hangfire from the runs queued in SQLite.</summary>
public sealed class QueueOptions
{
    /// <summary>How many runs may wait in Hangfire (dispatched, not yet started) at once. Default: the worker count,
    /// so a worker that frees up finds its next run already there. The rest wait in SQLite in fair order.</summary>
    public int? DispatchAhead { get; set; }

    /// <summary>The dispatcher wakes on every submit and run end; this timer is only the safety net.</summary>
    public double RecheckSeconds { get; set; } = 2;
}

/// <summary>The first admin account, created at start when both are set. Never put a real password in appsettings.json.</summary>
public sealed class AdminOptions
{
    public string? Email { get; set; }
    public string? Password { get; set; }
}

public sealed class WorkerOptions
{
    /// <summary>Run a Hangfire server (the training worker) inside the web process.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Concurrent training jobs in this process. Tiny models are dispatch-bound, so 1 per 2 cores is a sane default.</summary>
    public int Count { get; set; } = 1;

    /// <summary>Whether the in-process worker also takes the GPU queue. Unset: guessed without loading libtorch
    /// (CUDA build of libtorch shipped + NVIDIA driver present, see <c>CudaProbe</c>); set it when the guess is wrong.</summary>
    public bool? Gpu { get; set; }
}
