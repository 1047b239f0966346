using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace LayerLab.Tests.EndToEnd.Security;

/// <summary>The probes of issue 13 ("Security round 2"), each against the real portal process.</summary>
[Collection(PortalCollection.Name)]
public sealed class SecurityProbeTests(SecurityProbeFixture fixture) : IClassFixture<SecurityProbeFixture>
{
    private PortalProcess Portal => fixture.Portal;

    // ---- 1. sweep expansion ----

    [Fact]
    public async Task A_sweep_of_8_axes_of_256_values_is_a_400_on_sweep_at_once_not_a_2_to_the_64_walk()
    {
        var sweep = new Dictionary<string, object>();
        foreach (var name in new[] { "lr_min", "lr_max", "init_scale" })
            sweep[name] = new { mode = "linear", start = 0.001, stop = 0.256, count = 256 };
        foreach (var name in new[] { "lr_points", "epochs", "trials" })
            sweep[name] = new { mode = "linear", start = 1, stop = 256, count = 256 };
        foreach (var name in new[] { "input_coding", "optimizer" })
            sweep[name] = new { mode = "list", values = Enumerable.Range(0, 256).Select(i => $"v{i}").ToArray() };
        var body = JsonSerializer.Serialize(new { experiment = "xor-prelu", sweep, seeds = 1 });

        using var researcher = await Portal.SignInAsync(SecurityProbeFixture.Researcher, SecurityProbeFixture.Password);
        foreach (var path in new[] { "/api/sweeps/preview", "/api/sweeps" })
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10)); // before the fix the portal never answered
            var watch = Stopwatch.StartNew();
            var (status, errors) = await PostRawAsync(researcher, path, body, patience.Token);
            watch.Stop();
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.True(errors.TryGetProperty("sweep", out _), errors.ToString());
            // 100 ms is the target on a quiet machine; the bound leaves room for a shared CI box.
            Assert.True(watch.ElapsedMilliseconds < 2000, $"{path} took {watch.ElapsedMilliseconds} ms");
        }
        Assert.Equal(0, await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM Sweeps"));
    }

    [Fact]
    public async Task A_sweep_body_over_the_cap_is_a_400_on_body()
    {
        using var researcher = await Portal.SignInAsync(SecurityProbeFixture.Researcher, SecurityProbeFixture.Password);
        var huge = JsonSerializer.Serialize(new { experiment = "xor-prelu", name = new string('x', 300 * 1024) });
        var (status, errors) = await PostRawAsync(researcher, "/api/sweeps/preview", huge);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(errors.TryGetProperty("body", out _), errors.ToString());
    }

    // ---- 3. a read-only token drives the UI ----

    [Fact]
    public async Task Tokens_do_not_open_pages_or_the_Blazor_circuit_and_read_tokens_cannot_write()
    {
        using var researcher = await Portal.SignInAsync(SecurityProbeFixture.Researcher, SecurityProbeFixture.Password);
        var readToken = await researcher.CreateTokenAsync("ro", "read");
        var sibling = await researcher.CreateTokenAsync("sibling", "read");
        using var ro = fixture.Bearer(readToken);

        using (var page = await ro.GetAsync(new Uri("/account/tokens", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Contains("/account/signin", page.Headers.Location!.ToString(), StringComparison.Ordinal);
        }
        using (var negotiate = await ro.PostAsync(new Uri("/_blazor/negotiate?negotiateVersion=1", UriKind.Relative), null))
            Assert.Equal(HttpStatusCode.Unauthorized, negotiate.StatusCode);
        // The API still takes it.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(ro, HttpMethod.Get, "/api/runs"));

        var siblingId = await fixture.Database.ScalarAsync($"SELECT Id FROM ApiTokens WHERE Prefix = '{sibling.Split('_')[1]}'");
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(ro, HttpMethod.Delete, $"/api/tokens/{siblingId}"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(ro, HttpMethod.Post, "/api/notifications/read-all"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(ro, HttpMethod.Post, "/api/notifications/1/read"));
        Assert.Equal(0, await fixture.Database.ScalarAsync($"SELECT COUNT(*) FROM ApiTokens WHERE Id = {siblingId} AND RevokedAt IS NOT NULL"));
    }

    // ---- 4. lockout and account enumeration ----

    [Fact]
    public async Task A_locked_out_owners_tokens_keep_working()
    {
        using var owner = await Portal.SignInAsync(SecurityProbeFixture.Lockable, SecurityProbeFixture.Password);
        using var token = fixture.Bearer(await owner.CreateTokenAsync("rw", "read", "write"));
        var statuses = await WrongPasswordsAsync(SecurityProbeFixture.Lockable, 5);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]); // the password form is locked…

        Assert.Equal(HttpStatusCode.OK, await SendAsync(token, HttpMethod.Get, "/api/runs")); // …the token is not
        Assert.Equal(HttpStatusCode.Created, await SendAsync(token, HttpMethod.Post, "/api/runs/external", new { name = "still here" }));
    }

    [Fact]
    public async Task Sign_in_answers_the_same_whether_or_not_the_email_exists()
    {
        // Same statuses, attempt by attempt, up to and past the lockout.
        var known = await WrongPasswordsAsync(SecurityProbeFixture.Viewer, 6);
        var unknown = await WrongPasswordsAsync("nobody@lab.test", 6);
        Assert.Equal(known, unknown);

        // Similar time: an unknown email costs a password hash like a known one (before, it answered without one).
        var knownMs = await MedianSignInMsAsync(SecurityProbeFixture.Researcher);
        var unknownMs = await MedianSignInMsAsync("also-nobody@lab.test");
        Assert.True(unknownMs > knownMs / 3, $"unknown email {unknownMs} ms vs known {knownMs} ms");
    }

    // ---- 5. CSRF ----

    [Fact]
    public async Task Cookie_writes_from_another_origin_are_refused_token_writes_are_not()
    {
        using var researcher = await Portal.SignInAsync(SecurityProbeFixture.Researcher, SecurityProbeFixture.Password);
        var runId = await researcher.SubmitAsync(new { trials = 1000, epochs = 100000 });
        var evil = new Dictionary<string, string> { ["Origin"] = "http://evil.example" };
        var crossSite = new Dictionary<string, string> { ["Sec-Fetch-Site"] = "cross-site", ["Origin"] = Portal.BaseAddress.GetLeftPart(UriPartial.Authority) };
        var sameOrigin = new Dictionary<string, string> { ["Origin"] = Portal.BaseAddress.GetLeftPart(UriPartial.Authority), ["Sec-Fetch-Site"] = "same-origin" };

        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(researcher, HttpMethod.Post, $"/api/runs/{runId}/cancel", headers: evil));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(researcher, HttpMethod.Post, "/api/runs/external", new { name = "x" }, crossSite));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(researcher, HttpMethod.Post, "/api/runs/external", new { name = "x" },
            new Dictionary<string, string> { ["Origin"] = "null" }));
        Assert.Equal(0, await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM Runs WHERE Name = 'x'"));
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(researcher, HttpMethod.Post, $"/api/runs/{runId}/cancel", headers: sameOrigin));

        using var token = fixture.Bearer(await researcher.CreateTokenAsync("rw", "read", "write"));
        Assert.Equal(HttpStatusCode.Created, await SendAsync(token, HttpMethod.Post, "/api/runs/external", new { name = "y" }, evil));
    }

    // ---- 7. bad input ----

    [Fact]
    public async Task Bad_input_that_was_a_500_or_slipped_in_is_a_400_naming_the_field()
    {
        using var researcher = await Portal.SignInAsync(SecurityProbeFixture.Researcher, SecurityProbeFixture.Password);
        using (var csv = await researcher.GetAsync(new Uri("/api/leaderboard.csv?experiment=xor-prelu&metric=band_decades%2Fprelu&to=9999-12-31", UriKind.Relative)))
            await AssertFieldErrorAsync(csv, "to");

        var (client, signIn) = await SignInWithReturnUrlAsync("/\t/x");
        using (client)
        using (signIn)
            await AssertFieldErrorAsync(signIn, "returnUrl");

        var (_, run) = await researcher.PostJsonAsync("/api/runs/external", new { name = "keys" });
        var id = run.GetProperty("id").GetInt64();
        var (status, body) = await PostRawAsync(researcher, $"/api/runs/{id}/metrics", """{"points":[{"key":"loss\n","step":1,"value":0.5}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.TryGetProperty("points[0].key", out _), body.ToString());
        Assert.Equal(0, await fixture.Database.ScalarAsync($"SELECT COUNT(*) FROM MetricPoints WHERE RunId = {id}"));
    }

    // ---- 8. sessions outliving a change ----

    [Fact]
    public async Task A_role_change_ends_the_sign_in_cookie_issued_before_it()
    {
        using var person = await Portal.SignInAsync(SecurityProbeFixture.Demoted, SecurityProbeFixture.Password);
        Assert.Equal(HttpStatusCode.Created, await SendAsync(person, HttpMethod.Post, "/api/runs/external", new { name = "as researcher" }));

        using var users = JsonDocument.Parse(await Portal.Http.GetStringAsync(new Uri("/api/admin/users", UriKind.Relative)));
        var id = users.RootElement.EnumerateArray().Single(u => u.GetProperty("email").GetString() == SecurityProbeFixture.Demoted).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, await SendAsync(Portal.Http, HttpMethod.Put, $"/api/admin/users/{id}/role", new { role = "Viewer" }));

        // The old cookie still said Researcher; the rotated security stamp ends it.
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(person, HttpMethod.Post, "/api/runs/external", new { name = "after demotion" }));
        using var again = await Portal.SignInAsync(SecurityProbeFixture.Demoted, SecurityProbeFixture.Password);
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(again, HttpMethod.Post, "/api/runs/external", new { name = "as viewer" }));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(again, HttpMethod.Get, "/api/runs"));
    }

    [Fact]
    public async Task Revoking_a_token_closes_its_open_hub_connection()
    {
        using var researcher = await Portal.SignInAsync(SecurityProbeFixture.Researcher, SecurityProbeFixture.Password);
        var text = await researcher.CreateTokenAsync("live", "read");
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(Portal.BaseAddress, "/hubs/runs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(text))
            .Build();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await hub.StartAsync();
        await hub.InvokeAsync("JoinAllRuns");

        var tokenId = await fixture.Database.ScalarAsync($"SELECT Id FROM ApiTokens WHERE Prefix = '{text.Split('_')[1]}'");
        Assert.Equal(HttpStatusCode.NoContent, await SendAsync(researcher, HttpMethod.Delete, $"/api/tokens/{tokenId}"));
        var finished = await Task.WhenAny(closed.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(finished == closed.Task, "the hub connection of a revoked token stayed open");
    }

    // ---- helpers ----

    private async Task<List<HttpStatusCode>> WrongPasswordsAsync(string email, int attempts)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < attempts; i++)
        {
            var (client, response) = await PortalSession.TrySignInAsync(Portal.BaseAddress, email, "wrong-password-" + i);
            using (client)
            using (response) statuses.Add(response.StatusCode);
        }
        return statuses;
    }

    private async Task<double> MedianSignInMsAsync(string email)
    {
        var times = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            var (client, response) = await PortalSession.TrySignInAsync(Portal.BaseAddress, email, "wrong-password-x");
            watch.Stop();
            using (client)
            using (response) times.Add(watch.Elapsed.TotalMilliseconds);
        }
        return times.Order().ElementAt(1);
    }

    private async Task<(HttpClient, HttpResponseMessage)> SignInWithReturnUrlAsync(string returnUrl)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Portal.BaseAddress };
        var form = await client.GetStringAsync(new Uri("/account/signin", UriKind.Relative));
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = SecurityProbeFixture.Viewer, ["password"] = "wrong-password", ["returnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
        });
        return (client, await client.PostAsync(new Uri("/account/signin", UriKind.Relative), content));
    }

    private static async Task AssertFieldErrorAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Errors)> PostRawAsync(
        HttpClient client, string path, string json, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var root = text.Length > 0 && text[0] == '{' ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response.StatusCode, root.ValueKind == JsonValueKind.Object && root.TryGetProperty("errors", out var e) ? e : root);
    }

    internal static async Task<HttpStatusCode> SendAsync(
        HttpClient client, HttpMethod method, string path, object? body = null, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
