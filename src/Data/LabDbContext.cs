using LayerLab.Data.Accounts;
using LayerLab.Data.Artifacts;
using LayerLab.Data.Datasets;
using LayerLab.Data.Tensors;
using LayerLab.Data.Leaderboard;
using LayerLab.Data.Metrics;
using LayerLab.Data.Mlflow;
using LayerLab.Data.Notifications;
using LayerLab.Data.Review;
using LayerLab.Data.Runs;
using LayerLab.Data.Sweeps;
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
    public DbSet<MetricHistoryBlob> MetricHistoryBlobs => Set<MetricHistoryBlob>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Artifact> Artifacts => Set<Artifact>();
    public DbSet<RunTensor> RunTensors => Set<RunTensor>();
    public DbSet<RunComment> RunComments => Set<RunComment>();
    public DbSet<RunCommentMention> RunCommentMentions => Set<RunCommentMention>();
    public DbSet<RunReviewEvent> RunReviewEvents => Set<RunReviewEvent>();
    public DbSet<RunTag> RunTags => Set<RunTag>();
    public DbSet<Sweep> Sweeps => Set<Sweep>();
    public DbSet<Dataset> Datasets => Set<Dataset>();
    public DbSet<Study> Studies => Set<Study>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<LayerLab.Data.Panels.PanelLayout> PanelLayouts => Set<LayerLab.Data.Panels.PanelLayout>();
    public DbSet<LeaderboardAggregate> LeaderboardAggregates => Set<LeaderboardAggregate>();
    public DbSet<LeaderboardBucket> LeaderboardBuckets => Set<LeaderboardBucket>();
    public DbSet<MlflowExperiment> MlflowExperiments => Set<MlflowExperiment>();
    public DbSet<MlflowExperimentTag> MlflowExperimentTags => Set<MlflowExperimentTag>();
    public DbSet<MlflowRun> MlflowRuns => Set<MlflowRun>();
    public DbSet<MlflowRunTag> MlflowRunTags => Set<MlflowRunTag>();

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
            run.Property(r => r.BatchKey).HasMaxLength(100);
            run.HasIndex(r => r.BatchKey).HasFilter("\"BatchKey\" IS NOT NULL");
            run.Property(r => r.SubmittedBy).HasMaxLength(200);
            // SQLite cannot order by DateTimeOffset natively; store UTC ticks so ORDER BY and range filters run in SQL.
            run.Property(r => r.QueuedAt).HasConversion(UtcTicks);
            run.Property(r => r.StartedAt).HasConversion(UtcTicks);
            run.Property(r => r.FinishedAt).HasConversion(UtcTicks);
            run.Property(r => r.LeaseExpiresAt).HasConversion(UtcTicks);
            run.Property(r => r.LeaseOwner).HasMaxLength(200);
            run.Property(r => r.DispatchedAt).HasConversion(UtcTicks);
            run.Property(r => r.Source).HasConversion<string>().HasMaxLength(16);
            run.Property(r => r.Name).HasMaxLength(200);
            run.Property(r => r.Origin).HasMaxLength(300);
            run.Property(r => r.Reproduction).HasMaxLength(16);
            run.Property(r => r.ReproductionNote).HasMaxLength(1000);
            run.Property(r => r.SubmittedById).HasMaxLength(100);
            run.Property(r => r.ReviewState).HasConversion<string>().HasMaxLength(24).HasDefaultValue(ReviewState.Unreviewed).HasSentinel((ReviewState)(-1));
            run.Property(r => r.Notes).HasMaxLength(RunComment.MaxBodyLength);
            // Status first serves every status filter; DispatchedAt second lets the queue find the few dispatched-but-not-
            // started runs among many queued ones without reading them all.
            run.HasIndex(r => new { r.Status, r.DispatchedAt });
            run.HasIndex(r => r.ReviewState);
            run.HasIndex(r => new { r.ExperimentKey, r.Status });
            // The leaderboard triggers recompute one configuration at a time (LeaderboardAggregates).
            run.HasIndex(r => new { r.ExperimentKey, r.ParametersJson });
            // A date filter reads the runs of its partial edge days only (LeaderboardQueries.LeaderboardFromBucketsAsync).
            run.HasIndex(r => new { r.ExperimentKey, r.Status, r.FinishedAt });
            run.HasIndex(r => r.SweepId);
            run.Property(r => r.DatasetSha256).HasMaxLength(64);
            // Deleting a dataset version is refused while a run waits or trains on it (409); finished runs keep the id and hash.
            run.HasIndex(r => r.DatasetId).HasFilter("\"DatasetId\" IS NOT NULL");
            // Deleting a sweep keeps its runs (they are results in their own right).
            run.HasOne<Sweep>().WithMany().HasForeignKey(r => r.SweepId).OnDelete(DeleteBehavior.SetNull);
        });
        modelBuilder.Entity<Sweep>(sweep =>
        {
            sweep.Property(s => s.Name).HasMaxLength(200);
            sweep.Property(s => s.ExperimentKey).HasMaxLength(100);
            sweep.Property(s => s.SubmittedBy).HasMaxLength(200);
            sweep.Property(s => s.SubmittedById).HasMaxLength(100);
            sweep.Property(s => s.CreatedAt).HasConversion(UtcTicks);
        });
        modelBuilder.Entity<Study>(study =>
        {
            study.Property(s => s.ExperimentKey).HasMaxLength(100);
            study.Property(s => s.StudyKey).HasMaxLength(100);
            study.Property(s => s.Title).HasMaxLength(200);
            study.Property(s => s.SubmittedBy).HasMaxLength(200);
            study.Property(s => s.SubmittedById).HasMaxLength(100);
            study.Property(s => s.ReviewedBy).HasMaxLength(200);
            study.Property(s => s.SavedFigureJson).HasMaxLength(4000);
            study.Property(s => s.ReviewState).HasConversion<string>().HasMaxLength(20);
            study.Property(s => s.CreatedAt).HasConversion(UtcTicks);
            study.Property(s => s.ReviewedAt).HasConversion(UtcTicks);
            study.HasIndex(s => new { s.ExperimentKey, s.StudyKey });
            study.HasIndex(s => s.SweepId);
            // A study is its sweep seen through a claim: deleting the sweep deletes the study, never its runs.
            study.HasOne<Sweep>().WithMany().HasForeignKey(s => s.SweepId).OnDelete(DeleteBehavior.Cascade);
            study.HasOne<Study>().WithMany().HasForeignKey(s => s.RerunOfId).OnDelete(DeleteBehavior.SetNull);
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
        modelBuilder.Entity<RunTensor>(tensor =>
        {
            tensor.Property(t => t.Key).HasMaxLength(100);
            tensor.Property(t => t.Shape).HasMaxLength(40);
            tensor.HasIndex(t => new { t.RunId, t.Key, t.Step }).IsUnique();
            tensor.HasOne<Run>().WithMany().HasForeignKey(t => t.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Dataset>(dataset =>
        {
            dataset.Property(d => d.Name).HasMaxLength(Dataset.MaxNameLength);
            dataset.Property(d => d.Kind).HasMaxLength(8);
            dataset.Property(d => d.Sha256).HasMaxLength(64);
            dataset.Property(d => d.Licence).HasMaxLength(Dataset.MaxLicenceLength);
            dataset.Property(d => d.Source).HasMaxLength(Dataset.MaxSourceLength);
            dataset.Property(d => d.UploadedBy).HasMaxLength(200);
            dataset.Property(d => d.UploadedById).HasMaxLength(100);
            dataset.Property(d => d.CreatedAt).HasConversion(UtcTicks);
            // Versions are numbered per name; the unique index makes two concurrent uploads of one name retry, not collide.
            dataset.HasIndex(d => new { d.Name, d.Version }).IsUnique();
            dataset.HasIndex(d => d.Sha256);
            dataset.HasIndex(d => d.UploadedById);
        });
        ConfigureReview(modelBuilder);
        MlflowModel.Configure(modelBuilder);
        modelBuilder.Entity<Notification>(notification =>
        {
            notification.Property(n => n.UserId).HasMaxLength(100);
            notification.Property(n => n.Text).HasMaxLength(Notification.MaxTextLength);
            notification.Property(n => n.Link).HasMaxLength(300);
            notification.Property(n => n.CreatedAt).HasConversion(UtcTicks);
            notification.Property(n => n.ReadAt).HasConversion(UtcTicks);
            notification.HasIndex(n => new { n.UserId, n.Id });
            notification.HasOne<LabUser>().WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<LayerLab.Data.Panels.PanelLayout>(layout =>
        {
            layout.Property(l => l.UserId).HasMaxLength(100);
            layout.Property(l => l.ExperimentKey).HasMaxLength(LayerLab.Data.Panels.PanelLayout.MaxExperimentKeyLength);
            layout.Property(l => l.LayoutJson).HasMaxLength(LayerLab.Data.Panels.PanelLayout.MaxLayoutJsonLength);
            layout.Property(l => l.UpdatedAt).HasConversion(UtcTicks);
            // One layout per person and experiment: a save replaces it (and two tabs saving at once cannot add a second).
            layout.HasIndex(l => new { l.UserId, l.ExperimentKey }).IsUnique();
            layout.HasOne<LabUser>().WithMany().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<LeaderboardAggregate>(aggregate =>
        {
            aggregate.HasKey(a => new { a.ExperimentKey, a.ParametersJson, a.MetricKey, a.ReviewState });
            aggregate.Property(a => a.ExperimentKey).HasMaxLength(100);
            aggregate.Property(a => a.MetricKey).HasMaxLength(200);
            aggregate.Property(a => a.ReviewState).HasMaxLength(24);
            aggregate.HasIndex(a => new { a.ExperimentKey, a.MetricKey, a.ReviewState });
        });
        modelBuilder.Entity<LeaderboardBucket>(bucket =>
        {
            // Key order serves the reads: one tag's day range of one metric.
            bucket.HasKey(b => new { b.ExperimentKey, b.MetricKey, b.Tag, b.Day, b.ParametersJson, b.ReviewState });
            bucket.Property(b => b.ExperimentKey).HasMaxLength(100);
            bucket.Property(b => b.MetricKey).HasMaxLength(200);
            bucket.Property(b => b.Tag).HasMaxLength(RunTag.MaxLength);
            bucket.Property(b => b.ReviewState).HasMaxLength(24);
            // The triggers delete one configuration's day (LeaderboardBuckets).
            bucket.HasIndex(b => new { b.ExperimentKey, b.ParametersJson, b.Day });
        });
        modelBuilder.Entity<LatestMetric>(latest =>
        {
            latest.HasKey(p => new { p.RunId, p.Key });
            latest.Property(p => p.Key).HasMaxLength(200);
            latest.HasOne<Run>().WithMany().HasForeignKey(p => p.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<MetricHistoryBlob>(blob =>
        {
            blob.HasKey(b => new { b.RunId, b.Key });
            blob.Property(b => b.Key).HasMaxLength(200);
            blob.HasOne<Run>().WithMany().HasForeignKey(b => b.RunId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private static void ConfigureReview(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RunComment>(comment =>
        {
            comment.Property(c => c.AuthorId).HasMaxLength(100);
            comment.Property(c => c.AuthorName).HasMaxLength(256);
            comment.Property(c => c.Body).HasMaxLength(RunComment.MaxBodyLength);
            comment.Property(c => c.CreatedAt).HasConversion(UtcTicks);
            comment.Property(c => c.EditedAt).HasConversion(UtcTicks);
            comment.HasIndex(c => new { c.RunId, c.Id });
            comment.HasOne<Run>().WithMany().HasForeignKey(c => c.RunId).OnDelete(DeleteBehavior.Cascade);
            comment.HasOne<RunComment>().WithMany().HasForeignKey(c => c.ParentId).OnDelete(DeleteBehavior.Cascade);
            comment.HasMany(c => c.Mentions).WithOne().HasForeignKey(m => m.CommentId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<RunCommentMention>(mention =>
        {
            mention.HasKey(m => new { m.CommentId, m.UserId });
            mention.Property(m => m.UserId).HasMaxLength(100);
            mention.Property(m => m.Handle).HasMaxLength(256);
            mention.HasIndex(m => m.UserId);
        });
        modelBuilder.Entity<RunReviewEvent>(review =>
        {
            review.Property(e => e.ReviewerId).HasMaxLength(100);
            review.Property(e => e.ReviewerName).HasMaxLength(256);
            review.Property(e => e.From).HasConversion<string>().HasMaxLength(24);
            review.Property(e => e.To).HasConversion<string>().HasMaxLength(24);
            review.Property(e => e.Comment).HasMaxLength(RunComment.MaxBodyLength);
            review.Property(e => e.At).HasConversion(UtcTicks);
            review.HasIndex(e => new { e.RunId, e.Id });
            review.HasOne<Run>().WithMany().HasForeignKey(e => e.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<RunTag>(tag =>
        {
            tag.HasKey(t => new { t.RunId, t.Tag });
            tag.Property(t => t.Tag).HasMaxLength(RunTag.MaxLength);
            tag.HasIndex(t => t.Tag);
            tag.HasOne<Run>().WithMany().HasForeignKey(t => t.RunId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
