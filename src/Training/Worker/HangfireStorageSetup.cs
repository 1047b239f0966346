using Hangfire;
using Hangfire.PostgreSql;

namespace LayerLab.Training.Worker;

/// <summary>Which Hangfire storage carries the jobs: "LayerLab:Hangfire" in configuration.</summary>
public sealed class HangfireStorageOptions
{
    public const string Section = "LayerLab:Hangfire";
    public const string InMemory = "InMemory";
    public const string PostgreSql = "PostgreSql";

    /// <summary><see cref="InMemory"/> (embedded, one process) or <see cref="PostgreSql"/> (shared by the portal and remote workers).</summary>
    public string Storage { get; set; } = InMemory;

    /// <summary>Npgsql connection string; required with <see cref="PostgreSql"/>.</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgreSql => string.Equals(Storage, PostgreSql, StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws with the key to set when the section is inconsistent (a typo must not silently fall back to in-memory).</summary>
    public void Validate()
    {
        if (!IsPostgreSql && !string.Equals(Storage, InMemory, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{Section}:Storage must be {InMemory} or {PostgreSql}, not '{Storage}'.");
        if (IsPostgreSql && string.IsNullOrWhiteSpace(ConnectionString))
            throw new InvalidOperationException($"{Section}:ConnectionString is required when {Section}:Storage is {PostgreSql}.");
    }
}

/// <summary>The Hangfire settings the portal (which enqueues) and the workers (which run jobs) must share exactly.</summary>
public static class HangfireStorageSetup
{
    /// <summary>Job arguments serialized the same way on both sides: the worker must read what the portal wrote.</summary>
    public static IGlobalConfiguration UseLayerLabSerializer(this IGlobalConfiguration config) => config
        .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
        .UseSimpleAssemblyNameTypeSerializer()
        .UseRecommendedSerializerSettings();

    /// <summary>
    /// PostgreSQL storage with the sliding invisibility timeout: a fetched job stays invisible for as long as its
    /// worker's heartbeat keeps extending it, so a run that trains for hours is not delivered to a second worker;
    /// when the worker dies the job becomes visible again once the timeout passes.
    /// </summary>
    public static IGlobalConfiguration UseLayerLabPostgreSql(this IGlobalConfiguration config, string connectionString) => config
        .UsePostgreSqlStorage(c => c.UseNpgsqlConnection(connectionString), new PostgreSqlStorageOptions
        {
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = TimeSpan.FromMinutes(5),
            // The default polls queues every 15 s; a lab queue should start a run within about a second.
            QueuePollInterval = TimeSpan.FromSeconds(1),
            PrepareSchemaIfNecessary = true,
        });
}
