using Hangfire.Dashboard;
using LayerLab.Data.Accounts;

namespace LayerLab.Web.Accounts;

/// <summary>The Hangfire dashboard is for admins only; Hangfire's default (local requests) is not enough.</summary>
public sealed class AdminDashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.GetHttpContext().User;
        return user.Identity?.IsAuthenticated == true && user.IsInRole(LabRoles.Admin);
    }
}
