using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.ScaleOut;

/// <summary>One PostgreSQL cluster for the scale-out tests (each test gets its own database in it).</summary>
public sealed class ScaleOutFixture : IAsyncLifetime
{
    public PostgresCluster Postgres { get; private set; } = null!;

    public async Task InitializeAsync() => Postgres = await PostgresCluster.StartAsync();

    public async Task DisposeAsync() => await Postgres.DisposeAsync();
}

/// <summary>A portal that only enqueues (no in-process worker) on PostgreSQL Hangfire storage, plus remote workers.</summary>
public sealed class ScaleOutLab : IAsyncDisposable
{
    private readonly TempDatabase _sqlite = new();
    private readonly List<WorkerProcess> _workers = [];
    private string _hangfire = "";
    private string _token = "";

    public PortalProcess Portal { get; private set; } = null!;
    public TempDatabase Sqlite => _sqlite;
    public string WorkerToken => _token;
    public IReadOnlyList<WorkerProcess> Workers => _workers;

    /// <summary>Heartbeats every half second, dead after 8 s (room for a busy 2-core machine): the kill test waits seconds, not the default 30.</summary>
    private static readonly Dictionary<string, string> FastHeartbeat = new() { ["LayerLab__Worker__HeartbeatSeconds"] = "0.5" };

    /// <param name="workerSettings">Extra environment for every worker (e.g. a shared checkpoint directory).</param>
    public static async Task<ScaleOutLab> StartAsync(
        PostgresCluster postgres, string database, int workers, IReadOnlyDictionary<string, string>? workerSettings = null)
    {
        await postgres.CreateDatabaseAsync(database);
        var lab = new ScaleOutLab { _hangfire = postgres.ConnectionString(database) };
        lab.Portal = await PortalProcess.StartAsync(lab._sqlite.FilePath, new Dictionary<string, string>
        {
            ["LayerLab__Worker__Enabled"] = "false",
            ["LayerLab__Hangfire__Storage"] = "PostgreSql",
            ["LayerLab__Hangfire__ConnectionString"] = lab._hangfire,
            ["LayerLab__Workers__HeartbeatTimeoutSeconds"] = "8",
        });
        var (status, body) = await lab.Portal.Http.PostJsonAsync("/api/tokens", new { name = "test workers", scopes = new[] { "worker" }, expiresInDays = 1 });
        Assert.True(status == System.Net.HttpStatusCode.Created, $"worker token: {status} {body}");
        lab._token = body.GetProperty("token").GetString()!;
        var settings = new Dictionary<string, string>(FastHeartbeat);
        foreach (var (key, value) in workerSettings ?? new Dictionary<string, string>()) settings[key] = value;
        for (var i = 0; i < workers; i++) lab._workers.Add(WorkerProcess.Start(lab._hangfire, lab.Portal.BaseAddress, lab._token, settings));
        await lab.WaitForWorkersAsync(workers);
        return lab;
    }

    /// <summary>Waits until the portal lists this many live workers (each has started and sent a heartbeat).</summary>
    private async Task WaitForWorkersAsync(int count)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            var alive = await Portal.Http.GetJsonAsync("/api/workers");
            if (alive.GetArrayLength() >= count) return;
            foreach (var worker in _workers.Where(w => w.HasExited)) throw new InvalidOperationException($"worker exited:\n{worker.Log}");
            await Task.Delay(200);
        }
        throw new TimeoutException($"workers not alive after 60 s:\n{string.Join("\n---\n", _workers.Select(w => w.Log))}");
    }

    public string Logs() => $"portal:\n{Portal.Log}\n" + string.Join("", _workers.Select(w => $"--- worker {w.Name}:\n{w.Log}\n"));

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers) await worker.DisposeAsync();
        await Portal.DisposeAsync();
        _sqlite.Dispose();
    }
}
