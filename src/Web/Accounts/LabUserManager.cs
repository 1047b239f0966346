using LayerLab.Data.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Accounts;

/// <summary>
/// Identity's user manager, plus one duty: every change to a user (roles, lockout and failed-attempt count, password,
/// security stamp, deletion) drops that user's cached API-token identities, so a role change or lockout applies to
/// the very next API request. Identity routes all of these through <see cref="UpdateUserAsync"/> / <see cref="DeleteAsync"/>.
/// </summary>
public sealed class LabUserManager(
    IUserStore<LabUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<LabUser> passwordHasher,
    IEnumerable<IUserValidator<LabUser>> userValidators,
    IEnumerable<IPasswordValidator<LabUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<LabUser>> logger,
    ValidatedTokenCache tokenCache)
    : UserManager<LabUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    protected override async Task<IdentityResult> UpdateUserAsync(LabUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        try { return await base.UpdateUserAsync(user); }
        finally { tokenCache.InvalidateUser(user.Id); }
    }

    public override async Task<IdentityResult> DeleteAsync(LabUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        try { return await base.DeleteAsync(user); }
        finally { tokenCache.InvalidateUser(user.Id); }
    }
}
