using System.Net;
using System.Security.Cryptography;
using System.Text;
using LayerLab.Data.Runs;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Datasets;

/// <summary>
/// Upload, preview, versions, limits, refusals and deletion of datasets through the real host on SQLite. Each test uses
/// its own dataset names (and the quota test its own person), so they share one portal in any order.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class DatasetApiTests(DatasetsPortal fixture) : IClassFixture<DatasetsPortal>
{
    [Fact]
    public async Task An_upload_is_stored_by_its_hash_and_previewed_and_the_same_name_makes_the_next_version()
    {
        var first = Encoding.UTF8.GetBytes("café au lait\nsecond line\n");
        var (status, created) = await DatasetsPortal.UploadAsync(fixture.Alice, first, name: "menu");
        Assert.Equal(HttpStatusCode.Created, status);
        var sha = Convert.ToHexStringLower(SHA256.HashData(first));
        Assert.Equal(sha, created.GetProperty("sha256").GetString());
        Assert.Equal(1, created.GetProperty("version").GetInt32());
        Assert.Equal(first.Length, created.GetProperty("bytes").GetInt64());
        Assert.Equal(first, await File.ReadAllBytesAsync(Path.Combine(fixture.DataFolder, "sha256", sha)));

        var (again, second) = await DatasetsPortal.UploadAsync(fixture.Alice, Encoding.UTF8.GetBytes("other\n"), name: "menu");
        Assert.Equal(HttpStatusCode.Created, again);
        Assert.Equal(2, second.GetProperty("version").GetInt32());

        var detail = await fixture.Alice.GetJsonAsync($"/api/datasets/{created.GetProperty("id").GetInt64()}");
        var preview = detail.GetProperty("preview");
        Assert.Equal(26, preview.GetProperty("byteTokens").GetInt64()); // é is two bytes ...
        Assert.Equal(25, preview.GetProperty("characterTokens").GetInt64()); // ... and one character
        Assert.Equal(2, preview.GetProperty("lines").GetInt64());
        Assert.Equal(15, preview.GetProperty("distinctCharacters").GetInt32()); // c a f é u l i t s e o n d and space, newline
        Assert.Equal("café au lait", preview.GetProperty("firstLines")[0].GetString());

        var list = await fixture.Alice.GetJsonAsync("/api/datasets");
        var menus = list.EnumerateArray().Where(d => d.GetProperty("name").GetString() == "menu").ToList();
        Assert.Equal([2, 1], menus.Select(d => d.GetProperty("version").GetInt32()));
        // The default text is registered on first start; here setup's file is absent, so it is the labelled fallback.
        Assert.Contains(list.EnumerateArray(), d => d.GetProperty("builtIn").GetBoolean() && d.GetProperty("generated").GetBoolean());
    }

    [Fact]
    public async Task Bad_input_is_a_400_per_field_and_leaves_nothing_on_disk()
    {
        var (status, body) = await DatasetsPortal.UploadAsync(fixture.Alice, [0x61, 0x62, 0x63, 0xE2, 0x28, 0xA1, 0x0A], name: "broken");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("offset 3", body.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);

        (status, body) = await DatasetsPortal.UploadAsync(fixture.Alice, [], name: "empty");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("empty", body.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);

        (status, body) = await DatasetsPortal.UploadAsync(fixture.Alice, "fine\n"u8.ToArray(), name: "unlicensed", licence: null, source: " ");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("licence", out _), body.ToString());
        Assert.True(body.GetProperty("errors").TryGetProperty("source", out _), body.ToString());

        var list = await fixture.Alice.GetJsonAsync("/api/datasets");
        Assert.DoesNotContain(list.EnumerateArray(), d => d.GetProperty("name").GetString() is "broken" or "empty" or "unlicensed");
        Assert.Empty(Directory.GetFiles(fixture.Incoming));
    }

    [Fact]
    public async Task Past_the_file_limit_is_413_and_past_the_quota_is_507_with_the_numbers()
    {
        var (status, body) = await DatasetsPortal.UploadAsync(fixture.Carol, new byte[DatasetsPortal.MaxBytes + 1].Select(_ => (byte)'a').ToArray(), name: "big");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("4096", body.GetProperty("title").GetString(), StringComparison.Ordinal);

        var chunk = Enumerable.Repeat((byte)'b', 3000).ToArray();
        Assert.Equal(HttpStatusCode.Created, (await DatasetsPortal.UploadAsync(fixture.Carol, chunk, name: "quota")).Status);
        Assert.Equal(HttpStatusCode.Created, (await DatasetsPortal.UploadAsync(fixture.Carol, chunk, name: "quota")).Status);
        (status, body) = await DatasetsPortal.UploadAsync(fixture.Carol, chunk, name: "quota");
        Assert.Equal(HttpStatusCode.InsufficientStorage, status);
        Assert.Contains("9000", body.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Contains("8000", body.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await DatasetsPortal.UploadAsync(fixture.Carol, chunk.AsSpan(0, 2000).ToArray(), name: "quota")).Status); // exactly at the quota
        Assert.Empty(Directory.GetFiles(fixture.Incoming));
    }

    [Fact]
    public async Task An_upload_aborted_mid_file_leaves_nothing_behind()
    {
        var before = Directory.GetFiles(Path.Combine(fixture.DataFolder, "sha256")).Length;
        // A raw connection, so the test knows the portal is mid-file (its incoming file exists) when the client vanishes.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(fixture.Portal.BaseAddress.Host, fixture.Portal.BaseAddress.Port);
        var stream = tcp.GetStream();
        const string boundary = "abort-boundary";
        var head = $"--{boundary}\r\nContent-Disposition: form-data; name=\"licence\"\r\n\r\nCC0-1.0\r\n" +
                   $"--{boundary}\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\ntest\r\n" +
                   $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"aborted.txt\"\r\n\r\n";
        var request = $"POST /api/datasets HTTP/1.1\r\nHost: {fixture.Portal.BaseAddress.Authority}\r\n" +
                      $"Authorization: Bearer {fixture.Bob.DefaultRequestHeaders.Authorization!.Parameter}\r\n" +
                      $"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {head.Length + 3500}\r\n\r\n{head}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        await stream.WriteAsync(Enumerable.Repeat((byte)'z', 1500).ToArray());
        await stream.FlushAsync();
        for (var i = 0; i < 50 && Directory.GetFiles(fixture.Incoming).Length == 0; i++) await Task.Delay(100);
        Assert.NotEmpty(Directory.GetFiles(fixture.Incoming)); // the upload is under way ...
        tcp.Client.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        tcp.Close(); // ... and the client is gone (a reset, as when a laptop drops off the network)

        for (var i = 0; i < 50 && Directory.GetFiles(fixture.Incoming).Length > 0; i++) await Task.Delay(100);
        Assert.Empty(Directory.GetFiles(fixture.Incoming));
        Assert.Equal(before, Directory.GetFiles(Path.Combine(fixture.DataFolder, "sha256")).Length);
        var list = await fixture.Bob.GetJsonAsync("/api/datasets");
        Assert.DoesNotContain(list.EnumerateArray(), d => d.GetProperty("name").GetString() == "aborted");
    }

    [Fact]
    public async Task Only_the_owner_or_an_admin_deletes_and_never_while_a_run_uses_the_version()
    {
        var content = "to be deleted\n"u8.ToArray();
        var (_, created) = await DatasetsPortal.UploadAsync(fixture.Alice, content, name: "doomed");
        var id = created.GetProperty("id").GetInt64();
        var sha = created.GetProperty("sha256").GetString()!;
        var path = $"/api/datasets/{id}";

        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Bob.DeleteAsync(new Uri(path, UriKind.Relative))).StatusCode);
        var runId = await fixture.QueueRunOnAsync(id, sha);
        Assert.Equal(HttpStatusCode.Conflict, (await fixture.Alice.DeleteAsync(new Uri(path, UriKind.Relative))).StatusCode);
        await fixture.SetRunStatusAsync(runId, RunStatus.Running);
        Assert.Equal(HttpStatusCode.Conflict, (await fixture.Admin.DeleteAsync(new Uri(path, UriKind.Relative))).StatusCode);
        await fixture.SetRunStatusAsync(runId, RunStatus.Succeeded);
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Alice.DeleteAsync(new Uri(path, UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Alice.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
        Assert.False(File.Exists(Path.Combine(fixture.DataFolder, "sha256", sha)));

        var (_, other) = await DatasetsPortal.UploadAsync(fixture.Alice, "an admin may delete this\n"u8.ToArray(), name: "doomed");
        Assert.Equal(HttpStatusCode.NoContent,
            (await fixture.Admin.DeleteAsync(new Uri($"/api/datasets/{other.GetProperty("id").GetInt64()}", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_remote_worker_resolves_a_dataset_by_id_into_its_hash_addressed_cache()
    {
        var content = "the worker reads this\n"u8.ToArray();
        var (_, created) = await DatasetsPortal.UploadAsync(fixture.Alice, content, name: "for-workers");
        var id = created.GetProperty("id").GetInt64();
        var cache = Path.Combine(Path.GetDirectoryName(fixture.Portal.Database.FilePath)!, "worker-cache");
        var catalog = new LayerLab.Worker.Portal.HttpDatasetCatalog(fixture.Worker, cache);

        var file = await catalog.FindAsync(id, CancellationToken.None);
        Assert.NotNull(file);
        Assert.Equal(created.GetProperty("sha256").GetString(), file.Sha256);
        Assert.Equal(Path.Combine(cache, file.Sha256), file.Path);
        Assert.Equal(content, await File.ReadAllBytesAsync(file.Path));
        Assert.Single(Directory.GetFiles(cache)); // no .part left behind
        Assert.Null(await catalog.FindAsync(id + 1000, CancellationToken.None));
        Assert.True((await catalog.DefaultTextAsync(CancellationToken.None)).Generated); // setup's file is absent here
        // The content route is for workers only; a researcher's token gets nothing there.
        Assert.Equal(HttpStatusCode.Forbidden,
            (await fixture.Alice.GetAsync(new Uri($"/api/workers/datasets/{id}/content", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Anonymous_callers_are_401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await DatasetsPortal.UploadAsync(fixture.Anonymous, "x\n"u8.ToArray())).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Anonymous.GetAsync(new Uri("/api/datasets", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_tiny_lm_run_on_an_unknown_dataset_is_a_400_on_dataset_and_on_an_upload_records_its_id_and_hash()
    {
        var runsBefore = await fixture.Portal.Database.ScalarAsync("SELECT COUNT(*) FROM Runs");
        var (status, body) = await fixture.Alice.PostJsonAsync("/api/runs", new { experiment = "tiny-lm", parameters = new { dataset = 999_999 } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("999999", body.GetProperty("errors").GetProperty("parameters.dataset")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(runsBefore, await fixture.Portal.Database.ScalarAsync("SELECT COUNT(*) FROM Runs"));

        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("the cat sat on the mat. ", 120)));
        var (uploaded, dataset) = await DatasetsPortal.UploadAsync(fixture.Alice, text.AsSpan(0, 2_500).ToArray(), name: "tiny-lm-text");
        Assert.Equal(HttpStatusCode.Created, uploaded);
        var id = dataset.GetProperty("id").GetInt64();
        var (created, run) = await fixture.Alice.PostJsonAsync("/api/runs", new { experiment = "tiny-lm", parameters = new { dataset = id, steps = 10 } });
        Assert.True(created == HttpStatusCode.Created, run.ToString());
        Assert.Equal(id, run.GetProperty("datasetId").GetInt64());
        Assert.Equal(dataset.GetProperty("sha256").GetString(), run.GetProperty("datasetSha256").GetString());
        await fixture.Alice.PostJsonAsync($"/api/runs/{run.GetProperty("id").GetInt64()}/cancel", new { });
    }
}
