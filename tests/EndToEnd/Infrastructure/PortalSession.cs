using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LayerLab.Tests.EndToEnd.Infrastructure;

/// <summary>Signs in the way a browser does: GET the form, read its antiforgery token, POST it with the cookie.</summary>
public static partial class PortalSession
{
    public static async Task<HttpClient> SignInAsync(Uri baseAddress, string email, string password, CookieContainer? cookies = null)
    {
        var (client, response) = await TrySignInAsync(baseAddress, email, password, cookies);
        using (response)
        {
            var target = response.Headers.Location?.ToString() ?? "";
            if (response.StatusCode != HttpStatusCode.Redirect || target.Contains("error=", StringComparison.Ordinal))
                throw new InvalidOperationException($"sign-in as {email} failed: {(int)response.StatusCode} {target}");
        }
        return client;
    }

    /// <summary>One sign-in attempt; the caller reads the raw answer (302 on success, 429 when locked out).</summary>
    public static async Task<(HttpClient Client, HttpResponseMessage Response)> TrySignInAsync(
        Uri baseAddress, string email, string password, CookieContainer? cookies = null)
    {
        var handler = new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var form = await client.GetStringAsync(new Uri("/account/signin", UriKind.Relative));
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email, ["password"] = password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
        });
        var response = await client.PostAsync(new Uri("/account/signin", UriKind.Relative), content);
        return (client, response);
    }

    /// <summary>Creates a user with a role through the admin API (the caller must be signed in as admin).</summary>
    public static async Task CreateUserAsync(this HttpClient admin, string email, string password, string role)
    {
        using var response = await admin.PostAsJsonAsync(new Uri("/api/admin/users", UriKind.Relative), new { email, password, role });
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"creating {email}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Creates an API token for the signed-in user and returns its secret text.</summary>
    public static async Task<string> CreateTokenAsync(this HttpClient user, string name, params string[] scopes)
    {
        using var response = await user.PostAsJsonAsync(new Uri("/api/tokens", UriKind.Relative), new { name, scopes, expiresInDays = 1 });
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"token: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("token").GetString()!;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
