using Hangfire;
using Hangfire.InMemory;
using LayerLab.Data;
using LayerLab.Web.Accounts;
using LayerLab.Training;
using LayerLab.Training.Contracts;
using LayerLab.Training.Jobs;
using LayerLab.Training.Worker;
using LayerLab.Web.Workers;
using LayerLab.Web.Ingestion;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using Microsoft.AspNetCore.SignalR;
using MudBlazor.Services;

namespace LayerLab.Web.Hosting;

public static class ServiceRegistration
{
    public static WebApplicationBuilder AddLayerLab(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var section = builder.Configuration.GetSection(LayerLabOptions.Section);
        var options = section.Get<LayerLabOptions>() ?? new LayerLabOptions();
        AddFeatureOptions(services);

        services.AddSingleton(TimeProvider.System);
        var database = ResolveDatabase(options.Database, builder.Environment.ContentRootPath);
        services.AddLabDatabase(database);
        // Recovery first: hosted services start in registration order, and it migrates the database.
        services.AddHostedService<RunRecovery>();
        services.AddLabAccounts(DataFolderOf(database, builder.Environment.ContentRootPath));
        // Before AddTraining: the training project only TryAdds its built-in catalog, so the portal's wins. The default
        // text is registered after RunRecovery (which migrates the database).
        services.AddSingleton(new Datasets.DatasetFolder(Path.Combine(DataFolderOf(database, builder.Environment.ContentRootPath), "datasets")));
        services.AddSingleton<Datasets.DatasetStore>();
        services.AddSingleton<Datasets.DefaultDatasetRegistration>();
        services.AddHostedService(sp => sp.GetRequiredService<Datasets.DefaultDatasetRegistration>());
        services.AddSingleton<IDatasetCatalog, Datasets.PortalDatasetCatalog>();

        var checkpointDirectory = string.IsNullOrWhiteSpace(options.Checkpoints.Directory)
            ? Path.Combine(DataFolderOf(database, builder.Environment.ContentRootPath), "checkpoints")
            : Path.GetFullPath(options.Checkpoints.Directory, builder.Environment.ContentRootPath);
        services.AddTraining(options.Runs, options.Checkpoints, checkpointDirectory);
        services.AddSingleton<RunEvents>();
        services.AddSingleton<ExternalRuns.RunningExternalRunCache>();
        services.AddSingleton<LiveMetricBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveMetricBroadcaster>());
        services.AddSingleton<MetricIngestion>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricIngestion>());
        services.AddSingleton<Compare.HistoryCompactor>();
        Mlflow.MlflowEndpoints.AddMlflowApi(services);
        services.AddHostedService(sp => sp.GetRequiredService<Compare.HistoryCompactor>());
        services.AddSingleton<RunProgressWriter>();
        services.AddSingleton(sp => Tensors.TensorLimits.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<Tensors.TensorStore>();
        services.AddSingleton<IRunReporter, InProcessRunReporter>();
        services.AddSingleton<PortalRunLedger>(); // remote workers' endpoints call its owner-checked overloads
        services.AddSingleton<IRunLedger>(sp => sp.GetRequiredService<PortalRunLedger>());
        services.AddSingleton<DispatchSignal>();
        services.AddSingleton<RunQueue>();
        services.AddSingleton<Queue.HangfireHandOff>();
        services.AddSingleton<LeaseExpiry>();
        services.AddHostedService(sp => sp.GetRequiredService<LeaseExpiry>());
        services.AddSingleton<Queue.QueueQueries>();
        services.AddSingleton<Queue.RunPriorities>();
        services.AddSingleton<Notifications.Notifier>();
        // Told in this order when the ledger stores a run's end: judge the original of a reproduction (its badge is
        // written before the bell rings, as when the ledger called it itself), pack its histories, ring the owner's bell.
        services.AddSingleton<IRunFinishedSubscriber>(sp => sp.GetRequiredService<RunReproduction>());
        services.AddSingleton<IRunFinishedSubscriber>(sp => sp.GetRequiredService<Compare.HistoryCompactor>());
        services.AddSingleton<IRunFinishedSubscriber>(sp => sp.GetRequiredService<Notifications.Notifier>());
        services.AddSingleton<RunFinishedSubscribers>();
        services.AddSingleton<RunSubmission>();
        services.AddSingleton<RunCommands>();
        services.AddSingleton<RunReproduction>();
        services.AddSingleton<Sweeps.SweepSubmission>();
        services.AddSingleton<Sweeps.SweepCommands>();
        services.AddSingleton<Sweeps.SweepReader>();
        services.AddSingleton<Studies.StudySubmission>();
        services.AddSingleton<Studies.StudyReader>();
        services.AddSingleton<Studies.SweepStudySaver>();
        services.AddSingleton<LayerLab.Web.Compare.CompareQueries>();
        services.AddSingleton<Review.ReviewService>();
        // After RunRecovery (registered first): it starts from the migrated database with dispatch marks cleared.
        services.AddHostedService<Queue.QueueDispatcher>();

        // Storage by configuration: in-memory (embedded, one process) or PostgreSQL shared with remote workers.
        var storage = builder.Configuration.GetSection(HangfireStorageOptions.Section).Get<HangfireStorageOptions>() ?? new();
        storage.Validate();
        services.AddSingleton(storage);
        services.AddHangfire(config =>
        {
            config.UseLayerLabSerializer();
            if (storage.IsPostgreSql) config.UseLayerLabPostgreSql(storage.ConnectionString!);
            else config.UseInMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(6) });
        });
        AddRemoteWorkers(services, storage);
        if (options.Worker.Enabled)
        {
            services.AddHangfireServer(server =>
            {
                server.WorkerCount = Math.Max(1, options.Worker.Count);
                server.Queues = Queue.HangfireHandOff.LocalQueues(options.Worker.Gpu);
                server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            });
        }

        services.AddSingleton<Security.HubConnections>();
        services.AddSignalR(o => o.AddFilter<Security.HubConnectionTracking>());
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, Security.StampRevalidatingAuthenticationStateProvider>();
        services.AddMudServices();
        services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.AddProblemDetails();
        services.AddOpenApi(); // served at /openapi/v1.json to signed-in users
        services.AddHealthChecks();
        return builder;
    }

    /// <summary>
    /// Each feature's options class bound to its own subsection of "LayerLab" (the keys in appsettings.json are the
    /// same as when one LayerLabOptions held them all), so features depend on their own options, not on Hosting.
    /// </summary>
    private static void AddFeatureOptions(IServiceCollection services)
    {
        services.AddOptions<PortalInfoOptions>().BindConfiguration(PortalInfoOptions.Section);
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section);
        services.AddOptions<WorkersOptions>().BindConfiguration(WorkersOptions.Section);
        services.AddOptions<Accounts.AdminOptions>().BindConfiguration(Accounts.AdminOptions.Section);
        services.AddOptions<Security.AuthOptions>().BindConfiguration(Security.AuthOptions.Section);
        services.AddOptions<Security.ProxyOptions>().BindConfiguration(Security.ProxyOptions.Section);
        services.AddOptions<Sweeps.SweepOptions>().BindConfiguration(Sweeps.SweepOptions.Section);
        services.AddOptions<Queue.QueueOptions>().BindConfiguration(Queue.QueueOptions.Section);
        services.AddOptions<Compare.CompareOptions>().BindConfiguration(Compare.CompareOptions.Section);
        services.AddOptions<Datasets.DatasetOptions>().BindConfiguration(Datasets.DatasetOptions.Section);
    }

    /// <summary>
    /// The portal's side of remote workers: their heartbeats, and (with shared storage only) the sweeper that puts
    /// the runs of a worker that stopped beating back in the queue.
    /// </summary>
    private static void AddRemoteWorkers(IServiceCollection services, HangfireStorageOptions storage)
    {
        services.AddSingleton<WorkerRegistry>();
        services.AddSingleton<WorkerStatusQuery>();
        if (storage.IsPostgreSql) services.AddHostedService<DeadWorkerSweeper>();
    }

    /// <summary>Where files that belong with the database live (data-protection keys, artifacts): next to it.</summary>
    private static string DataFolderOf(string connectionString, string contentRoot)
    {
        var source = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource;
        return source == ":memory:" ? Path.Combine(contentRoot, "data") : Path.GetDirectoryName(Path.GetFullPath(source))!;
    }

    /// <summary>Relative SQLite paths are taken from the content root (the repository root), not the working directory.</summary>
    private static string ResolveDatabase(string connectionString, string contentRoot)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource != ":memory:" && !Path.IsPathRooted(builder.DataSource))
            builder.DataSource = Path.Combine(contentRoot, builder.DataSource);
        return builder.ToString();
    }
}
