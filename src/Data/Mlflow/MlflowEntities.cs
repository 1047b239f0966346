using LayerLab.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Data.Mlflow;

/// <summary>
/// An MLflow experiment: the folder MLflow clients put runs in (<c>mlflow.set_experiment("name")</c>). Id 0 is
/// MLflow's "Default", seeded, which clients use when they name none. Times are Unix milliseconds, as MLflow sends them.
/// </summary>
public sealed class MlflowExperiment
{
    public const int MaxNameLength = 500;
    public const long DefaultId = 0;

    public long Id { get; set; }
    public required string Name { get; set; }
    public string? ArtifactLocation { get; set; }
    /// <summary>"active" or "deleted" (MLflow's soft delete; restore brings it back).</summary>
    public required string LifecycleStage { get; set; }
    public long CreatedAt { get; set; }
    public long LastUpdatedAt { get; set; }
    /// <summary>The account that created it: it (or an admin) may rename, tag, delete it. Null for Default (admins only).</summary>
    public string? OwnerId { get; set; }
}

public sealed class MlflowExperimentTag
{
    public long ExperimentId { get; set; }
    public required string Key { get; set; }
    public required string Value { get; set; }
}

/// <summary>
/// What makes an external run an MLflow run: its experiment and MLflow's soft-delete state. The rest (status,
/// times, name, owner, params as <see cref="Run.ParametersJson"/> strings) lives on the <see cref="Run"/> itself.
/// </summary>
public sealed class MlflowRun
{
    public long RunId { get; set; }
    public long ExperimentId { get; set; }
    public required string LifecycleStage { get; set; }
    /// <summary>MLflow's user_id as the client sent it (its local user name); the LayerLab owner is on the run.</summary>
    public string? UserId { get; set; }
}

/// <summary>A run's MLflow tag (key → string value), <c>mlflow.*</c> system tags included.</summary>
public sealed class MlflowRunTag
{
    public const int MaxKeyLength = 250;
    public const int MaxValueLength = 8000;

    public long RunId { get; set; }
    public required string Key { get; set; }
    public required string Value { get; set; }
}

public static class MlflowModel
{
    public const string Active = "active";
    public const string Deleted = "deleted";

    internal static void Configure(ModelBuilder builder)
    {
        builder.Entity<MlflowExperiment>(experiment =>
        {
            experiment.Property(e => e.Id).ValueGeneratedOnAdd();
            experiment.Property(e => e.Name).HasMaxLength(MlflowExperiment.MaxNameLength);
            experiment.HasIndex(e => e.Name).IsUnique();
            experiment.Property(e => e.ArtifactLocation).HasMaxLength(1000);
            experiment.Property(e => e.LifecycleStage).HasMaxLength(16);
            experiment.Property(e => e.OwnerId).HasMaxLength(100);
            // Default (id 0) is inserted by the MlflowSchema migration: EF's HasData refuses a zero key.
        });
        builder.Entity<MlflowExperimentTag>(tag =>
        {
            tag.HasKey(t => new { t.ExperimentId, t.Key });
            tag.Property(t => t.Key).HasMaxLength(MlflowRunTag.MaxKeyLength);
            tag.Property(t => t.Value).HasMaxLength(MlflowRunTag.MaxValueLength);
            tag.HasOne<MlflowExperiment>().WithMany().HasForeignKey(t => t.ExperimentId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<MlflowRun>(run =>
        {
            run.HasKey(r => r.RunId);
            run.Property(r => r.RunId).ValueGeneratedNever();
            run.Property(r => r.LifecycleStage).HasMaxLength(16);
            run.Property(r => r.UserId).HasMaxLength(256);
            // Search reads one experiment's runs, newest first (the run id orders them).
            run.HasIndex(r => new { r.ExperimentId, r.RunId });
            run.HasOne<Run>().WithOne().HasForeignKey<MlflowRun>(r => r.RunId).OnDelete(DeleteBehavior.Cascade);
            run.HasOne<MlflowExperiment>().WithMany().HasForeignKey(r => r.ExperimentId).OnDelete(DeleteBehavior.Restrict);
        });
        builder.Entity<MlflowRunTag>(tag =>
        {
            tag.HasKey(t => new { t.RunId, t.Key });
            tag.Property(t => t.Key).HasMaxLength(MlflowRunTag.MaxKeyLength);
            tag.Property(t => t.Value).HasMaxLength(MlflowRunTag.MaxValueLength);
            tag.HasOne<Run>().WithMany().HasForeignKey(t => t.RunId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
