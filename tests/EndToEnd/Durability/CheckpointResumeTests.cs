using System.Text.RegularExpressions;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Xunit.Abstractions;

namespace LayerLab.Tests.EndToEnd.Durability;

/// <summary>
/// SIGTERM the real portal while an icl-linreg run trains: the run saves a checkpoint and goes back to the queue;
/// the next portal on the same SQLite file resumes it from that checkpoint (or, when the checkpoint is damaged,
/// starts it over) and it ends Succeeded with every metric step stored exactly once.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class CheckpointResumeTests(ITestOutputHelper output) : IDisposable
{
    private const int Steps = 1500;
    private const int ReportEvery = 15; // icl-linreg: max(10, ⌈steps/100⌉)
    private static readonly Dictionary<string, string> Settings = new() { ["LayerLab__Checkpoints__IntervalSeconds"] = "0.2" };
    private readonly TempDatabase _db = new();

    private string CheckpointPath(long id) => Path.Combine(Path.GetDirectoryName(_db.FilePath)!, "checkpoints", $"run-{id}.ckpt");

    [Fact]
    public async Task Run_stopped_by_SIGTERM_after_a_checkpoint_resumes_from_it_and_ends_Succeeded_once()
    {
        var id = await TrainUntilCheckpointThenStopAsync();

        await using var second = await PortalProcess.StartAsync(_db.FilePath, Settings);
        var run = await second.Http.WaitForStatusAsync(id, TimeSpan.FromMinutes(4), LabApi.FinishedStatuses);
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", $"{run}\n{second.Log}");
        Assert.Equal(2, run.GetProperty("attempt").GetInt32());
        var resumed = ResumedAt().Match(second.Log);
        Assert.True(resumed.Success, second.Log);
        var resumedAt = long.Parse(resumed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(resumedAt > 0);
        // The run row records it too (API and run page: "attempt 2, resumed from step S").
        Assert.Equal(resumedAt, run.GetProperty("resumedFromStep").GetInt64());
        output.WriteLine($"run {id}: {resumed.Value} (of {Steps})");
        await AssertEveryStepStoredOnceAsync(id);
        Assert.True(await CheckpointFiles.DeletedWithinAsync(CheckpointPath(id), TimeSpan.FromSeconds(10)), "a finished run's checkpoints are deleted");
    }

    [Fact]
    public async Task Run_whose_checkpoint_was_corrupted_starts_over_and_ends_Succeeded()
    {
        var id = await TrainUntilCheckpointThenStopAsync();
        foreach (var path in Directory.GetFiles(Path.GetDirectoryName(CheckpointPath(id))!, $"run-{id}.*"))
        {
            var bytes = await File.ReadAllBytesAsync(path);
            bytes[bytes.Length / 2] ^= 0xFF; // one flipped byte in the middle of the weights
            await File.WriteAllBytesAsync(path, bytes);
        }

        await using var second = await PortalProcess.StartAsync(_db.FilePath, Settings);
        var run = await second.Http.WaitForStatusAsync(id, TimeSpan.FromMinutes(4), LabApi.FinishedStatuses);
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", $"{run}\n{second.Log}");
        Assert.Contains("checksum mismatch", second.Log, StringComparison.Ordinal);
        Assert.DoesNotMatch(ResumedAt(), second.Log);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, run.GetProperty("resumedFromStep").ValueKind);
        await AssertEveryStepStoredOnceAsync(id);
    }

    /// <returns>The run's id, stopped (Queued again) after at least one checkpoint reached the disk.</returns>
    private async Task<long> TrainUntilCheckpointThenStopAsync()
    {
        await using var first = await PortalProcess.StartAsync(_db.FilePath, Settings);
        var (status, body) = await first.Http.PostJsonAsync("/api/runs", new
        {
            experiment = "icl-linreg",
            parameters = new { steps = Steps, batch = 128, test_prompts = 512, ref_prompts = 2000 },
            seed = 3,
        });
        Assert.True(status == System.Net.HttpStatusCode.Created, $"{status}: {body}");
        var id = body.GetProperty("id").GetInt64();
        await first.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(60), "Running");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!File.Exists(CheckpointPath(id)) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(File.Exists(CheckpointPath(id)), $"no checkpoint written\n{first.Log}");
        var run = await first.Http.GetJsonAsync($"/api/runs/{id}");
        Assert.True(run.GetProperty("status").GetString() == "Running", $"the run must still be training when stopped: {run}");

        await first.StopAsync();
        Assert.Contains("goes back to the queue", first.Log, StringComparison.Ordinal);
        Assert.Equal(1, await _db.ScalarAsync($"SELECT COUNT(*) FROM Runs WHERE Id = {id} AND Status = 'Queued' AND Attempt = 1 AND LeaseOwner IS NULL"));
        return id;
    }

    private async Task AssertEveryStepStoredOnceAsync(long id)
    {
        var points = await _db.PointsAsync(id);
        Assert.Equal(points.Count, points.Select(p => (p.Key, p.Step)).Distinct().Count());
        long[] expected = [.. Enumerable.Range(0, Steps / ReportEvery).Select(i => (long)i * ReportEvery), Steps];
        Assert.Equal(expected, points.Where(p => p.Key == "test_loss").Select(p => p.Step).ToArray());
    }

    [GeneratedRegex(@"resumes from its checkpoint at step (\d+)")]
    private static partial Regex ResumedAt();

    public void Dispose() => _db.Dispose();
}
