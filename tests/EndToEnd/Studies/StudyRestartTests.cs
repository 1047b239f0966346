using System.Diagnostics;
using System.Net;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Studies;

/// <summary>A study queued in one portal is finished and judged by the next portal on the same SQLite file.</summary>
[Collection(PortalCollection.Name)]
public sealed class StudyRestartTests : IDisposable
{
    private readonly TempDatabase _db = new();

    [Fact]
    public async Task A_study_submitted_before_a_restart_finishes_after_it_with_its_verdict()
    {
        long id;
        await using (var first = await PortalProcess.StartAsync(_db.FilePath, new Dictionary<string, string> { ["LayerLab__Worker__Enabled"] = "false" }))
        {
            // No worker in the first portal: every run is still Queued when it stops.
            var (status, created) = await first.Http.PostJsonAsync("/api/studies", new
            {
                experiment = "xor-prelu",
                study = "success-vs-lr",
                overrides = new Dictionary<string, object> { ["trials"] = 4, ["lr_points"] = 3, ["epochs"] = 40, ["seeds"] = 3 },
            });
            Assert.True(status == HttpStatusCode.Created, created.ToString());
            id = created.GetProperty("id").GetInt64();
            Assert.Equal("Queued", created.GetProperty("status").GetString());
            await first.StopAsync();
        }

        await using var second = await PortalProcess.StartAsync(_db.FilePath);
        var watch = Stopwatch.StartNew();
        System.Text.Json.JsonElement study;
        do
        {
            study = await second.Http.GetJsonAsync($"/api/studies/{id}");
            if (study.GetProperty("status").GetString() == "Finished") break;
            await Task.Delay(250);
        } while (watch.Elapsed < TimeSpan.FromMinutes(3));
        Assert.True(study.GetProperty("status").GetString() == "Finished", $"{study}\n{second.Log}");
        Assert.Equal(12, study.GetProperty("progress").GetProperty("succeeded").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Object, study.GetProperty("verdict").ValueKind);
    }

    public void Dispose() => _db.Dispose();
}
