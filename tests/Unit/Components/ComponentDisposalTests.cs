using System.Data.Common;
using Bunit;
using LayerLab.Data;
using LayerLab.Training.Contracts;
using LayerLab.Web.Components.Sweeps;
using LayerLab.Web.Live;
using LayerLab.Web.Sweeps;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace LayerLab.Tests.Unit.Components;

/// <summary>
/// A page that goes away stops its reads (CancellableComponent): the sweep page's load is held inside SQLite's
/// command execution (a real SQLite connection; the interceptor only waits), the page is disposed, and the token the
/// query was given is cancelled and the held query gives up. A page that passed CancellationToken.None fails here.
/// </summary>
public sealed class ComponentDisposalTests : IAsyncLifetime
{
    private readonly BunitContext _context = new();
    private readonly HeldQueries _held = new();

    public Task InitializeAsync()
    {
        _context.Services.AddDbContextFactory<LabDbContext>(o => o.UseSqlite("Data Source=:memory:").AddInterceptors(_held));
        _context.Services.AddSingleton(new ExperimentCatalog([]));
        _context.Services.AddSingleton<SweepReader>();
        _context.Services.AddLogging();
        _context.Services.AddSignalR();
        _context.Services.AddSingleton<RunEvents>();
        _context.AddAuthorization().SetAuthorized("researcher");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task Sweep_page_disposed_mid_load_cancels_the_query_it_started()
    {
        _context.Render<SweepPage>(p => p.Add(page => page.Id, 1));
        var token = await _held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(token.CanBeCanceled, "the page's load got a token that is never cancelled (CancellationToken.None)");
        Assert.False(token.IsCancellationRequested);

        await _context.DisposeComponentsAsync();

        Assert.True(token.IsCancellationRequested, "disposing the page did not cancel its load");
        var ended = await _held.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(ended, "the held query did not give up when its token was cancelled");
    }

    /// <summary>Holds the first query inside its execution until its token is cancelled (at most 20 s) and reports
    /// the token it was given and whether it ended by cancellation.</summary>
    private sealed class HeldQueries : DbCommandInterceptor
    {
        public TaskCompletionSource<CancellationToken> Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<bool> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult(cancellationToken);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(20), cancellationToken);
                Ended.TrySetResult(false);
            }
            catch (OperationCanceledException)
            {
                Ended.TrySetResult(true);
                throw;
            }
            return result;
        }
    }
}
