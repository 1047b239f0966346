using System.Text.Json;
using LayerLab.Data.Runs;
using LayerLab.Data.Sweeps;
using LayerLab.Training.Contracts;
using LayerLab.Training.Sweeps;
using LayerLab.Web.Components.Runs;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using LayerLab.Web.Sweeps;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;

namespace LayerLab.Web.Components.Sweeps;

/// <summary>A sweep's state: its loading (cancelled with the page), live reloads, and the parallel-coordinates
/// plot's data (markup in the .razor file).</summary>
public partial class SweepPage
{
    [Parameter] public long Id { get; set; }
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;

    private SweepDetails? _details;
    private IExperiment? _experiment;
    private bool _loaded;
    private bool _mayChange;
    private RunActor? _actor;
    private HashSet<long> _runIds = [];
    private ElementReference _plot;
    private IJSObjectReference? _module;
    private readonly LiveRefresh _refresh = new(TimeSpan.FromMilliseconds(400));

    private SweepProgress P => _details!.Progress;

    protected override async Task OnParametersSetAsync()
    {
        var user = (await AuthState).User;
        _actor = RunActor.From(user);
        await LoadAsync();
        _loaded = true;
        if (_details is not null)
            _mayChange = user.IsInRole(LayerLab.Data.Accounts.LabRoles.Admin)
                || _details.Sweep.SubmittedById == _actor.UserId;
        Events.RunUpdated -= OnRunUpdated;
        Events.RunUpdated += OnRunUpdated;
    }

    private async Task LoadAsync()
    {
        _details = await Reader.GetAsync(Id, ComponentToken);
        _experiment = _details is null ? null : Catalog.Find(_details.Sweep.ExperimentKey);
        _runIds = _details?.Rows.SelectMany(r => r.RunIds).ToHashSet() ?? [];
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_details is null || _details.Swept.Count == 0) return;
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "/js/parallel-coords.js");
            await _module.InvokeVoidAsync("drawParallelCoordinates", _plot, PlotData());
        }
        catch (JSDisconnectedException) { /* the browser went away */ }
    }

    private object PlotData()
    {
        var specs = _experiment?.Parameters ?? [];
        var axes = _details!.Swept.Select(name =>
        {
            var spec = specs.FirstOrDefault(s => s.Name == name);
            var numeric = spec?.Kind is ParameterKind.Integer or ParameterKind.Real;
            var log = spec?.LogScale == true || _details.Definition?.Sweep.GetValueOrDefault(name) is { } axis
                && (axis.Mode == SweepMode.Log || (axis.Mode == SweepMode.Random && axis.LogUniform));
            return new { name, kind = numeric ? "number" : "category", log };
        }).ToList();
        var lines = _details.Rows.Select(row =>
        {
            var values = Parameters(row);
            return new
            {
                values = _details.Swept.Select(n => values.TryGetValue(n, out var v) ? Plain(v) : null).ToList(),
                metric = row.Mean,
                best = row.IsBest,
                label = string.Join(", ", _details.Swept.Select(n => $"{n}={(values.TryGetValue(n, out var v) ? Text(v) : "")}")) + $" (n={row.N})",
            };
        }).ToList();
        return new
        {
            axes, lines,
            metric = new { name = _details.Metric?.Key ?? "metric", maximize = _details.Metric?.Direction == MetricDirection.Maximize },
        };
    }

    private static Dictionary<string, JsonElement> Parameters(SweepConfigurationRow row) =>
        RunJson.ParametersOf(row.ParametersJson);

    private static string Text(JsonElement v) => RunJson.TextOf(v);

    private static object? Plain(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => v.GetString(),
    };

    private IEnumerable<string> AxisLines()
    {
        foreach (var (name, axis) in _details?.Definition?.Sweep ?? new Dictionary<string, SweepAxis>())
        {
            yield return axis.Mode switch
            {
                SweepMode.List => $"{name}: list [{string.Join(", ", axis.Values ?? [])}]",
                SweepMode.Random => $"{name}: {axis.Count} {(axis.LogUniform ? "log-uniform" : "uniform")} draws in [{axis.Start}, {axis.Stop}]",
                _ => $"{name}: {axis.Mode.ToString().ToLowerInvariant()} {axis.Start} → {axis.Stop}, {axis.Count} values",
            };
        }
    }

    // Only this sweep's runs matter; the table reloads at most a few times a second.
    private void OnRunUpdated(RunUpdatedMessage message)
    {
        if (!_runIds.Contains(message.RunId)) return;
        _refresh.Request(() => InvokeAsync(async () => { await LoadAsync(); StateHasChanged(); }));
    }

    protected override void Dispose(bool disposing)
    {
        Events.RunUpdated -= OnRunUpdated;
        _refresh.Dispose();
        _ = _module?.DisposeAsync().AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
        base.Dispose(disposing);
    }
}
