using System.Text.Json;
using System.Text.Json.Serialization;
using LayerLab.Training.Contracts;

namespace LayerLab.Training.Worker;

/// <summary>
/// The HTTP contract between a remote worker and the portal (/api/workers/…): one place for routes and bodies, used by
/// the worker's HttpRunLedger and HttpRunReporter (src/Worker/Portal) and by the portal's endpoints.
/// </summary>
public static class WorkerApi
{
    public const string Prefix = "/api/workers";

    /// <summary>The most metric points one post may carry: the worker's reporter splits larger batches, the portal refuses them.</summary>
    public const int MaxPointsPerPost = 5_000;

    /// <summary>Training can report NaN or ∞ (a diverging run): they travel as "NaN"/"Infinity" instead of failing the post.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Names the worker instance (host:pid) on every call; with the token it identifies who holds a claim, so
    /// only the instance that claimed a run's attempt can write to it.</summary>
    public const string InstanceHeader = "X-LayerLab-Worker";

    public const string Heartbeat = Prefix + "/heartbeat";
    public static string Claim(long runId) => Run(runId, "claim");
    public static string CancelRequested(long runId) => Run(runId, "cancel-requested");
    public static string Complete(long runId) => Run(runId, "complete");
    public static string Fail(long runId) => Run(runId, "fail");
    public static string Cancelled(long runId) => Run(runId, "cancelled");
    public static string Release(long runId) => Run(runId, "release");
    public static string Lease(long runId) => Run(runId, "lease");
    public static string Resumed(long runId) => Run(runId, "resumed");
    public static string Metrics(long runId) => Run(runId, "metrics");
    public static string Progress(long runId) => Run(runId, "progress");
    public static string Tensors(long runId) => Run(runId, "tensors");

    /// <summary>A dataset version's description (<see cref="WorkerDatasetInfo"/>); id 0 asks for the default text.</summary>
    public static string Dataset(long id) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Prefix}/datasets/{id}");
    /// <summary>A dataset version's bytes.</summary>
    public static string DatasetContent(long id) => Dataset(id) + "/content";

    private static string Run(long runId, string action) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Prefix}/runs/{runId}/{action}");
}

/// <summary>What a worker needs to fetch and check a dataset version (the bytes come from <see cref="WorkerApi.DatasetContent"/>).</summary>
public sealed record WorkerDatasetInfo(
    long Id, string Name, int Version, string Sha256, long Bytes, string Licence, string Source, bool Generated);

public sealed record ClaimRequest(string Worker, string Device);

/// <param name="Attempt">Set when <paramref name="Claimed"/>: the attempt every later call for this run must carry.</param>
public sealed record ClaimResponse(bool Claimed, int Attempt, long SystemClockStart = 0);

public sealed record CancelRequestedResponse(bool CancelRequested);

/// <param name="Held">False when the lease was lost: the worker must stop training that attempt.</param>
public sealed record LeaseResponse(bool Held);

public sealed record AttemptRequest(int Attempt);

/// <param name="Step">The checkpoint step the attempt resumed from.</param>
public sealed record ResumedRequest(int Attempt, long Step);

public sealed record FailRequest(int Attempt, string Error);

public sealed record CompleteRequest(int Attempt, Dictionary<string, double> Summary, List<ReferenceValue> References, string? Verdict);

/// <param name="Attempt">The claimed attempt the points belong to: a stale attempt's points are refused.</param>
public sealed record MetricsRequest(int Attempt, List<MetricSample> Points);

public sealed record ProgressRequest(int Attempt, double Fraction);

/// <param name="Attempt">The claimed attempt the tensor belongs to: a stale attempt's tensors are refused.</param>
public sealed record TensorRequest(int Attempt, string Key, long Step, int[] Shape, float[] Data);

/// <summary>A worker says it is alive, what it trains on and what it listens to.</summary>
public sealed record HeartbeatRequest(string Name, string Device, string[] Queues, int Slots);
