using System.Net;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LayerLab.Tests.EndToEnd.Security;

/// <summary>
/// Every endpoint the running portal maps, and every hub method, against every kind of caller. The expectations are a
/// table written by hand: a new route (or hub method) that is not in it fails this test, so nobody adds one without
/// deciding who may call it. "Allowed" means the request got past authentication and authorization (any answer but
/// 401, 403 or a redirect to sign-in / access denied); ids point at nothing, so allowed writes change nothing.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class RouteMatrixTests : IAsyncLifetime
{
    /// <summary>Who may call a route. Principals: anonymous, viewer (cookie), researcher read token, researcher
    /// read+write token, worker token (an admin's), admin (cookie).</summary>
    private enum Access
    {
        /// <summary>Everyone, signed in or not.</summary>
        Public,
        /// <summary>A page or the Blazor circuit: people with a cookie only; tokens are for the API.</summary>
        Page,
        /// <summary>Any signed-in person, cookie or token with the read scope.</summary>
        Read,
        /// <summary>Any role; a token needs the write scope (notifications read, own token revoked).</summary>
        Write,
        /// <summary>A person at a browser only (creating tokens): no token at all.</summary>
        PersonOnly,
        /// <summary>Researcher, Reviewer or Admin; a token needs the write scope.</summary>
        Submit,
        /// <summary>Reviewer or Admin with the write scope.</summary>
        Review,
        /// <summary>Admin by cookie or write token.</summary>
        Admin,
        /// <summary>The submit form: Researcher, Reviewer or Admin by cookie.</summary>
        SubmitPage,
        /// <summary>The Admin pages (Hangfire dashboard, users page): an admin's cookie only.</summary>
        AdminPage,
        /// <summary>A worker token only.</summary>
        Worker,
    }

    private static readonly string[] Principals = ["anonymous", "viewer", "read-token", "write-token", "worker-token", "admin"];

    private static bool Allows(Access access, string principal) => access switch
    {
        Access.Public => true,
        Access.Page => principal is "viewer" or "admin",
        Access.Read => principal is "viewer" or "read-token" or "write-token" or "admin",
        Access.Write => principal is "viewer" or "write-token" or "admin",
        Access.PersonOnly => principal is "viewer" or "admin",
        Access.Submit => principal is "write-token" or "admin",
        Access.Review or Access.Admin => principal is "admin",
        Access.AdminPage or Access.SubmitPage => principal is "admin", // no researcher cookie among the principals
        Access.Worker => principal is "worker-token",
        _ => false,
    };

    /// <summary>"METHOD pattern" → who may call it. Keep sorted by pattern.</summary>
    private static readonly Dictionary<string, Access> Routes = new(StringComparer.Ordinal)
    {
        ["GET /"] = Access.Page,
        ["POST /"] = Access.Page,
        ["GET /_blazor"] = Access.Page,
        ["GET /_blazor/disconnect"] = Access.Page,
        ["GET /_blazor/initializers"] = Access.Page,
        ["GET /_blazor/negotiate"] = Access.Page,
        ["GET /_framework/opaque-redirect"] = Access.Page,
        ["GET /account/denied"] = Access.Page,
        ["POST /account/denied"] = Access.Page,
        ["GET /account/password"] = Access.Page,
        ["POST /account/password"] = Access.Page,
        ["GET /account/signin"] = Access.Public,
        ["POST /account/signin"] = Access.Public,
        ["POST /account/signout"] = Access.Page,
        ["GET /account/tokens"] = Access.Page,
        ["POST /account/tokens"] = Access.Page,
        ["GET /admin/users"] = Access.AdminPage,
        ["POST /admin/users"] = Access.AdminPage,
        ["GET /api/admin/users"] = Access.Admin,
        ["POST /api/admin/users"] = Access.Admin,
        ["PUT /api/admin/users/{id}/role"] = Access.Admin,
        ["GET /api/compare.csv"] = Access.Read,
        ["GET /api/compare/metrics"] = Access.Read,
        ["GET /api/datasets"] = Access.Read,
        ["POST /api/datasets"] = Access.Submit,
        ["GET /api/datasets/{id:long}"] = Access.Read,
        ["DELETE /api/datasets/{id:long}"] = Access.Submit,
        ["GET /api/experiments"] = Access.Read,
        ["GET /api/info"] = Access.Read,
        ["GET /api/leaderboard.csv"] = Access.Read,
        ["GET /api/notifications"] = Access.Read,
        ["POST /api/notifications/read-all"] = Access.Write,
        ["GET /api/panel-layouts/{experimentKey}"] = Access.Read,
        ["PUT /api/panel-layouts/{experimentKey}"] = Access.Write,
        ["POST /api/notifications/{id:long}/read"] = Access.Write,
        ["GET /api/queue"] = Access.Read,
        ["GET /api/runs"] = Access.Read,
        ["POST /api/runs"] = Access.Submit,
        ["POST /api/runs/external"] = Access.Submit,
        ["GET /api/runs/{id:long}"] = Access.Read,
        ["GET /api/runs/{id:long}/artifacts"] = Access.Read,
        ["GET /api/runs/{id:long}/figures/{key}.svg"] = Access.Read,
        ["POST /api/runs/{id:long}/artifacts"] = Access.Submit,
        ["GET /api/runs/{id:long}/artifacts/{artifactId:long}"] = Access.Read,
        ["GET /api/runs/{id:long}/tensors"] = Access.Read,
        ["POST /api/runs/{id:long}/tensors"] = Access.Submit,
        ["GET /api/runs/{id:long}/tensors/{key}"] = Access.Read,
        ["POST /api/runs/{id:long}/cancel"] = Access.Submit,
        ["GET /api/runs/{id:long}/comments"] = Access.Read,
        ["POST /api/runs/{id:long}/comments"] = Access.Submit,
        ["DELETE /api/runs/{id:long}/comments/{commentId:long}"] = Access.Submit,
        ["PUT /api/runs/{id:long}/comments/{commentId:long}"] = Access.Submit,
        ["GET /api/runs/{id:long}/metrics"] = Access.Read,
        ["POST /api/runs/{id:long}/metrics"] = Access.Submit,
        ["PUT /api/runs/{id:long}/notes"] = Access.Submit,
        ["POST /api/runs/{id:long}/priority"] = Access.Submit,
        ["POST /api/runs/{id:long}/reproduce"] = Access.Submit,
        ["GET /api/runs/{id:long}/review"] = Access.Read,
        ["POST /api/runs/{id:long}/review"] = Access.Review,
        ["PUT /api/runs/{id:long}/status"] = Access.Submit,
        ["GET /api/runs/{id:long}/tags"] = Access.Read,
        ["PUT /api/runs/{id:long}/tags"] = Access.Submit,
        ["GET /api/experiments/{key}/studies"] = Access.Read,
        ["GET /datasets"] = Access.Page,
        ["POST /datasets"] = Access.Page,
        ["GET /datasets/{Id:long}"] = Access.Page,
        ["POST /datasets/{Id:long}"] = Access.Page,
        ["GET /studies"] = Access.Page,
        ["POST /studies"] = Access.Page,
        ["GET /studies/{Id:long}"] = Access.Page,
        ["POST /studies/{Id:long}"] = Access.Page,
        ["POST /api/studies"] = Access.Submit,
        ["GET /api/studies"] = Access.Read,
        ["GET /api/studies/{id:long}"] = Access.Read,
        ["GET /api/studies/{id:long}/csv"] = Access.Read,
        ["GET /api/studies/{id:long}/figure.svg"] = Access.Read,
        ["POST /api/studies/{id:long}/rerun"] = Access.Submit,
        ["POST /api/studies/{id:long}/review"] = Access.Review,
        ["POST /api/sweeps/{id:long}/study"] = Access.Submit,
        ["POST /api/2.0/mlflow/experiments/create"] = Access.Submit,
        ["GET /api/2.0/mlflow/experiments/get"] = Access.Read,
        ["GET /api/2.0/mlflow/experiments/get-by-name"] = Access.Read,
        ["POST /api/2.0/mlflow/experiments/search"] = Access.Read,
        ["GET /api/2.0/mlflow/experiments/search"] = Access.Read,
        ["POST /api/2.0/mlflow/experiments/update"] = Access.Submit,
        ["POST /api/2.0/mlflow/experiments/delete"] = Access.Submit,
        ["POST /api/2.0/mlflow/experiments/restore"] = Access.Submit,
        ["POST /api/2.0/mlflow/experiments/set-experiment-tag"] = Access.Submit,
        ["POST /api/2.0/mlflow/runs/create"] = Access.Submit,
        ["GET /api/2.0/mlflow/runs/get"] = Access.Read,
        ["POST /api/2.0/mlflow/runs/update"] = Access.Submit,
        ["POST /api/2.0/mlflow/runs/delete"] = Access.Submit,
        ["POST /api/2.0/mlflow/runs/restore"] = Access.Submit,
        ["POST /api/2.0/mlflow/runs/search"] = Access.Read,
        ["POST /api/2.0/mlflow/runs/log-metric"] = Access.Submit,
        ["POST /api/2.0/mlflow/runs/log-parameter"] = Access.Submit,
        ["POST /api/2.0/mlflow/runs/set-tag"] = Access.Submit,
        ["POST /api/2.0/mlflow/runs/delete-tag"] = Access.Submit,
        ["POST /api/2.0/mlflow/runs/log-batch"] = Access.Submit,
        ["POST /api/2.0/mlflow/runs/log-inputs"] = Access.Submit,
        ["GET /api/2.0/mlflow/metrics/get-history"] = Access.Read,
        ["GET /api/2.0/mlflow/{**rest}"] = Access.Read,
        ["POST /ajax-api/2.0/mlflow/experiments/create"] = Access.Submit,
        ["GET /ajax-api/2.0/mlflow/experiments/get"] = Access.Read,
        ["GET /ajax-api/2.0/mlflow/experiments/get-by-name"] = Access.Read,
        ["POST /ajax-api/2.0/mlflow/experiments/search"] = Access.Read,
        ["GET /ajax-api/2.0/mlflow/experiments/search"] = Access.Read,
        ["POST /ajax-api/2.0/mlflow/experiments/update"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/experiments/delete"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/experiments/restore"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/experiments/set-experiment-tag"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/runs/create"] = Access.Submit,
        ["GET /ajax-api/2.0/mlflow/runs/get"] = Access.Read,
        ["POST /ajax-api/2.0/mlflow/runs/update"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/runs/delete"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/runs/restore"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/runs/search"] = Access.Read,
        ["POST /ajax-api/2.0/mlflow/runs/log-metric"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/runs/log-parameter"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/runs/set-tag"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/runs/delete-tag"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/runs/log-batch"] = Access.Submit,
        ["POST /ajax-api/2.0/mlflow/runs/log-inputs"] = Access.Submit,
        ["GET /ajax-api/2.0/mlflow/metrics/get-history"] = Access.Read,
        ["GET /ajax-api/2.0/mlflow/{**rest}"] = Access.Read,
        ["PUT /api/2.0/mlflow-artifacts/artifacts/{**path}"] = Access.Submit,
        ["GET /api/2.0/mlflow-artifacts/artifacts/{**path}"] = Access.Read,
        ["GET /api/2.0/mlflow-artifacts/artifacts"] = Access.Read,
        ["GET /api/2.0/mlflow-artifacts/{**rest}"] = Access.Read,
        ["PUT /ajax-api/2.0/mlflow-artifacts/artifacts/{**path}"] = Access.Submit,
        ["GET /ajax-api/2.0/mlflow-artifacts/artifacts/{**path}"] = Access.Read,
        ["GET /ajax-api/2.0/mlflow-artifacts/artifacts"] = Access.Read,
        ["GET /ajax-api/2.0/mlflow-artifacts/{**rest}"] = Access.Read,
        ["GET /api/sweeps"] = Access.Read,
        ["POST /api/sweeps"] = Access.Submit,
        ["POST /api/sweeps/preview"] = Access.Submit,
        ["GET /api/sweeps/{id:long}"] = Access.Read,
        ["POST /api/sweeps/{id:long}/cancel"] = Access.Submit,
        ["POST /api/sweeps/{id:long}/requeue"] = Access.Submit,
        ["GET /api/tokens"] = Access.Read,
        ["POST /api/tokens"] = Access.PersonOnly,
        ["DELETE /api/tokens/{id:long}"] = Access.Write,
        ["GET /api/workers"] = Access.Read,
        ["POST /api/workers/heartbeat"] = Access.Worker,
        ["GET /api/workers/datasets/{id:long}"] = Access.Worker,
        ["GET /api/workers/datasets/{id:long}/content"] = Access.Worker,
        ["GET /api/workers/runs/{id:long}/cancel-requested"] = Access.Worker,
        ["POST /api/workers/runs/{id:long}/cancelled"] = Access.Worker,
        ["POST /api/workers/runs/{id:long}/claim"] = Access.Worker,
        ["POST /api/workers/runs/{id:long}/complete"] = Access.Worker,
        ["POST /api/workers/runs/{id:long}/fail"] = Access.Worker,
        ["POST /api/workers/runs/{id:long}/lease"] = Access.Worker,
        ["POST /api/workers/runs/{id:long}/metrics"] = Access.Worker,
        ["POST /api/workers/runs/{id:long}/tensors"] = Access.Worker,
        ["POST /api/workers/runs/{id:long}/progress"] = Access.Worker,
        ["POST /api/workers/runs/{id:long}/release"] = Access.Worker,
        ["POST /api/workers/runs/{id:long}/resumed"] = Access.Worker,
        ["GET /compare"] = Access.Page,
        ["POST /compare"] = Access.Page,
        ["GET /error"] = Access.Page,
        ["POST /error"] = Access.Page,
        ["GET /experiments"] = Access.Page,
        ["POST /experiments"] = Access.Page,
        ["GET /hangfire/{**path}"] = Access.AdminPage,
        ["GET /health"] = Access.Public,
        ["GET /hubs/notifications"] = Access.Read,
        ["GET /hubs/notifications/negotiate"] = Access.Read,
        ["GET /hubs/runs"] = Access.Read,
        ["GET /hubs/runs/negotiate"] = Access.Read,
        ["GET /leaderboard"] = Access.Page,
        ["POST /leaderboard"] = Access.Page,
        ["GET /openapi/{documentName}.json"] = Access.Read,
        ["GET /queue"] = Access.Page,
        ["POST /queue"] = Access.Page,
        ["GET /runs/{Id:long}"] = Access.Page,
        ["POST /runs/{Id:long}"] = Access.Page,
        ["GET /submit/{Key}"] = Access.SubmitPage,
        ["POST /submit/{Key}"] = Access.SubmitPage,
        ["GET /sweeps"] = Access.Page,
        ["POST /sweeps"] = Access.Page,
        ["GET /sweeps/{Id:long}"] = Access.Page,
        ["POST /sweeps/{Id:long}"] = Access.Page,
        ["GET /workers"] = Access.Page,
        ["POST /workers"] = Access.Page,
        ["GET /{**path:file}"] = Access.Page,
    };

    private static readonly Dictionary<string, Access> HubMethods = new(StringComparer.Ordinal)
    {
        ["RunHub.JoinRun"] = Access.Read,
        ["RunHub.LeaveRun"] = Access.Read,
        ["RunHub.JoinAllRuns"] = Access.Read,
    };

    private const string Password = "user-password-1";
    private InProcessPortal _portal = null!;
    private readonly Dictionary<string, HttpClient> _callers = [];
    private readonly Dictionary<string, Action<HttpConnectionOptionsView>> _hubAuth = [];
    private long _runId;

    public async Task InitializeAsync()
    {
        _portal = await InProcessPortal.StartAsync(
            $"--LayerLab:Admin:Email={PortalProcess.AdminEmail}", $"--LayerLab:Admin:Password={PortalProcess.AdminPassword}",
            "--LayerLab:Auth:SignInAttemptsPerMinute=1000");
        var address = _portal.BaseAddress;
        var (adminCookie, admin) = await CookieOfAsync(PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        await admin.CreateUserAsync("viewer@lab.test", Password, "Viewer");
        await admin.CreateUserAsync("researcher@lab.test", Password, "Researcher");
        var (viewerCookie, viewer) = await CookieOfAsync("viewer@lab.test", Password);
        var (_, researcher) = await CookieOfAsync("researcher@lab.test", Password);
        var read = await researcher.CreateTokenAsync("read", "read");
        var write = await researcher.CreateTokenAsync("write", "read", "write");
        var worker = await admin.CreateTokenAsync("worker", "worker");
        viewer.Dispose();

        _callers["anonymous"] = Client(address, null, null);
        _callers["viewer"] = Client(address, viewerCookie, null);
        _callers["read-token"] = Client(address, null, read);
        _callers["write-token"] = Client(address, null, write);
        _callers["worker-token"] = Client(address, null, worker);
        _callers["admin"] = Client(address, adminCookie, null);
        _hubAuth["anonymous"] = _ => { };
        _hubAuth["viewer"] = o => o.Cookie = viewerCookie;
        _hubAuth["read-token"] = o => o.Token = read;
        _hubAuth["write-token"] = o => o.Token = write;
        _hubAuth["worker-token"] = o => o.Token = worker;
        _hubAuth["admin"] = o => o.Cookie = adminCookie;

        var (_, run) = await _callers["write-token"].PostJsonAsync("/api/runs/external", new { name = "matrix" });
        _runId = run.GetProperty("id").GetInt64();
        researcher.Dispose();
        admin.Dispose();
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _callers.Values) client.Dispose();
        await _portal.DisposeAsync();
    }

    [Fact]
    public async Task Every_mapped_route_answers_each_principal_as_the_table_says()
    {
        var endpoints = _portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var failures = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/');
            if (IsStaticFile(endpoint, pattern)) continue;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } m ? m : ["GET"];
            foreach (var method in methods.Where(x => x != "HEAD" && x != "OPTIONS"))
            {
                var key = $"{method} {pattern}";
                if (!seen.Add(key)) continue;
                if (!Routes.TryGetValue(key, out var access)) { failures.Add($"not in the table: [\"{key}\"] = Access.?"); continue; }
                foreach (var principal in Principals)
                {
                    var (allowed, status) = await TryAsync(principal, method, Fill(pattern));
                    if (allowed != Allows(access, principal))
                        failures.Add($"{key} as {principal}: {status}, expected {(Allows(access, principal) ? "allowed" : "denied")} ({access})");
                }
            }
        }
        foreach (var stale in Routes.Keys.Where(k => !seen.Contains(k))) failures.Add($"in the table but not mapped: {stale}");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Every_hub_method_answers_each_principal_as_the_table_says()
    {
        var hubs = typeof(LayerLab.Web.Live.RunHub).Assembly.GetTypes().Where(t => !t.IsAbstract && IsHub(t)).ToList();
        var paths = hubs.ToDictionary(h => h, h => (string)h.GetField("Path")!.GetValue(null)!);
        var failures = new List<string>();
        foreach (var hub in hubs)
        foreach (var method in hub.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            var key = $"{hub.Name}.{method.Name}";
            if (!HubMethods.TryGetValue(key, out var access)) { failures.Add($"not in the table: [\"{key}\"] = Access.?"); continue; }
            foreach (var principal in Principals)
            {
                var outcome = await InvokeAsync(paths[hub], principal, method);
                var allowed = outcome == "ok";
                if (allowed != Allows(access, principal)) failures.Add($"{key} as {principal}: {outcome} ({access})");
            }
        }
        // Hubs without methods still only let the right people connect.
        foreach (var (hub, path) in paths)
        foreach (var principal in Principals)
        {
            var connected = await InvokeAsync(path, principal, null) == "ok";
            if (connected != Allows(Access.Read, principal)) failures.Add($"{hub.Name} connect as {principal}: {(connected ? "connected" : "refused")}");
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private async Task<string> InvokeAsync(string path, string principal, MethodInfo? method)
    {
        var auth = new HttpConnectionOptionsView();
        _hubAuth[principal](auth);
        await using var connection = new HubConnectionBuilder().WithUrl(new Uri(_portal.BaseAddress, path), o =>
        {
            if (auth.Cookie is not null) o.Headers["Cookie"] = auth.Cookie;
            if (auth.Token is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(auth.Token);
        }).Build();
        try
        {
            await connection.StartAsync();
            if (method is null) return "ok";
            var arguments = method.GetParameters().Select(p => p.ParameterType == typeof(long) ? (object)_runId : null).ToArray();
            await connection.InvokeCoreAsync(method.Name, arguments);
            return "ok";
        }
        catch (HttpRequestException ex) { return $"refused {(int?)ex.StatusCode}"; }
        catch (HubException ex) { return $"hub error {ex.Message}"; }
    }

    private async Task<(bool Allowed, string Status)> TryAsync(string principal, string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH" or "DELETE") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await _callers[principal].SendAsync(request);
        var location = response.Headers.Location?.ToString() ?? "";
        var denied = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ||
                     (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found &&
                      (location.Contains("/account/signin?", StringComparison.Ordinal) || location.Contains("/account/denied", StringComparison.Ordinal)));
        return (!denied, $"{(int)response.StatusCode}{(location.Length > 0 ? " → " + location : "")}");
    }

    /// <summary>Route values that point at nothing: an allowed write finds no run, token or user to change.</summary>
    private static string Fill(string pattern) => Parameter().Replace(pattern, m =>
    {
        var name = m.Groups["name"].Value;
        var constraint = m.Groups["constraint"].Value;
        if (m.Value.StartsWith("{*", StringComparison.Ordinal)) return constraint == "file" ? "no-such-file.txt" : "";
        if (constraint.StartsWith("long", StringComparison.Ordinal) || constraint.StartsWith("int", StringComparison.Ordinal)) return "999999";
        return name.Equals("key", StringComparison.OrdinalIgnoreCase) ? "xor-prelu" : name == "documentName" ? "v1" : "nobody";
    }).Replace("//", "/", StringComparison.Ordinal);

    /// <summary>Files under wwwroot and the framework's scripts: public by design (the sign-in page needs them).</summary>
    private static bool IsStaticFile(RouteEndpoint endpoint, string pattern) =>
        endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null && !pattern.Contains('{', StringComparison.Ordinal) &&
        pattern[(pattern.LastIndexOf('/') + 1)..].Contains('.', StringComparison.Ordinal);

    private static bool IsHub(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
            if (t == typeof(Hub) || (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Hub<>))) return true;
        return false;
    }

    private async Task<(string Cookie, HttpClient Client)> CookieOfAsync(string email, string password)
    {
        var jar = new CookieContainer();
        var client = await PortalSession.SignInAsync(_portal.BaseAddress, email, password, jar);
        return (jar.GetCookieHeader(_portal.BaseAddress), client);
    }

    /// <summary>Sends the cookie by hand (no cookie jar): a sign-out answer cannot end a principal halfway through.</summary>
    private static HttpClient Client(Uri address, string? cookie, string? token)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = address };
        if (cookie is not null) client.DefaultRequestHeaders.Add("Cookie", cookie);
        if (token is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private sealed class HttpConnectionOptionsView
    {
        public string? Cookie { get; set; }
        public string? Token { get; set; }
    }

    [GeneratedRegex(@"\{\*{0,2}(?<name>\w+)(?::(?<constraint>[^}]+))?\??\}")]
    private static partial Regex Parameter();
}
