using System.Globalization;
using LayerLab.Data.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace LayerLab.Web.Accounts;

/// <summary>Sign-in, sign-out and password change as form posts (antiforgery-checked), plus the admin's user API.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account");
        // Form posts: the antiforgery middleware rejects a post without a valid token (cross-site forms) with 400.
        account.MapPost("/signin", SignInAsync).AllowAnonymous().RequireRateLimiting(AccountsSetup.SignInRateLimit);
        account.MapPost("/signout", SignOutAsync);
        account.MapPost("/password", ChangePasswordAsync);
        UserAdminEndpoints.Map(app);
        TokenEndpoints.Map(app);
        return app;
    }

    private static async Task<IResult> SignInAsync(
        [FromForm] string? email, [FromForm] string? password, [FromForm] string? returnUrl,
        SignInManager<LabUser> signIn, UserManager<LabUser> users, UnknownAccountLockout unknownAccounts, HttpContext http)
    {
        if (!IsSafeReturnUrl(returnUrl))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["returnUrl"] = ["returnUrl must be a path on this portal."] });
        var back = string.IsNullOrEmpty(returnUrl) ? "/" : returnUrl;
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
            return Results.Redirect($"/account/signin?error=missing&returnUrl={Uri.EscapeDataString(back)}");
        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null) return UnknownAccount(email, password, users, unknownAccounts, http, back);
        if (await users.IsLockedOutAsync(user)) return LockedOut(http, await users.GetLockoutEndDateAsync(user));
        var result = await signIn.PasswordSignInAsync(user, password, isPersistent: true, lockoutOnFailure: true);
        if (result.Succeeded) return Results.LocalRedirect(back);
        if (result.IsLockedOut) return LockedOut(http, await users.GetLockoutEndDateAsync(user));
        return Invalid(back);
    }

    /// <summary>
    /// An email without an account is answered exactly like a wrong password: the same password-hash cost (so the time
    /// is alike), the same redirect, and the same lockout after the same number of failures.
    /// </summary>
    private static IResult UnknownAccount(
        string email, string password, UserManager<LabUser> users, UnknownAccountLockout lockout, HttpContext http, string back)
    {
        if (lockout.LockedUntil(email) is { } until) return LockedOut(http, until);
        var dummy = new LabUser();
        users.PasswordHasher.VerifyHashedPassword(dummy, DummyHash.Get(users.PasswordHasher, dummy), password);
        return lockout.RecordFailure(email) is { } locked ? LockedOut(http, locked) : Invalid(back);
    }

    private static IResult Invalid(string back) => Results.Redirect($"/account/signin?error=invalid&returnUrl={Uri.EscapeDataString(back)}");

    /// <summary>A hash made by the portal's own hasher, so checking a password against it costs what a real check costs.</summary>
    private static class DummyHash
    {
        private static string? _hash;

        public static string Get(IPasswordHasher<LabUser> hasher, LabUser user) =>
            _hash ??= hasher.HashPassword(user, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
    }

    private static IResult LockedOut(HttpContext http, DateTimeOffset? until)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(((until ?? DateTimeOffset.UtcNow.AddMinutes(5)) - DateTimeOffset.UtcNow).TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Results.Text($"Too many failed sign-ins. Try again in {seconds} s.", statusCode: StatusCodes.Status429TooManyRequests);
    }

    private static async Task<IResult> SignOutAsync(SignInManager<LabUser> signIn)
    {
        await signIn.SignOutAsync();
        return Results.Redirect("/account/signin");
    }

    private static async Task<IResult> ChangePasswordAsync(
        [FromForm] string? current, [FromForm] string? next, SignInManager<LabUser> signIn, UserManager<LabUser> users, HttpContext http)
    {
        var user = await users.GetUserAsync(http.User);
        if (user is null) return Results.Unauthorized();
        var result = await users.ChangePasswordAsync(user, current ?? "", next ?? "");
        if (!result.Succeeded)
            return Results.Redirect("/account/password?error=" + Uri.EscapeDataString(string.Join(" ", result.Errors.Select(e => e.Description))));
        await signIn.RefreshSignInAsync(user);
        return Results.Redirect("/account/password?changed=1");
    }

    /// <summary>
    /// Only local paths: an open redirect after sign-in would hand the session to another site. Control characters
    /// and backslashes are refused too — browsers drop a tab, so "/\t/x" would become "//x", another host.
    /// </summary>
    public static bool IsSafeReturnUrl(string? returnUrl) =>
        string.IsNullOrEmpty(returnUrl) ||
        (returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) &&
         !returnUrl.Any(c => char.IsControl(c) || c == '\\') && returnUrl.Length <= 2000);
}
