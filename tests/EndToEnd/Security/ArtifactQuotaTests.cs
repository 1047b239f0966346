using System.Net;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Security;

/// <summary>One person cannot fill the portal's disk: past LayerLab:Artifacts:QuotaBytes an upload is 507 and nothing is kept.</summary>
[Collection(PortalCollection.Name)]
public sealed class ArtifactQuotaTests
{
    [Fact]
    public async Task Uploads_past_the_per_person_quota_are_507_and_store_nothing()
    {
        using var db = new TempDatabase();
        await using var portal = await PortalProcess.StartAsync(db.FilePath, new Dictionary<string, string>
        {
            ["LayerLab__Artifacts__QuotaBytes"] = "1000",
        });
        using var token = new HttpClient { BaseAddress = portal.BaseAddress };
        token.DefaultRequestHeaders.Authorization = new("Bearer", await portal.Http.CreateTokenAsync("rw", "read", "write"));
        var (_, run) = await token.PostJsonAsync("/api/runs/external", new { name = "quota" });
        var runId = run.GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.Created, await UploadAsync(token, runId, 600));
        Assert.Equal(HttpStatusCode.InsufficientStorage, await UploadAsync(token, runId, 600));
        Assert.Equal(1, await db.ScalarAsync("SELECT COUNT(*) FROM Artifacts"));
        Assert.Single(Directory.GetFiles(Path.Combine(Path.GetDirectoryName(db.FilePath)!, "artifacts", runId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(HttpStatusCode.Created, await UploadAsync(token, runId, 400)); // exactly at the quota is still fine
    }

    private static async Task<HttpStatusCode> UploadAsync(HttpClient client, long runId, int bytes)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[bytes]), "file", "weights.bin" } };
        using var response = await client.PostAsync(new Uri($"/api/runs/{runId}/artifacts", UriKind.Relative), form);
        return response.StatusCode;
    }
}
