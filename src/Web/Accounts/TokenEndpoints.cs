using System.Security.Claims;
using LayerLab.Data.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LayerLab.Web.Accounts;

public sealed record CreateTokenBody(string Name, string[] Scopes, int? ExpiresInDays);

public sealed record TokenDto(long Id, string Name, string Prefix, string Scopes, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public static TokenDto From(ApiToken t) => new(t.Id, t.Name, t.Prefix, t.Scopes, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt);
}

/// <summary>A signed-in person's own API tokens. Creating one returns the secret exactly once.</summary>
public static class TokenEndpoints
{
    public const int MaxLifetimeDays = 366;

    public static void Map(IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/api/tokens").RequireAuthorization(LabPolicies.Read);
        tokens.MapGet("", async (ClaimsPrincipal user, ApiTokenService service, CancellationToken ct) =>
            (await service.ListAsync(UserId(user), ct)).Select(TokenDto.From));
        tokens.MapPost("", CreateAsync);
        tokens.MapDelete("/{id:long}", async Task<Results<NoContent, NotFound>> (long id, ClaimsPrincipal user, ApiTokenService service, CancellationToken ct) =>
            await service.RevokeAsync(UserId(user), id, user.IsInRole(LabRoles.Admin), ct) ? TypedResults.NoContent() : TypedResults.NotFound())
            .RequireAuthorization(LabPolicies.Write); // revoking is a write: a read-only token must not end its siblings
    }

    private static async Task<Results<Created<CreatedToken>, ValidationProblem, ForbidHttpResult>> CreateAsync(
        CreateTokenBody body, ClaimsPrincipal user, ApiTokenService service, CancellationToken ct)
    {
        // A token cannot mint tokens: only a signed-in person can.
        if (user.Identity?.AuthenticationType == ApiTokenDefaults.Scheme) return TypedResults.Forbid();
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 100) errors["name"] = ["name must be 1–100 characters."];
        if (body.Scopes is not { Length: > 0 } || body.Scopes.Any(s => !ApiTokenService.KnownScopes.Contains(s)))
            errors["scopes"] = ["scopes must be a non-empty list of read and write, or [\"worker\"] alone."];
        else if (body.Scopes.Contains(LabPolicies.WorkerScope) && body.Scopes.Distinct().Count() > 1)
            errors["scopes"] = ["the worker scope goes alone: a worker token can do nothing else."];
        else if (body.Scopes.Contains(LabPolicies.WorkerScope) && !user.IsInRole(LabRoles.Admin))
            return TypedResults.Forbid(); // only an admin lets a machine train runs for the lab
        if (body.ExpiresInDays is < 1 or > MaxLifetimeDays) errors["expiresInDays"] = [$"expiresInDays must be between 1 and {MaxLifetimeDays}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var created = await service.CreateAsync(UserId(user), body.Name, body.Scopes!, TimeSpan.FromDays(body.ExpiresInDays ?? 90), ct);
        return TypedResults.Created($"/api/tokens/{created.Id}", created);
    }

    public static string UserId(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("signed-in user without id");
}
