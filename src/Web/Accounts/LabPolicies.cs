using LayerLab.Data.Accounts;
using Microsoft.AspNetCore.Authorization;

namespace LayerLab.Web.Accounts;

/// <summary>Authorization policies. Roles nest: Viewer ⊂ Researcher ⊂ Reviewer ⊂ Admin (by listing, not inheritance).</summary>
public static class LabPolicies
{
    /// <summary>Read anything in the portal.</summary>
    public const string Read = "lab:read";
    /// <summary>Change one's own state (notifications read, own tokens revoked): any role, but a token needs the write scope.</summary>
    public const string Write = "lab:write";
    /// <summary>Submit and cancel one's own runs, comment, log external runs.</summary>
    public const string Submit = "lab:submit";
    /// <summary>Review other people's runs.</summary>
    public const string Review = "lab:review";
    /// <summary>Users, roles, every run, the Hangfire dashboard.</summary>
    public const string Admin = "lab:admin";

    /// <summary>A remote training worker: only the /api/workers calls, with an admin's token of the worker scope.</summary>
    public const string Worker = "lab:worker";

    public const string ScopeClaim = "scope";
    public const string ReadScope = "read";
    public const string WriteScope = "write";
    /// <summary>Given alone: the token can only act as a training worker (claim runs, report metrics, heartbeat).</summary>
    public const string WorkerScope = "worker";

    public static void Add(AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Everything requires a signed-in user unless it says [AllowAnonymous] (sign-in page, health, static files).
        // A worker token is for /api/workers only: not a "signed-in user" anywhere else.
        options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser()
            .RequireAssertion(c => !IsWorkerToken(c)).Build();
        options.DefaultPolicy = options.FallbackPolicy;
        options.AddPolicy(Read, p => p.RequireRole(LabRoles.All).RequireAssertion(c => HasScope(c, ReadScope)));
        options.AddPolicy(Write, p => p.RequireRole(LabRoles.All).RequireAssertion(c => HasScope(c, WriteScope)));
        options.AddPolicy(Submit, p => p.RequireRole(LabRoles.Researcher, LabRoles.Reviewer, LabRoles.Admin)
            .RequireAssertion(c => HasScope(c, WriteScope)));
        options.AddPolicy(Review, p => p.RequireRole(LabRoles.Reviewer, LabRoles.Admin).RequireAssertion(c => HasScope(c, WriteScope)));
        options.AddPolicy(Admin, p => p.RequireRole(LabRoles.Admin).RequireAssertion(c => HasScope(c, WriteScope)));
        // Tokens only (a person in a browser has no business claiming runs), and only while the owner is an admin.
        options.AddPolicy(Worker, p => p.RequireRole(LabRoles.Admin).RequireAssertion(IsWorkerToken));
    }

    private static bool IsWorkerToken(AuthorizationHandlerContext context) =>
        context.User.Identity?.AuthenticationType == ApiTokenDefaults.Scheme &&
        context.User.FindAll(ScopeClaim).Any(c => c.Value == WorkerScope);

    /// <summary>Signed-in people (cookie) have every scope; an API token only the scopes it was created with.</summary>
    private static bool HasScope(AuthorizationHandlerContext context, string scope)
    {
        var scopes = context.User.FindAll(ScopeClaim).Select(c => c.Value).ToList();
        var isToken = context.User.Identity?.AuthenticationType == ApiTokenDefaults.Scheme;
        return isToken ? scopes.Contains(scope) : scopes.Count == 0;
    }
}
