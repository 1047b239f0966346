using System.Net.Http.Json;
using LayerLab.Training.Worker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LayerLab.Worker;

/// <summary>Tells the portal every few seconds that this worker is alive, on which device and queues, with how many slots.</summary>
public sealed partial class WorkerHeartbeat(HttpClient portal, HeartbeatRequest identity, TimeSpan interval, ILogger<WorkerHeartbeat> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                using var response = await portal.PostAsJsonAsync(new Uri(WorkerApi.Heartbeat, UriKind.Relative), identity, WorkerApi.Json, stoppingToken);
                if (!response.IsSuccessStatusCode) LogRefused((int)response.StatusCode);
            }
            catch (HttpRequestException ex)
            {
                LogUnreachable(ex); // the portal restarts; the next beat tries again
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The portal refused the heartbeat ({Status}): is LayerLab:Portal:Token a live token with the worker scope?")]
    private partial void LogRefused(int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The portal is unreachable; heartbeat not sent")]
    private partial void LogUnreachable(Exception ex);
}
