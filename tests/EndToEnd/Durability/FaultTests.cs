using System.Globalization;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LayerLab.Tests.EndToEnd.Durability;

/// <summary>One real portal (lease check every second) for the faults that need no restart.</summary>
public sealed class LeasePortalFixture : IAsyncLifetime
{
    public TempDatabase Database { get; } = new();
    public PortalProcess Portal { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Portal = await PortalProcess.StartAsync(Database.FilePath, new Dictionary<string, string> { ["LayerLab__Runs__LeaseCheckSeconds"] = "1" });

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        Database.Dispose();
    }
}

[Collection(PortalCollection.Name)]
public sealed class FaultTests(LeasePortalFixture fixture) : IClassFixture<LeasePortalFixture>
{
    private PortalProcess Portal => fixture.Portal;

    [Fact]
    public async Task Diverging_run_ends_Failed_with_the_NaN_step_as_reason_and_is_not_retried()
    {
        // Four linear-attention layers at init scale 1 and lr 1 on Gaussian d=32 prompts overflow within a few steps.
        var (status, body) = await Portal.Http.PostJsonAsync("/api/runs", new
        {
            experiment = "icl-linreg",
            parameters = new { data = "gaussian", d = 32, n = 128, layers = 4, lr = 1.0, init_scale = 1.0, steps = 200, batch = 64, test_prompts = 64, ref_prompts = 256 },
            seed = 1,
        });
        Assert.True(status == System.Net.HttpStatusCode.Created, $"{status}: {body}");
        var id = body.GetProperty("id").GetInt64();
        var run = await Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(120), LabApi.FinishedStatuses);
        Assert.True(run.GetProperty("status").GetString() == "Failed", $"{run}\n{Portal.Log}");
        Assert.Matches(@"^loss became (NaN|[+-]Infinity) at step \d+$", run.GetProperty("error").GetString());
        Assert.Equal(1, run.GetProperty("attempt").GetInt32()); // Failed is final: no claim can follow it
    }

    [Fact]
    public async Task Running_run_whose_lease_expired_without_a_worker_is_queued_again_and_ends_Succeeded_once()
    {
        // A worker that claimed a run and died: its row says Running, attempt 1, with a lease that ran out.
        var template = await Portal.Http.SubmitAsync(new { trials = 10, epochs = 60, lr_points = 3 });
        await Portal.Http.WaitForStatusAsync(template, TimeSpan.FromSeconds(90), "Succeeded");
        var id = await InsertOrphanAsync(template, owner: "gone-host:4242", expiredAgo: TimeSpan.FromMinutes(2));

        var run = await Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(90), LabApi.FinishedStatuses);
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", $"{run}\n{Portal.Log}");
        Assert.Equal(2, run.GetProperty("attempt").GetInt32());
        Assert.Single(Portal.Log.Split('\n'), l => l.Contains($"Run {id} attempt 1: the lease of gone-host:4242 expired", StringComparison.Ordinal));
        var points = await fixture.Database.PointsAsync(id);
        Assert.NotEmpty(points);
        Assert.Equal(points.Count, points.Select(p => (p.Key, p.Step)).Distinct().Count());
    }

    /// <summary>Copies a finished run into a new row that looks like an orphan of a dead worker.</summary>
    private async Task<long> InsertOrphanAsync(long templateId, string owner, TimeSpan expiredAgo)
    {
        await using var connection = new SqliteConnection($"Data Source={fixture.Database.FilePath};Pooling=False;Default Timeout=30");
        await connection.OpenAsync();
        var columns = new List<string>();
        await using (var info = connection.CreateCommand())
        {
            info.CommandText = "SELECT name FROM pragma_table_info('Runs') WHERE name <> 'Id'";
            await using var reader = await info.ExecuteReaderAsync();
            while (await reader.ReadAsync()) columns.Add(reader.GetString(0));
        }
        var overrides = new Dictionary<string, string>
        {
            ["Status"] = "'Running'", ["Attempt"] = "1", ["LeaseOwner"] = "$owner", ["LeaseExpiresAt"] = "$expires",
            ["Worker"] = "$owner", ["Progress"] = "0.3", ["FinishedAt"] = "NULL", ["SummaryJson"] = "NULL",
            ["ReferencesJson"] = "NULL", ["Verdict"] = "NULL", ["Error"] = "NULL", ["HangfireJobId"] = "NULL",
        };
        await using var insert = connection.CreateCommand();
        insert.CommandText =
            $"INSERT INTO Runs ({string.Join(", ", columns)}) SELECT {string.Join(", ", columns.Select(c => overrides.GetValueOrDefault(c, c)))} " +
            "FROM Runs WHERE Id = $template; SELECT last_insert_rowid();";
        insert.Parameters.AddWithValue("$owner", owner);
        insert.Parameters.AddWithValue("$expires", (DateTimeOffset.UtcNow - expiredAgo).UtcTicks);
        insert.Parameters.AddWithValue("$template", templateId);
        return Convert.ToInt64(await insert.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
