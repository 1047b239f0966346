using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LayerLab.Tests.EndToEnd.Datasets;

/// <summary>The real portal in-process on SQLite with small dataset limits (4 KiB a file, 8000 bytes a person), an admin
/// and two researchers with write tokens.</summary>
public sealed class DatasetsPortal : IAsyncLifetime
{
    public const long MaxBytes = 4096;
    public const long QuotaBytes = 8000;
    private const string Password = "researcher-password-1";

    public InProcessPortal Portal { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient Alice { get; private set; } = null!;
    public HttpClient Bob { get; private set; } = null!;
    public HttpClient Carol { get; private set; } = null!;
    public HttpClient Anonymous { get; private set; } = null!;
    /// <summary>An admin's worker-scope token, as a remote worker calls the portal.</summary>
    public HttpClient Worker { get; private set; } = null!;

    public string DataFolder => Path.Combine(Path.GetDirectoryName(Portal.Database.FilePath)!, "datasets");
    public string Incoming => Path.Combine(DataFolder, "incoming");

    public async Task InitializeAsync()
    {
        Portal = await InProcessPortal.StartAsync(
            $"--LayerLab:Admin:Email={PortalProcess.AdminEmail}", $"--LayerLab:Admin:Password={PortalProcess.AdminPassword}",
            $"--LayerLab:Datasets:MaxBytes={MaxBytes}", $"--LayerLab:Datasets:QuotaBytes={QuotaBytes}",
            "--LayerLab:Datasets:DefaultTextPath=/nonexistent/kjv.txt", "--LayerLab:Auth:SignInAttemptsPerMinute=1000");
        using var adminSession = await PortalSession.SignInAsync(Portal.BaseAddress, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        Admin = new HttpClient { BaseAddress = Portal.BaseAddress };
        Admin.DefaultRequestHeaders.Authorization = new("Bearer", await adminSession.CreateTokenAsync("admin-rw", "read", "write"));
        Alice = await ResearcherAsync(adminSession, "alice@lab.test");
        Bob = await ResearcherAsync(adminSession, "bob@lab.test");
        Carol = await ResearcherAsync(adminSession, "carol@lab.test");
        Anonymous = new HttpClient { BaseAddress = Portal.BaseAddress };
        Worker = new HttpClient { BaseAddress = Portal.BaseAddress };
        Worker.DefaultRequestHeaders.Authorization = new("Bearer", await adminSession.CreateTokenAsync("worker", "worker"));
    }

    private async Task<HttpClient> ResearcherAsync(HttpClient adminSession, string email)
    {
        await adminSession.CreateUserAsync(email, Password, "Researcher");
        using var session = await PortalSession.SignInAsync(Portal.BaseAddress, email, Password);
        var client = new HttpClient { BaseAddress = Portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", await session.CreateTokenAsync("rw", "read", "write"));
        return client;
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> UploadAsync(
        HttpClient client, byte[] content, string? name = "corpus", string? licence = "CC0-1.0", string? source = "written for the test",
        string fileName = "corpus.txt")
    {
        using var form = new MultipartFormDataContent();
        if (name is not null) form.Add(new StringContent(name), "name");
        if (licence is not null) form.Add(new StringContent(licence), "licence");
        if (source is not null) form.Add(new StringContent(source), "source");
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", fileName);
        using var response = await client.PostAsync(new Uri("/api/datasets", UriKind.Relative), form);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>A queued catalog run that trains on the dataset (the worker is off, so it stays queued).</summary>
    public async Task<long> QueueRunOnAsync(long datasetId, string sha256)
    {
        var factory = Portal.Services.GetRequiredService<IDbContextFactory<LabDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var run = new Run
        {
            ExperimentKey = "tiny-lm", ParametersJson = $"{{\"dataset\":{datasetId}}}", Status = RunStatus.Queued,
            QueuedAt = DateTimeOffset.UtcNow, DatasetId = datasetId, DatasetSha256 = sha256,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    public async Task SetRunStatusAsync(long runId, RunStatus status)
    {
        var factory = Portal.Services.GetRequiredService<IDbContextFactory<LabDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status));
    }

    public async Task DisposeAsync()
    {
        foreach (var client in new[] { Admin, Alice, Bob, Carol, Anonymous, Worker }) client?.Dispose();
        await Portal.DisposeAsync();
    }
}
