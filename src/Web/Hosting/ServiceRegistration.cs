using Hangfire;
using Hangfire.InMemory;
using LayerLab.Data;
using LayerLab.Web.Accounts;
using LayerLab.Training.Contracts;
using LayerLab.Training.Jobs;
using LayerLab.Web.Ingestion;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using MudBlazor.Services;

namespace LayerLab.Web.Hosting;

public static class ServiceRegistration
{
    public static WebApplicationBuilder AddLayerLab(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var section = builder.Configuration.GetSection(LayerLabOptions.Section);
        services.Configure<LayerLabOptions>(section);
        var options = section.Get<LayerLabOptions>() ?? new LayerLabOptions();

        services.AddSingleton(TimeProvider.System);
        var database = ResolveDatabase(options.Database, builder.Environment.ContentRootPath);
        services.AddLabDatabase(database);
        // Recovery first: hosted services start in registration order, and it migrates the database.
        services.AddHostedService<RunRecovery>();
        services.AddLabAccounts(DataFolderOf(database, builder.Environment.ContentRootPath));

        AddExperiments(services);
        services.AddSingleton<RunCancellation>();
        services.AddTransient<TrainRunJob>();
        services.AddSingleton<RunEvents>();
        services.AddSingleton<LiveMetricBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveMetricBroadcaster>());
        services.AddSingleton<MetricIngestion>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricIngestion>());
        services.AddSingleton<RunProgressWriter>();
        services.AddSingleton<IRunReporter, InProcessRunReporter>();
        services.AddSingleton<IRunLedger, PortalRunLedger>();
        services.AddSingleton<RunQueue>();
        services.AddSingleton<RunSubmission>();
        services.AddSingleton<RunCommands>();
        services.AddSingleton<RunReproduction>();
        services.AddSingleton<LayerLab.Web.Compare.CompareQueries>();
        services.AddSingleton<Review.ReviewService>();

        services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseInMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(6) }));
        if (options.Worker.Enabled)
        {
            services.AddHangfireServer(server =>
            {
                server.WorkerCount = Math.Max(1, options.Worker.Count);
                server.Queues = RunQueue.LocalQueues();
                server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            });
        }

        services.AddSignalR();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.AddProblemDetails();
        services.AddOpenApi(); // served at /openapi/v1.json to signed-in users
        services.AddHealthChecks();
        return builder;
    }

    /// <summary>Every experiment class in the Training assembly is in the catalog: adding one is adding a file.</summary>
    private static void AddExperiments(IServiceCollection services)
    {
        var types = typeof(IExperiment).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IExperiment).IsAssignableFrom(t));
        foreach (var type in types) services.AddSingleton(typeof(IExperiment), type);
        services.AddSingleton<ExperimentCatalog>();
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
