using System.Text.Json;
using LayerLab.Data.Metrics;
using LayerLab.Data;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Compare;

/// <summary>
/// Streams the compared runs' histories in the order asked for. Runs are read (a finished run's compacted history,
/// else SQLite's statement API over its rows, into pooled arrays: <see cref="RunHistory.Read"/>) two at a time on two connections, ahead of the one being encoded and
/// flushed to the client: reading 2 M rows is most of the request, so it gets two cores, and it overlaps the
/// encoding and the transfer. At most three runs' points are held on the server.
/// </summary>
public sealed class CompareHistoryResult(CompareHistoryRequest request, IDbContextFactory<LabDbContext> dbFactory, HistoryCompactor compactor) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var ct = httpContext.RequestAborted;
        var ids = request.Ids;
        string connectionString;
        Dictionary<long, long?> started;
        HashSet<long> finished;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var runs = await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id)).Select(r => new { r.Id, r.StartedAt, r.Status }).ToListAsync(ct);
            started = runs.ToDictionary(r => r.Id, r => r.StartedAt?.ToUnixTimeMilliseconds());
            finished = runs.Where(r => r.Status.IsFinished()).Select(r => r.Id).ToHashSet();
            connectionString = db.Database.GetConnectionString()!;
        }
        await using var first = new SqliteConnection(connectionString);
        await using var second = new SqliteConnection(connectionString);
        SqliteConnection[] connections = [first, second];
        foreach (var c in connections) await c.OpenAsync(ct);
        Task<RunHistory> ReadAsync(int i, int expected) => Task.Run(
            () => RunHistory.Read(connections[i % 2], ids[i], started.GetValueOrDefault(ids[i]), request.Key, request.WithTimes, expected), ct);

        var response = httpContext.Response;
        response.ContentType = request.Binary ? CompareHistoryBinary.ContentType : "application/json; charset=utf-8";
        var output = response.BodyWriter;
        await using var json = request.Binary ? null : new Utf8JsonWriter(output);
        if (json is null) CompareHistoryBinary.WriteHeader(output, ids.Count, request.WithTimes);
        else CompareHistoryJson.WriteStart(json, request.Key);
        // Two reads in flight, one per connection: run i + 2 starts on the connection run i was read on.
        var reads = new Task<RunHistory>?[ids.Count];
        for (var i = 0; i < Math.Min(2, ids.Count); i++) reads[i] = ReadAsync(i, 0);
        try
        {
            for (var i = 0; i < ids.Count; i++)
            {
                using var run = await reads[i]!;
                reads[i] = null;
                // A finished run read from its rows gets its compacted history written, for the next read.
                if (!run.FromBlob && run.Count > 0 && finished.Contains(run.RunId)) compactor.Schedule(run.RunId, request.Key);
                // Runs of one comparison are usually alike in length: size the next one's arrays from this one.
                if (i + 2 < ids.Count) reads[i + 2] = ReadAsync(i + 2, run.Count);
                if (json is null) CompareHistoryBinary.WriteRun(output, run);
                else
                {
                    CompareHistoryJson.WriteRun(json, run);
                    json.Flush(); // into the pipe (no I/O); the pipe's flush below sends it
                }
                await output.FlushAsync(ct);
            }
        }
        finally
        {
            // A failed or aborted write must not leave a read running on a connection about to be disposed.
            foreach (var read in reads)
            {
                if (read is null) continue;
                try { (await read).Dispose(); }
                catch (Exception) when (ct.IsCancellationRequested || read.IsFaulted) { /* the first failure is the one reported */ }
            }
        }
        if (json is not null)
        {
            CompareHistoryJson.WriteEnd(json);
            json.Flush();
        }
        await output.FlushAsync(ct);
    }
}
