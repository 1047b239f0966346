using LayerLab.Data.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Accounts;

public sealed record UserDto(string Id, string Email, string? DisplayName, IReadOnlyList<string> Roles, bool LockedOut);

public sealed record CreateUserBody(string Email, string Password, string Role, string? DisplayName);

public sealed record SetRoleBody(string Role);

/// <summary>Admin-only user management: list, create with a role, change the role.</summary>
public static class UserAdminEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin/users").RequireAuthorization(LabPolicies.Admin);
        admin.MapGet("", ListAsync);
        admin.MapPost("", CreateAsync);
        admin.MapPut("/{id}/role", SetRoleAsync);
    }

    private static async Task<List<UserDto>> ListAsync(UserManager<LabUser> users)
    {
        var list = new List<UserDto>();
        foreach (var user in await users.Users.OrderBy(u => u.Email).ToListAsync())
            list.Add(new UserDto(user.Id, user.Email ?? "", user.DisplayName, [.. await users.GetRolesAsync(user)], await users.IsLockedOutAsync(user)));
        return list;
    }

    private static async Task<Results<Created<UserDto>, ValidationProblem>> CreateAsync(CreateUserBody body, UserManager<LabUser> users)
    {
        if (!LabRoles.All.Contains(body.Role))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = [$"role must be one of {string.Join(", ", LabRoles.All)}."] });
        var user = new LabUser { UserName = body.Email, Email = body.Email, EmailConfirmed = true, DisplayName = body.DisplayName };
        var created = await users.CreateAsync(user, body.Password ?? "");
        if (!created.Succeeded)
            return TypedResults.ValidationProblem(created.Errors.GroupBy(e => e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : "email")
                .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        await users.AddToRoleAsync(user, body.Role);
        return TypedResults.Created($"/api/admin/users/{user.Id}", new UserDto(user.Id, user.Email!, user.DisplayName, [body.Role], false));
    }

    private static async Task<Results<NoContent, NotFound, ValidationProblem>> SetRoleAsync(
        string id, SetRoleBody body, UserManager<LabUser> users, Security.HubConnections hubConnections)
    {
        if (!LabRoles.All.Contains(body.Role))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = [$"role must be one of {string.Join(", ", LabRoles.All)}."] });
        var user = await users.FindByIdAsync(id);
        if (user is null) return TypedResults.NotFound();
        await users.RemoveFromRolesAsync(user, await users.GetRolesAsync(user));
        await users.AddToRoleAsync(user, body.Role);
        // The old role lives on in cookies, circuits and open hub connections: a new stamp ends the first two at their
        // next check, and the hub connections are closed now (they reconnect as the user now is).
        await users.UpdateSecurityStampAsync(user);
        hubConnections.AbortUser(user.Id);
        return TypedResults.NoContent();
    }
}
