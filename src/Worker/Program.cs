using System.Net.Http.Headers;
using Hangfire;
using LayerLab.Training;
using LayerLab.Training.Checkpoints;
using LayerLab.Training.Contracts;
using LayerLab.Training.Jobs;
using LayerLab.Training.Worker;
using LayerLab.Worker;
using LayerLab.Worker.Portal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The standalone training worker: takes runs from the shared PostgreSQL Hangfire storage, trains them with the
// same TrainRunJob as the portal's in-process worker, and reports to the portal over HTTP with a worker token.
//   dotnet LayerLab.Worker.dll --LayerLab:Hangfire:ConnectionString="Host=…" --LayerLab:Portal:Url=http://portal:8080 \
//       --LayerLab:Portal:Token=ll_… [--LayerLab:Worker:Count=1] [--LayerLab:Worker:Queues:0=gpu]
var builder = Host.CreateApplicationBuilder(args);
var storage = builder.Configuration.GetSection(HangfireStorageOptions.Section).Get<HangfireStorageOptions>() ?? new();
storage.Storage = HangfireStorageOptions.PostgreSql; // a remote worker only makes sense on shared storage
storage.Validate();
var portal = builder.Configuration.GetSection(PortalConnectionOptions.Section).Get<PortalConnectionOptions>() ?? new();
if (!Uri.TryCreate(portal.Url, UriKind.Absolute, out var portalUri))
    throw new InvalidOperationException($"{PortalConnectionOptions.Section}:Url must be the portal's absolute address, e.g. http://portal:8080.");
if (string.IsNullOrWhiteSpace(portal.Token))
    throw new InvalidOperationException($"{PortalConnectionOptions.Section}:Token must be an API token with the worker scope.");
var options = builder.Configuration.GetSection(RemoteWorkerOptions.Section).Get<RemoteWorkerOptions>() ?? new();
var device = TrainingDevice.Pick();
var queues = options.Queues.Length > 0 ? options.Queues
    : device.type == TorchSharp.DeviceType.CUDA ? ["gpu", "cpu"] : ["cpu"];
var slots = Math.Max(1, options.Count);

var services = builder.Services;
services.AddSingleton(_ =>
{
    var http = new HttpClient(new PortalRetryHandler(new SocketsHttpHandler())) { BaseAddress = portalUri, Timeout = TimeSpan.FromSeconds(60) };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", portal.Token);
    http.DefaultRequestHeaders.Add(WorkerApi.InstanceHeader, TrainRunJob.WorkerName); // claims are bound to token + instance
    return http;
});
services.AddSingleton<HttpRunReporter>();
services.AddSingleton<IRunReporter>(sp => sp.GetRequiredService<HttpRunReporter>());
services.AddSingleton<IRunLedger, HttpRunLedger>();
// Datasets come from the portal by id and are cached here by SHA-256 (before AddTraining, whose fallback only TryAdds).
services.AddSingleton<IDatasetCatalog>(sp => new HttpDatasetCatalog(sp.GetRequiredService<HttpClient>(),
    Path.GetFullPath(builder.Configuration["LayerLab:Datasets:CacheDirectory"] is { Length: > 0 } cache ? cache : "dataset-cache")));
// Leases and checkpoints as in the portal (same keys). The checkpoint directory must be shared by all workers
// (a network mount) for a run to resume on another worker; without it a re-queued run starts over.
var checkpoints = builder.Configuration.GetSection("LayerLab:Checkpoints").Get<CheckpointOptions>() ?? new();
services.AddTraining(
    builder.Configuration.GetSection("LayerLab:Runs").Get<RunLeaseOptions>() ?? new(), checkpoints,
    Path.GetFullPath(string.IsNullOrWhiteSpace(checkpoints.Directory) ? "checkpoints" : checkpoints.Directory));
services.AddHostedService(sp => new WorkerHeartbeat(
    sp.GetRequiredService<HttpClient>(),
    new HeartbeatRequest(TrainRunJob.WorkerName, TrainingDevice.Describe(device), queues, slots),
    TimeSpan.FromSeconds(Math.Max(0.2, options.HeartbeatSeconds)),
    sp.GetRequiredService<ILogger<WorkerHeartbeat>>()));
services.AddHangfire(config => config.UseLayerLabSerializer().UseLayerLabPostgreSql(storage.ConnectionString!));
services.AddHangfireServer(server =>
{
    server.ServerName = TrainRunJob.WorkerName;
    server.WorkerCount = slots;
    server.Queues = queues;
});

var host = builder.Build();
host.Services.GetRequiredService<ILogger<Program>>().LogInformation(
    "Worker {Name} on {Device}: {Slots} slot(s), queues {Queues}, portal {Portal}",
    TrainRunJob.WorkerName, TrainingDevice.Describe(device), slots, string.Join(",", queues), portalUri);
await host.RunAsync();
