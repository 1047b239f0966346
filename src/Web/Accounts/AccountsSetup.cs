using System.Threading.RateLimiting;
using LayerLab.Data;
using LayerLab.Data.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

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
            // Tokens are for the API only: pages and the Blazor circuit (/_blazor) act as a person and take the cookie
            // alone, so a read-only token cannot drive the UI, where actions follow roles rather than scopes.
            .AddPolicyScheme(ApiTokenDefaults.SmartScheme, "Cookie or API token", options =>
                options.ForwardDefaultSelector = context =>
                    ApiTokenDefaults.IsTokenPath(context.Request.Path) &&
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
        // A role or password change rotates the security stamp; a cookie issued before it stops working at the next check.
        services.AddOptions<SecurityStampValidatorOptions>().Configure<IOptions<Security.AuthOptions>>((o, lab) =>
            o.ValidationInterval = TimeSpan.FromSeconds(Math.Max(0, lab.Value.RevalidateSeconds)));
        services.AddAuthorization(LabPolicies.Add);
        // Over https (directly or through a configured proxy) the antiforgery cookie is Secure too, like the sign-in cookie.
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
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
            // Per client address: 10 sign-in attempts a minute (LayerLab:Auth:SignInAttemptsPerMinute), whatever the account.
            options.AddPolicy(SignInRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = Math.Max(1, context.RequestServices.GetRequiredService<IOptions<Security.AuthOptions>>().Value.SignInAttemptsPerMinute),
                    Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                }));
        });

        services.AddSingleton<ValidatedTokenCache>();
        services.AddSingleton<UnknownAccountLockout>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton<ThemePreference>();
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
