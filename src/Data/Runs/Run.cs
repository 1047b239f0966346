namespace LayerLab.Data.Runs;

/// <summary>One training run. SQLite is the source of truth for its status; Hangfire only carries the work.</summary>
public sealed class Run
{
    public long Id { get; set; }
    public required string ExperimentKey { get; set; }
    /// <summary>Validated parameter values as a JSON object.</summary>
    public required string ParametersJson { get; set; }
    public long Seed { get; set; }
    public RunStatus Status { get; set; }
    /// <summary>0..1 of the run's work done, as last reported.</summary>
    public double Progress { get; set; }
    public DateTimeOffset QueuedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Worker { get; set; }
    public string? Device { get; set; }
    /// <summary>How many times a worker claimed this run (a restart or redelivery adds one).</summary>
    public int Attempt { get; set; }
    /// <summary>The worker that holds the current attempt's lease (null when no attempt is running).</summary>
    public string? LeaseOwner { get; set; }
    /// <summary>
    /// Until when the running attempt's lease holds; its worker renews it by heartbeat. Past this time the portal
    /// puts the run back in the queue (the worker is presumed dead) and that attempt's writes are refused.
    /// </summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    /// <summary>The checkpoint step the current attempt resumed from; null when it started from scratch.</summary>
    public long? ResumedFromStep { get; set; }
    public string? Error { get; set; }
    public string? HangfireJobId { get; set; }
    /// <summary>Dispatch order among one person's queued runs: higher goes first (default 0). Between people the
    /// dispatcher is fair (fewest running + dispatched runs first), so priority never lets one person jump another.</summary>
    public int Priority { get; set; }
    /// <summary>Set while this Queued run waits in Hangfire (when the dispatcher handed it over); null while it waits in
    /// SQLite for its turn, and again once a worker claims it or it ends, so re-queuing a run starts clean.</summary>
    public DateTimeOffset? DispatchedAt { get; set; }
    /// <summary>Final summary metrics as a JSON object of name → number.</summary>
    public string? SummaryJson { get; set; }
    /// <summary>Exact reference values as a JSON array of {metricKey,label,value}.</summary>
    public string? ReferencesJson { get; set; }
    public string? Verdict { get; set; }
    public bool CancelRequested { get; set; }
    /// <summary>User name of the submitter (display); <see cref="SubmittedById"/> is the account's id.</summary>
    public string? SubmittedBy { get; set; }
    public string? SubmittedById { get; set; }
    /// <summary>Catalog runs are trained by the portal's workers; external runs are trained elsewhere and logged over HTTP.</summary>
    public RunSource Source { get; set; }
    /// <summary>Set on a run queued by "Reproduce": the run it repeats (same experiment, parameters, seed).</summary>
    public long? ReproducesRunId { get; set; }
    /// <summary>On the original: Pending while a reproduction runs, then Reproduced or NotReproduced.</summary>
    public string? Reproduction { get; set; }
    /// <summary>The numbers behind <see cref="Reproduction"/>, in words.</summary>
    public string? ReproductionNote { get; set; }
    /// <summary>Optional human name (external runs name themselves; catalog runs may be renamed).</summary>
    public string? Name { get; set; }
    /// <summary>Where an external run was logged from, for the run list (e.g. "MLflow · train.py · alice"); null otherwise.</summary>
    public string? Origin { get; set; }
    /// <summary>The current review state (history in <c>RunReviewEvents</c>; both written in one transaction).</summary>
    public Review.ReviewState ReviewState { get; set; }
    /// <summary>The author's notes (markdown).</summary>
    public string? Notes { get; set; }
    /// <summary>The sweep that created this run, if any.</summary>
    public long? SweepId { get; set; }
    /// <summary>Runs sharing a batch key (the seeds of one sweep configuration, for experiments that train seeds
    /// together) are handed to the workers as one job that trains them as one program; null trains alone.</summary>
    public string? BatchKey { get; set; }
    /// <summary>The stored dataset version the run trained on (experiments with a <c>dataset</c> parameter); with
    /// <see cref="DatasetSha256"/> it names exactly the bytes, even after the version is deleted.</summary>
    public long? DatasetId { get; set; }
    public string? DatasetSha256 { get; set; }
}

public enum RunSource
{
    Catalog = 0,
    External = 1,
}
