// What the fair queue costs as it grows: one dispatch pass's ordering work (each owner's next run by a window
// query, the per-owner load, FairOrder) and the queue page / GET /api/queue snapshot (first 500 in order, start estimates),
// at 1,000 / 10,000 / 100,000 queued runs. 20 owners, one of them holding 90% (a big sweep). Real portal, worker off.
//   dotnet run -c Release --project bench/QueueBench
using System.Diagnostics;
using LayerLab.Data;
using LayerLab.Web.Hosting;
using LayerLab.Web.Queue;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

var folder = Directory.CreateTempSubdirectory("layerlab-queue-bench").FullName;
var file = Path.Combine(folder, "bench.db");
var app = PortalHost.Build([$"--LayerLab:Database=Data Source={file}", "--LayerLab:Worker:Enabled=false", "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
await app.StartAsync();
var dbFactory = app.Services.GetRequiredService<IDbContextFactory<LabDbContext>>();
var queries = app.Services.GetRequiredService<QueueQueries>();
await Seed.FinishedAsync(file, 1000); // history for the start estimates

Console.WriteLine("| queued runs | dispatch pass (read + order) | queue snapshot (500 shown) |");
Console.WriteLine("| --- | --- | --- |");
var seeded = 0;
foreach (var size in new[] { 1_000, 10_000, 100_000 })
{
    await Seed.QueuedAsync(file, seeded, size - seeded);
    seeded = size;
    var pass = await MedianAsync(async () =>
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var pending = await QueueQueries.TopPerOwnerAsync(db, 1, CancellationToken.None);
        var active = await QueueQueries.ActiveByOwnerAsync(db, CancellationToken.None);
        return FairOrder.Order(pending, active, take: 1).Count;
    });
    var snapshot = await MedianAsync(() => queries.SnapshotAsync(500, CancellationToken.None));
    Console.WriteLine($"| {size:N0} | {pass:F1} ms | {snapshot:F1} ms |");
}

await app.StopAsync();
SqliteConnection.ClearAllPools();
Directory.Delete(folder, recursive: true);

static async Task<double> MedianAsync<T>(Func<Task<T>> action, int repeats = 11)
{
    await action();
    var times = new List<double>();
    for (var i = 0; i < repeats; i++)
    {
        var watch = Stopwatch.StartNew();
        await action();
        times.Add(watch.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    return times[times.Count / 2];
}

internal static class Seed
{
    private const long IdBase = 1_000_000; // queued runs' ids, clear of the finished ones

    public static Task FinishedAsync(string file, int count) => InsertAsync(file, count, i => (i + 1, "Succeeded", "bench-owner-0"));

    /// <summary>Queued runs: owner 0 holds 90% (the sweep), 19 colleagues share the rest.</summary>
    public static Task QueuedAsync(string file, int from, int count) =>
        InsertAsync(file, count, i => (IdBase + from + i, "Queued", (from + i) % 10 == 0 ? $"bench-owner-{1 + ((from + i) / 10 % 19)}" : "bench-owner-0"));

    private static async Task InsertAsync(string file, int count, Func<int, (long Id, string Status, string Owner)> row)
    {
        await using var connection = new SqliteConnection($"Data Source={file}");
        await connection.OpenAsync();
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
        var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO Runs (Id, ExperimentKey, ParametersJson, Seed, Status, Progress, QueuedAt, StartedAt, FinishedAt, Attempt,
                              CancelRequested, Source, SubmittedBy, SubmittedById, Priority)
            VALUES ($id, 'xor-prelu', '{}', 1, $status, 0, $t, $started, $finished, 0, 0, 'Catalog', $owner, $owner, $priority)
            """;
        foreach (var name in new[] { "$id", "$status", "$t", "$started", "$finished", "$owner", "$priority" }) insert.Parameters.Add(new SqliteParameter(name, null));
        var now = DateTimeOffset.UtcNow.UtcTicks;
        for (var i = 0; i < count; i++)
        {
            var (id, status, owner) = row(i);
            var finished = status == "Succeeded";
            insert.Parameters[0].Value = id;
            insert.Parameters[1].Value = status;
            insert.Parameters[2].Value = now + id;
            insert.Parameters[3].Value = finished ? now : DBNull.Value;
            insert.Parameters[4].Value = finished ? now + 8_000_000L + (id % 5 * 1_000_000L) : DBNull.Value;
            insert.Parameters[5].Value = owner;
            insert.Parameters[6].Value = (int)(id % 3);
            await insert.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
    }
}
