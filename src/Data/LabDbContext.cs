using LayerLab.Data.Accounts;
using LayerLab.Data.Artifacts;
using LayerLab.Data.Metrics;
using LayerLab.Data.Runs;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LayerLab.Data;

public sealed class LabDbContext(DbContextOptions<LabDbContext> options) : IdentityDbContext<LabUser>(options)
{
    private static readonly ValueConverter<DateTimeOffset, long> UtcTicks =
        new(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));

    public DbSet<Run> Runs => Set<Run>();
    public DbSet<MetricPoint> MetricPoints => Set<MetricPoint>();
    public DbSet<LatestMetric> LatestMetrics => Set<LatestMetric>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Artifact> Artifacts => Set<Artifact>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var modelBuilder = builder;
        base.OnModelCreating(builder);
        modelBuilder.Entity<Run>(run =>
        {
            run.Property(r => r.ExperimentKey).HasMaxLength(100);
            run.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
            run.Property(r => r.Worker).HasMaxLength(200);
            run.Property(r => r.Device).HasMaxLength(50);
            run.Property(r => r.HangfireJobId).HasMaxLength(100);
            run.Property(r => r.SubmittedBy).HasMaxLength(200);
            // SQLite cannot order by DateTimeOffset natively; store UTC ticks so ORDER BY and range filters run in SQL.
            run.Property(r => r.QueuedAt).HasConversion(UtcTicks);
            run.Property(r => r.StartedAt).HasConversion(UtcTicks);
            run.Property(r => r.FinishedAt).HasConversion(UtcTicks);
            run.Property(r => r.Source).HasConversion<string>().HasMaxLength(16);
            run.Property(r => r.Name).HasMaxLength(200);
            run.Property(r => r.SubmittedById).HasMaxLength(100);
            run.HasIndex(r => r.Status);
            run.HasIndex(r => new { r.ExperimentKey, r.Status });
        });
        modelBuilder.Entity<MetricPoint>(point =>
        {
            point.HasKey(p => new { p.RunId, p.Key, p.Step });
            point.Property(p => p.Key).HasMaxLength(200);
            point.HasOne<Run>().WithMany().HasForeignKey(p => p.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ApiToken>(token =>
        {
            token.HasIndex(t => t.Prefix).IsUnique();
            token.Property(t => t.Prefix).HasMaxLength(16);
            token.Property(t => t.SecretHash).HasMaxLength(64);
            token.Property(t => t.Name).HasMaxLength(100);
            token.Property(t => t.Scopes).HasMaxLength(50);
            token.Property(t => t.CreatedAt).HasConversion(UtcTicks);
            token.Property(t => t.ExpiresAt).HasConversion(UtcTicks);
            token.Property(t => t.RevokedAt).HasConversion(UtcTicks);
            token.Property(t => t.LastUsedAt).HasConversion(UtcTicks);
            token.HasOne<LabUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Artifact>(artifact =>
        {
            artifact.Property(a => a.StoredName).HasMaxLength(100);
            artifact.Property(a => a.DisplayName).HasMaxLength(255);
            artifact.Property(a => a.ContentType).HasMaxLength(100);
            artifact.Property(a => a.Sha256).HasMaxLength(64);
            artifact.Property(a => a.CreatedAt).HasConversion(UtcTicks);
            artifact.HasIndex(a => a.RunId);
            artifact.HasOne<Run>().WithMany().HasForeignKey(a => a.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<LatestMetric>(latest =>
        {
            latest.HasKey(p => new { p.RunId, p.Key });
            latest.Property(p => p.Key).HasMaxLength(200);
            latest.HasOne<Run>().WithMany().HasForeignKey(p => p.RunId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
