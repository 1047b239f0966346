using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LayerLab.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>Registers a pooled <see cref="LabDbContext"/> factory on SQLite (WAL + busy timeout).</summary>
    public static IServiceCollection AddLabDatabase(this IServiceCollection services, string connectionString)
    {
        var normalized = SqliteSetup.BuildConnectionString(connectionString);
        services.AddPooledDbContextFactory<LabDbContext>(options => options
            .UseSqlite(normalized)
            .AddInterceptors(new SqlitePragmaInterceptor()));
        return services;
    }
}
