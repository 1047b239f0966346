using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Review;

/// <summary>Review and discussion rules, checked on the server of a real portal process.</summary>
[Collection(PortalCollection.Name)]
public sealed class ReviewApiTests : IAsyncLifetime
{
    private const string Password = "user-password-1";
    private readonly TempDatabase _db = new();
    private PortalProcess _portal = null!;
    private HttpClient _researcher = null!;
    private HttpClient _reviewer = null!;
    private HttpClient _otherResearcher = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalProcess.StartAsync(_db.FilePath);
        await _portal.Http.CreateUserAsync("researcher@lab.test", Password, "Researcher");
        await _portal.Http.CreateUserAsync("other@lab.test", Password, "Researcher");
        await _portal.Http.CreateUserAsync("reviewer@lab.test", Password, "Reviewer");
        _researcher = await _portal.SignInAsync("researcher@lab.test", Password);
        _otherResearcher = await _portal.SignInAsync("other@lab.test", Password);
        _reviewer = await _portal.SignInAsync("reviewer@lab.test", Password);
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        _db.Dispose();
    }

    [Fact]
    public async Task Review_rules_hold_and_every_change_is_kept_in_order()
    {
        var run = await _researcher.SubmitAsync(new { trials = 20, epochs = 100, lr_points = 4 });
        var reviewerRun = await _reviewer.SubmitAsync(new { trials = 20, epochs = 100, lr_points = 4 });
        var path = $"/api/runs/{run}/review";

        // A researcher may not review (policy), nor may a reviewer approve their own run (rule).
        Assert.Equal(HttpStatusCode.Forbidden, (await _researcher.PostJsonAsync(path, new { state = "Approved" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await _reviewer.PostJsonAsync($"/api/runs/{reviewerRun}/review", new { state = "Approved" })).Status);

        var (missing, problem) = await _reviewer.PostJsonAsync(path, new { state = "ChangesRequested" });
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.True(problem.GetProperty("errors").TryGetProperty("comment", out _), problem.ToString());

        Assert.Equal(HttpStatusCode.OK, (await _reviewer.PostJsonAsync(path, new { state = "ChangesRequested", comment = "Run more seeds." })).Status);
        Assert.Equal(HttpStatusCode.OK, (await _reviewer.PostJsonAsync(path, new { state = "Approved" })).Status);

        var review = await _researcher.GetJsonAsync(path);
        Assert.Equal("Approved", review.GetProperty("state").GetString());
        var history = review.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(2, history.Count);
        Assert.Equal(("Unreviewed", "ChangesRequested", "Run more seeds."),
            (history[0].GetProperty("from").GetString(), history[0].GetProperty("to").GetString(), history[0].GetProperty("comment").GetString()));
        Assert.Equal(("ChangesRequested", "Approved"), (history[1].GetProperty("from").GetString(), history[1].GetProperty("to").GetString()));
        Assert.Equal("reviewer@lab.test", history[1].GetProperty("reviewerName").GetString());
        // The current state is on the run itself (for the leaderboard).
        Assert.Equal(1, await _db.ScalarAsync($"SELECT COUNT(*) FROM Runs WHERE Id = {run} AND ReviewState = 'Approved'"));
    }

    [Fact]
    public async Task Only_the_author_edits_a_comment_and_bodies_are_rendered_safely()
    {
        var run = await _researcher.SubmitAsync(new { trials = 20, epochs = 100, lr_points = 4 });
        var comments = $"/api/runs/{run}/comments";
        var (created, comment) = await _reviewer.PostJsonAsync(comments,
            new { body = "<script>alert(1)</script><img src=x onerror=alert(1)>**bold** @researcher@lab.test" });
        Assert.Equal(HttpStatusCode.Created, created);
        var id = comment.GetProperty("id").GetInt64();
        var html = comment.GetProperty("html").GetString()!;
        Assert.Contains("<strong>bold</strong>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"<[^>]*\bon\w+\s*=", html);
        Assert.Contains("<span class=\"mention\">@researcher@lab.test</span>", html, StringComparison.Ordinal);
        Assert.Equal(["researcher@lab.test"], comment.GetProperty("mentions").EnumerateArray().Select(m => m.GetString()));

        Assert.Equal(HttpStatusCode.Forbidden, await PutAsync(_researcher, $"{comments}/{id}", new { body = "hijacked" }));
        Assert.Equal(HttpStatusCode.Forbidden, await PutAsync(_portal.Http, $"{comments}/{id}", new { body = "admin edit" }));
        Assert.Equal(HttpStatusCode.OK, await PutAsync(_reviewer, $"{comments}/{id}", new { body = "edited" }));
        Assert.Equal(HttpStatusCode.BadRequest, (await _researcher.PostJsonAsync(comments, new { body = "" })).Status);

        var (replied, _) = await _researcher.PostJsonAsync(comments, new { body = "thanks", parentId = id });
        Assert.Equal(HttpStatusCode.Created, replied);
        var thread = await _otherResearcher.GetJsonAsync(comments);
        Assert.Equal(["edited", "thanks"], thread.EnumerateArray().Select(c => c.GetProperty("body").GetString()));

        // Others cannot delete it; an admin can (and the reply goes with it).
        using (var denied = await _otherResearcher.DeleteAsync(new Uri($"{comments}/{id}", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        using (var deleted = await _portal.Http.DeleteAsync(new Uri($"{comments}/{id}", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(0, (await _reviewer.GetJsonAsync(comments)).GetArrayLength());
    }

    [Fact]
    public async Task Tags_are_validated_and_only_the_author_sets_them()
    {
        var run = await _researcher.SubmitAsync(new { trials = 20, epochs = 100, lr_points = 4 });
        var tags = $"/api/runs/{run}/tags";
        Assert.Equal(HttpStatusCode.OK, await PutAsync(_researcher, tags, new { tags = new[] { "baseline", "seed-sweep", "v1.2" } }));
        Assert.Equal(HttpStatusCode.Forbidden, await PutAsync(_otherResearcher, tags, new { tags = new[] { "mine" } }));
        Assert.Equal(HttpStatusCode.BadRequest, await PutAsync(_researcher, tags, new { tags = new[] { "Bad Tag!" } }));
        Assert.Equal(HttpStatusCode.BadRequest, await PutAsync(_researcher, tags, new { tags = Enumerable.Range(0, 21).Select(i => $"t{i}").ToArray() }));
        Assert.Equal(["baseline", "seed-sweep", "v1.2"], (await _reviewer.GetJsonAsync(tags)).EnumerateArray().Select(t => t.GetString()));
    }

    private static async Task<HttpStatusCode> PutAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PutAsJsonAsync(new Uri(path, UriKind.Relative), body);
        return response.StatusCode;
    }
}
