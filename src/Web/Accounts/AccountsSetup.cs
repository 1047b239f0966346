using System.Threading.RateLimiting;
using LayerLab.Data;
using LayerLab.Data.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Accounts;

public static class AccountsSetup
{
    public const string SignInRateLimit = "signin";

    public static IServiceCollection AddLabAccounts(this IServiceCollection services, string dataFolder)
    {
        // Identity's stores want a scoped context; the portal otherwise uses the pooled factory.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<LabDbContext>>().CreateDbContext());
        services.AddIdentityCore<LabUser>(options =>
            {
                options.Password.RequiredLength = 10;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                options.Lockout.AllowedForNewUsers = true;
                options.User.RequireUniqueEmail = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<LabDbContext>()
            .AddUserManager<LabUserManager>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = ApiTokenDefaults.SmartScheme;
                options.DefaultChallengeScheme = ApiTokenDefaults.SmartScheme;
            })
            .AddPolicyScheme(ApiTokenDefaults.SmartScheme, "Cookie or API token", options =>
                options.ForwardDefaultSelector = context =>
                    ApiTokenAuthenticationHandler.PresentedToken(context) is not null
                        ? ApiTokenDefaults.Scheme
                        : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenDefaults.Scheme, null)
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/account/signin";
            options.AccessDeniedPath = "/account/denied";
            options.Cookie.Name = "layerlab.auth";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.SlidingExpiration = true;
            options.ExpireTimeSpan = TimeSpan.FromDays(7);
            // APIs answer 401/403; only page requests are redirected to the sign-in page.
            options.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
        });
        services.AddAuthorization(LabPolicies.Add);
        services.AddCascadingAuthenticationState();

        // Persisted keys: a restart keeps people signed in and antiforgery tokens valid.
        services.AddDataProtection().SetApplicationName("LayerLab")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataFolder, "keys")));

        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                return ValueTask.CompletedTask;
            };
            // Per client address: 10 sign-in attempts a minute, whatever the account.
            options.AddPolicy(SignInRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });

        services.AddSingleton<ValidatedTokenCache>();
        services.AddSingleton<ApiTokenService>();
        services.AddHostedService<AdminBootstrap>();
        return services;
    }

    private static Task RedirectOrStatus(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs") || path.StartsWithSegments("/_blazor") ||
            path.StartsWithSegments("/hangfire"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
