using LayerLab.Data.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Accounts;

/// <summary>
/// At start: make sure the four roles exist, and create (or promote) the first admin from configuration —
/// LayerLab:Admin:Email and LayerLab:Admin:Password, e.g. `./lab.sh start --LayerLab:Admin:Email=me@lab
/// --LayerLab:Admin:Password=…` or the LayerLab__Admin__… environment variables. No password is built in.
/// </summary>
public sealed partial class AdminBootstrap(
    IServiceScopeFactory scopes, IOptions<AdminOptions> options, ILogger<AdminBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in LabRoles.All)
            if (!await roles.RoleExistsAsync(role)) await roles.CreateAsync(new IdentityRole(role));

        var admin = options.Value;
        var users = scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>();
        if (string.IsNullOrWhiteSpace(admin.Email) || string.IsNullOrEmpty(admin.Password))
        {
            if (users.Users.Any()) return;
            LogNoAdmin();
            return;
        }
        var user = await users.FindByEmailAsync(admin.Email);
        if (user is null)
        {
            user = new LabUser { UserName = admin.Email, Email = admin.Email, EmailConfirmed = true, DisplayName = "Admin" };
            var created = await users.CreateAsync(user, admin.Password);
            if (!created.Succeeded)
                throw new InvalidOperationException("Cannot create the first admin: " + string.Join(" ", created.Errors.Select(e => e.Description)));
            LogCreated(admin.Email);
        }
        if (!await users.IsInRoleAsync(user, LabRoles.Admin)) await users.AddToRoleAsync(user, LabRoles.Admin);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No user exists and no first admin is configured: set LayerLab:Admin:Email and LayerLab:Admin:Password (see README)")]
    private partial void LogNoAdmin();

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first admin {Email}")]
    private partial void LogCreated(string email);
}
