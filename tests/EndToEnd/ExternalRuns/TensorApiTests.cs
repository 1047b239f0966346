using System.Net;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using static LayerLab.Tests.EndToEnd.ExternalRuns.ExternalRunsPortal;

namespace LayerLab.Tests.EndToEnd.ExternalRuns;

/// <summary>Tensors of a run over HTTP, against the real portal process (caps: 256 values a tensor, 4 KiB a run).</summary>
[Collection(PortalCollection.Name)]
public sealed class TensorApiTests(ExternalRunsPortal lab) : IClassFixture<ExternalRunsPortal>
{
    public sealed record TensorNotice(long RunId, string Key, long Step, int[] Shape);

    [Fact]
    public async Task Posted_tensors_read_back_exactly_list_their_steps_and_are_announced_live()
    {
        var id = await CreateRunAsync(lab.Alice, "tensors");
        var notices = new List<TensorNotice>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(lab.Portal.BaseAddress, "/hubs/runs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(lab.AliceTokenText))
            .Build();
        hub.On<TensorNotice>("TensorLogged", m => { lock (notices) notices.Add(m); });
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRun", id);

        // Values float32 cannot hold exactly come back as the float32 nearest them (0.1f), not as sent.
        float[] step0 = [1.5f, -2.25f, 0.1f, 3e-8f, 65504f, -0f];
        float[] step5 = [6, 5, 4, 3, 2, 1];
        foreach (var (step, data) in new[] { (0L, step0), (5L, step5) })
        {
            var (status, body) = await SendJsonAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{id}/tensors",
                new { key = "attn.kq", step, shape = new[] { 2, 3 }, data = data.Select(v => (double)v) });
            Assert.True(status == HttpStatusCode.Created, $"{status} {body}");
        }
        var (second, _) = await SendJsonAsync(lab.Alice, HttpMethod.Post, $"/api/runs/{id}/tensors",
            new { key = "w", step = 3, shape = new[] { 3 }, data = new[] { 1.0, 2, 3 } });
        Assert.Equal(HttpStatusCode.Created, second);

        var list = await lab.AliceReadOnly.GetJsonAsync($"/api/runs/{id}/tensors");
        var keys = list.GetProperty("tensors").EnumerateArray().ToList();
        Assert.Equal(["attn.kq", "w"], keys.Select(k => k.GetProperty("key").GetString()));
        Assert.Equal([0L, 5], keys[0].GetProperty("steps").EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal([2, 3], keys[0].GetProperty("shape").EnumerateArray().Select(s => s.GetInt32()));

        var read = await lab.AliceReadOnly.GetJsonAsync($"/api/runs/{id}/tensors/attn.kq?step=0");
        Assert.Equal(0, read.GetProperty("step").GetInt64());
        Assert.Equal(step0, read.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()));
        var last = await lab.AliceReadOnly.GetJsonAsync($"/api/runs/{id}/tensors/attn.kq");
        Assert.Equal(step5, last.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()));
        var (missing, _) = await SendAsync(lab.AliceReadOnly, HttpMethod.Get, $"/api/runs/{id}/tensors/attn.kq?step=1", null);
        Assert.Equal(HttpStatusCode.NotFound, missing);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10) && notices.Count < 3) await Task.Delay(50);
        lock (notices) Assert.Equal([("attn.kq", 0L), ("attn.kq", 5L), ("w", 3L)], notices.Select(n => (n.Key, n.Step)).OrderBy(n => n.Key).ThenBy(n => n.Item2));
    }

    [Fact]
    public async Task Bad_tensors_get_400_per_field_others_runs_403_anonymous_401_and_the_run_cap_holds()
    {
        var id = await CreateRunAsync(lab.Alice, "tensor refusals");
        async Task<(HttpStatusCode, JsonElement)> Post(HttpClient client, string json) =>
            await SendRawJsonAsync(client, HttpMethod.Post, $"/api/runs/{id}/tensors", json);

        var (badShape, shapeBody) = await Post(lab.Alice, """{"key":"w","step":0,"shape":[2,2],"data":[1,2,3]}""");
        Assert.Equal(HttpStatusCode.BadRequest, badShape);
        Assert.Contains("4 values but data has 3", shapeBody.GetProperty("errors").GetProperty("shape")[0].GetString());

        var tooBig = $$"""{"key":"w","step":0,"shape":[257],"data":[{{string.Join(',', Enumerable.Repeat("1", 257))}}]}""";
        var (big, bigBody) = await Post(lab.Alice, tooBig);
        Assert.Equal(HttpStatusCode.BadRequest, big);
        Assert.True(bigBody.GetProperty("errors").TryGetProperty("data", out _), bigBody.ToString());

        var (nan, nanBody) = await Post(lab.Alice, """{"key":"w","step":0,"shape":[3],"data":[1,"NaN",3]}""");
        Assert.Equal(HttpStatusCode.BadRequest, nan);
        Assert.True(nanBody.GetProperty("errors").TryGetProperty("data[1]", out _), nanBody.ToString());
        var (overflow, overflowBody) = await Post(lab.Alice, """{"key":"w","step":0,"shape":[1],"data":[1e39]}""");
        Assert.Equal(HttpStatusCode.BadRequest, overflow);
        Assert.True(overflowBody.GetProperty("errors").TryGetProperty("data[0]", out _), overflowBody.ToString());

        var (badKey, keyBody) = await Post(lab.Alice, """{"key":"a/b","step":-1,"shape":[1],"data":[1]}""");
        Assert.Equal(HttpStatusCode.BadRequest, badKey);
        Assert.True(keyBody.GetProperty("errors").TryGetProperty("key", out _), keyBody.ToString());
        Assert.True(keyBody.GetProperty("errors").TryGetProperty("step", out _), keyBody.ToString());

        var (bob, _) = await Post(lab.Bob, """{"key":"w","step":0,"shape":[1],"data":[1]}""");
        Assert.Equal(HttpStatusCode.Forbidden, bob);
        var (readOnly, _) = await Post(lab.AliceReadOnly, """{"key":"w","step":0,"shape":[1],"data":[1]}""");
        Assert.Equal(HttpStatusCode.Forbidden, readOnly);
        using var anonymous = new HttpClient { BaseAddress = lab.Portal.BaseAddress };
        var (anon, _) = await Post(anonymous, """{"key":"w","step":0,"shape":[1],"data":[1]}""");
        Assert.Equal(HttpStatusCode.Unauthorized, anon);
        Assert.Equal(0, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM RunTensors WHERE RunId = {id}"));

        // The run cap: four full tensors fit (4 KiB), the fifth is refused, and a re-sent stored step is still fine.
        var full = $"[{string.Join(',', Enumerable.Repeat("0.5", TensorMaxElements))}]";
        for (var step = 0; step < 4; step++)
        {
            var (ok, okBody) = await Post(lab.Alice, $$"""{"key":"big","step":{{step}},"shape":[16,16],"data":{{full}}}""");
            Assert.True(ok == HttpStatusCode.Created, $"{ok} {okBody}");
        }
        var (capped, cappedBody) = await Post(lab.Alice, $$"""{"key":"big","step":4,"shape":[16,16],"data":{{full}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, capped);
        Assert.Contains($"{TensorRunCapBytes} bytes", cappedBody.GetProperty("errors").GetProperty("data")[0].GetString());
        var (again, _) = await Post(lab.Alice, $$"""{"key":"big","step":3,"shape":[16,16],"data":{{full}}}""");
        Assert.Equal(HttpStatusCode.Created, again);
        Assert.Equal(4, await lab.Db.ScalarAsync($"SELECT COUNT(*) FROM RunTensors WHERE RunId = {id}"));
        Assert.Equal(TensorRunCapBytes, await lab.Db.ScalarAsync($"SELECT SUM(length(Data)) FROM RunTensors WHERE RunId = {id}"));
    }
}
