using System.Net;
using System.Net.Http.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;

namespace LayerLab.Tests.EndToEnd.Security;

/// <summary>Who may do what, checked on the server against the real portal process.</summary>
[Collection(PortalCollection.Name)]
public sealed class AccessControlTests : IAsyncLifetime
{
    private const string Password = "user-password-1";
    private readonly TempDatabase _db = new();
    private PortalProcess _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalProcess.StartAsync(_db.FilePath);
        foreach (var role in new[] { "Viewer", "Researcher", "Reviewer" })
            await _portal.Http.CreateUserAsync($"{role.ToLowerInvariant()}@lab.test", Password, role);
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        _db.Dispose();
    }

    [Fact]
    public async Task Roles_are_enforced_on_the_server_for_every_action()
    {
        var viewer = await _portal.SignInAsync("viewer@lab.test", Password);
        var researcher = await _portal.SignInAsync("researcher@lab.test", Password);
        var reviewer = await _portal.SignInAsync("reviewer@lab.test", Password);
        var admin = _portal.Http;
        var clients = new Dictionary<string, HttpClient> { ["Viewer"] = viewer, ["Researcher"] = researcher, ["Reviewer"] = reviewer, ["Admin"] = admin };

        // Researcher's run, used for the cancel rows.
        var researchersRun = await researcher.SubmitAsync(new { trials = 1000, epochs = 100000 });

        var expected = new (string Action, Func<HttpClient, Task<HttpStatusCode>> Act, string[] Allowed)[]
        {
            ("read runs", c => StatusAsync(c, HttpMethod.Get, "/api/runs"), ["Viewer", "Researcher", "Reviewer", "Admin"]),
            ("read metrics", c => StatusAsync(c, HttpMethod.Get, $"/api/runs/{researchersRun}/metrics"), ["Viewer", "Researcher", "Reviewer", "Admin"]),
            ("submit", c => StatusAsync(c, HttpMethod.Post, "/api/runs", new { experiment = "xor-prelu", parameters = new { epochs = 1, trials = 1, lr_points = 1 } }),
                ["Researcher", "Reviewer", "Admin"]),
            ("list users", c => StatusAsync(c, HttpMethod.Get, "/api/admin/users"), ["Admin"]),
            ("hangfire dashboard", c => StatusAsync(c, HttpMethod.Get, "/hangfire"), ["Admin"]),
            ("create token", c => StatusAsync(c, HttpMethod.Post, "/api/tokens", new { name = "t", scopes = new[] { "read" }, expiresInDays = 1 }),
                ["Viewer", "Researcher", "Reviewer", "Admin"]),
        };
        var failures = new List<string>();
        foreach (var (action, act, allowed) in expected)
        foreach (var (role, client) in clients)
        {
            var status = await act(client);
            var ok = (int)status is >= 200 and < 300;
            if (ok != allowed.Contains(role)) failures.Add($"{role} {action}: {(int)status}");
        }

        // Cancel: the author and admins only — a Reviewer may not cancel a colleague's run.
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(viewer, HttpMethod.Post, $"/api/runs/{researchersRun}/cancel"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(reviewer, HttpMethod.Post, $"/api/runs/{researchersRun}/cancel"));
        Assert.Equal(HttpStatusCode.Accepted, await StatusAsync(researcher, HttpMethod.Post, $"/api/runs/{researchersRun}/cancel"));
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Api_tokens_carry_their_scopes_and_stop_working_when_revoked()
    {
        var researcher = await _portal.SignInAsync("researcher@lab.test", Password);
        var readOnly = await researcher.CreateTokenAsync("ro", "read");
        var readWrite = await researcher.CreateTokenAsync("rw", "read", "write");
        using var ro = Bearer(readOnly);
        using var rw = Bearer(readWrite);

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(ro, HttpMethod.Get, "/api/runs"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(ro, HttpMethod.Post, "/api/runs", new { experiment = "xor-prelu" }));
        Assert.Equal(HttpStatusCode.Created, await StatusAsync(rw, HttpMethod.Post, "/api/runs",
            new { experiment = "xor-prelu", parameters = new { epochs = 1, trials = 1, lr_points = 1 } }));
        // Only an admin lets a machine train runs: a researcher gets no worker token, and the worker scope goes alone.
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(researcher, HttpMethod.Post, "/api/tokens", new { name = "w", scopes = new[] { "worker" } }));
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(researcher, HttpMethod.Post, "/api/tokens", new { name = "w", scopes = new[] { "worker", "read" } }));
        // A token cannot mint more tokens.
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(rw, HttpMethod.Post, "/api/tokens", new { name = "x", scopes = new[] { "read" } }));

        // The list never shows a secret, only the prefix.
        // Split in three: the secret itself may contain '_' (base64url), so everything after the prefix is the secret.
        var secret = readOnly.Split('_', 3)[2];
        var list = await researcher.GetStringAsync(new Uri("/api/tokens", UriKind.Relative));
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);
        Assert.Equal(0, await _db.ScalarAsync($"SELECT COUNT(*) FROM ApiTokens WHERE instr(SecretHash, '{secret}') > 0"));

        var id = await _db.ScalarAsync($"SELECT Id FROM ApiTokens WHERE Prefix = '{readOnly.Split('_')[1]}'");
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(researcher, HttpMethod.Delete, $"/api/tokens/{id}"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(ro, HttpMethod.Get, "/api/runs"));
        using var forged = Bearer(readWrite[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(forged, HttpMethod.Get, "/api/runs"));
    }

    [Fact]
    public async Task A_role_change_applies_to_the_tokens_next_request()
    {
        // The portal caches a checked token for a few seconds; a role change must not wait for that to run out.
        var researcher = await _portal.SignInAsync("researcher@lab.test", Password);
        using var rw = Bearer(await researcher.CreateTokenAsync("rw", "read", "write"));
        Assert.Equal(HttpStatusCode.Created, await StatusAsync(rw, HttpMethod.Post, "/api/runs/external", new { name = "before" }));
        Assert.Equal(HttpStatusCode.Created, await StatusAsync(rw, HttpMethod.Post, "/api/runs/external", new { name = "cached" }));

        using var users = System.Text.Json.JsonDocument.Parse(await _portal.Http.GetStringAsync(new Uri("/api/admin/users", UriKind.Relative)));
        var id = users.RootElement.EnumerateArray().Single(u => u.GetProperty("email").GetString() == "researcher@lab.test").GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(_portal.Http, HttpMethod.Put, $"/api/admin/users/{id}/role", new { role = "Viewer" }));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(rw, HttpMethod.Post, "/api/runs/external", new { name = "after" }));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(rw, HttpMethod.Get, "/api/runs"));
    }

    [Fact]
    public async Task Repeated_failed_sign_ins_are_answered_with_429_and_Retry_After()
    {
        HttpResponseMessage? last = null;
        for (var i = 0; i < 6; i++)
        {
            last?.Dispose();
            (_, last) = await PortalSession.TrySignInAsync(_portal.BaseAddress, "viewer@lab.test", "wrong-password");
        }
        using (last)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
            Assert.NotNull(last.Headers.RetryAfter);
        }
        // Locked out: even the right password is refused until the lockout ends.
        var (_, right) = await PortalSession.TrySignInAsync(_portal.BaseAddress, "viewer@lab.test", Password);
        using (right) Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
    }

    [Fact]
    public async Task Form_posts_without_an_antiforgery_token_are_rejected()
    {
        using var signIn = new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = PortalProcess.AdminEmail, ["password"] = PortalProcess.AdminPassword });
        using var response = await _portal.Anonymous.PostAsync(new Uri("/account/signin", UriKind.Relative), signIn);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        // Signed in, but the cross-site form has no token: the password stays as it was.
        using var change = new FormUrlEncodedContent(new Dictionary<string, string> { ["current"] = PortalProcess.AdminPassword, ["next"] = "hijacked-password-1" });
        using var changed = await _portal.Http.PostAsync(new Uri("/account/password", UriKind.Relative), change);
        Assert.Equal(HttpStatusCode.BadRequest, changed.StatusCode);
        (await _portal.SignInAsync(PortalProcess.AdminEmail, PortalProcess.AdminPassword)).Dispose();
    }

    [Fact]
    public async Task Signed_in_users_get_the_OpenAPI_document_of_the_runs_api()
    {
        var viewer = await _portal.SignInAsync("viewer@lab.test", Password);
        var document = await viewer.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Contains("\"/api/runs\"", document, StringComparison.Ordinal);
        Assert.Contains("\"/api/runs/{id}/metrics\"", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_change_through_the_form_takes_effect()
    {
        var researcher = await _portal.SignInAsync("researcher@lab.test", Password);
        var form = await researcher.GetStringAsync(new Uri("/account/password", UriKind.Relative));
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        using var change = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["current"] = Password, ["next"] = "a-new-password-2", ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
        });
        using var changed = await researcher.PostAsync(new Uri("/account/password", UriKind.Relative), change);
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Contains("changed=1", changed.Headers.Location!.ToString(), StringComparison.Ordinal);

        (await _portal.SignInAsync("researcher@lab.test", "a-new-password-2")).Dispose();
        await Assert.ThrowsAsync<InvalidOperationException>(() => _portal.SignInAsync("researcher@lab.test", Password));
    }

    private HttpClient Bearer(string token)
    {
        var client = new HttpClient { BaseAddress = _portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}

/// <summary>Every route, hub and download refuses a visitor who is not signed in (one shared portal: nothing is stored).</summary>
[Collection(PortalCollection.Name)]
public sealed class AnonymousAccessTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/experiments")]
    [InlineData("GET", "/runs/1")]
    [InlineData("GET", "/submit/xor-prelu")]
    [InlineData("GET", "/account/tokens")]
    [InlineData("GET", "/admin/users")]
    [InlineData("GET", "/api/info")]
    [InlineData("GET", "/api/experiments")]
    [InlineData("GET", "/api/runs")]
    [InlineData("GET", "/api/runs/1")]
    [InlineData("GET", "/api/runs/1/metrics")]
    [InlineData("POST", "/api/runs")]
    [InlineData("POST", "/api/runs/1/cancel")]
    [InlineData("GET", "/api/tokens")]
    [InlineData("POST", "/api/tokens")]
    [InlineData("GET", "/api/admin/users")]
    [InlineData("POST", "/hubs/runs/negotiate?negotiateVersion=1")]
    [InlineData("GET", "/queue")]
    [InlineData("GET", "/api/queue")]
    [InlineData("POST", "/api/runs/1/priority")]
    [InlineData("GET", "/api/notifications")]
    [InlineData("POST", "/api/notifications/1/read")]
    [InlineData("POST", "/api/notifications/read-all")]
    [InlineData("POST", "/hubs/notifications/negotiate?negotiateVersion=1")]
    [InlineData("GET", "/hangfire")]
    [InlineData("GET", "/hangfire/stats")]
    [InlineData("POST", "/_blazor/negotiate?negotiateVersion=1")]
    [InlineData("GET", "/openapi/v1.json")]
    public async Task Anonymous_requests_are_refused(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = JsonContent.Create(new { experiment = "xor-prelu" });
        using var response = await fixture.Portal.Anonymous.SendAsync(request);
        var refused = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ||
                      (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.ToString().Contains("/account/signin", StringComparison.Ordinal));
        Assert.True(refused, $"{method} {path} answered {(int)response.StatusCode} {response.Headers.Location}");
        Assert.Equal(0, await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM Runs"));
    }
}
