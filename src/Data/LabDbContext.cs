using LayerLab.Data.Metrics;
using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LayerLab.Data;

public sealed class LabDbContext(DbContextOptions<LabDbContext> options) : DbContext(options)
{
    private static readonly ValueConverter<DateTimeOffset, long> UtcTicks =
        new(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));

    public DbSet<Run> Runs => Set<Run>();
    public DbSet<MetricPoint> MetricPoints => Set<MetricPoint>();
    public DbSet<LatestMetric> LatestMetrics => Set<LatestMetric>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
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
            run.HasIndex(r => r.Status);
            run.HasIndex(r => new { r.ExperimentKey, r.Status });
        });
        modelBuilder.Entity<MetricPoint>(point =>
        {
            point.HasKey(p => new { p.RunId, p.Key, p.Step });
            point.Property(p => p.Key).HasMaxLength(200);
            point.HasOne<Run>().WithMany().HasForeignKey(p => p.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<LatestMetric>(latest =>
        {
            latest.HasKey(p => new { p.RunId, p.Key });
            latest.Property(p => p.Key).HasMaxLength(200);
            latest.HasOne<Run>().WithMany().HasForeignKey(p => p.RunId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
