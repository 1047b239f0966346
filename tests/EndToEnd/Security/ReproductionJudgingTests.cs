using LayerLab.Data;
using LayerLab.Data.Accounts;
using LayerLab.Data.Runs;
using LayerLab.Tests.EndToEnd.Infrastructure;
using LayerLab.Web.Runs;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LayerLab.Tests.EndToEnd.Security;

/// <summary>Issue 13 item 8: a reproduction speaks for a run only when its owner or a reviewer started it, and a
/// cancelled copy says nothing. The portal's own judging service over its real SQLite file.</summary>
[Collection(PortalCollection.Name)]
public sealed class ReproductionJudgingTests : IAsyncLifetime
{
    private InProcessPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await InProcessPortal.StartAsync();

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Theory]
    [InlineData("owner", RunStatus.Succeeded, "Reproduced")]
    [InlineData("reviewer", RunStatus.Succeeded, "Reproduced")]
    [InlineData("bystander", RunStatus.Succeeded, null)]
    [InlineData("owner", RunStatus.Cancelled, null)]
    [InlineData("owner", RunStatus.Failed, "NotReproduced")]
    public async Task Only_the_owners_or_a_reviewers_finished_copy_judges_the_original(string copiedBy, RunStatus copyStatus, string? expected)
    {
        var ids = new Dictionary<string, string>
        {
            ["owner"] = await UserAsync("owner@lab.test", LabRoles.Researcher),
            ["reviewer"] = await UserAsync("reviewer@lab.test", LabRoles.Reviewer),
            ["bystander"] = await UserAsync("bystander@lab.test", LabRoles.Researcher),
        };
        var factory = _portal.Services.GetRequiredService<IDbContextFactory<LabDbContext>>();
        long originalId, copyId;
        await using (var db = await factory.CreateDbContextAsync())
        {
            var original = Run(ids["owner"], RunStatus.Succeeded, null);
            db.Runs.Add(original);
            await db.SaveChangesAsync();
            var copy = Run(ids[copiedBy], copyStatus, original.Id);
            db.Runs.Add(copy);
            await db.SaveChangesAsync();
            (originalId, copyId) = (original.Id, copy.Id);
        }

        await _portal.Services.GetRequiredService<RunReproduction>().JudgeAsync(copyId, CancellationToken.None);

        await using var read = await factory.CreateDbContextAsync();
        Assert.Equal(expected, (await read.Runs.AsNoTracking().SingleAsync(r => r.Id == originalId)).Reproduction);
    }

    /// <summary>Issue 14: the ledger no longer calls the judge; <see cref="RunReproduction"/> hears "run finished" as
    /// a subscriber. A copy finished through the ledger judges its original only if that subscriber is registered.</summary>
    [Fact]
    public async Task A_copy_finished_through_the_ledger_is_judged_by_the_reproduction_subscriber()
    {
        var owner = await UserAsync("owner@lab.test", LabRoles.Researcher);
        var factory = _portal.Services.GetRequiredService<IDbContextFactory<LabDbContext>>();
        long originalId, copyId;
        await using (var db = await factory.CreateDbContextAsync())
        {
            var original = Run(owner, RunStatus.Succeeded, null);
            db.Runs.Add(original);
            await db.SaveChangesAsync();
            var copy = Run(owner, RunStatus.Running, original.Id);
            (copy.Attempt, copy.FinishedAt) = (1, null);
            db.Runs.Add(copy);
            await db.SaveChangesAsync();
            (originalId, copyId) = (original.Id, copy.Id);
        }

        await _portal.Services.GetRequiredService<PortalRunLedger>().CompleteAsync(copyId, 1,
            new LayerLab.Training.Contracts.RunResult(new Dictionary<string, double> { ["band_decades/prelu"] = 2.5 }, []), CancellationToken.None);

        await using var read = await factory.CreateDbContextAsync();
        Assert.Equal(RunStatus.Succeeded, (await read.Runs.AsNoTracking().SingleAsync(r => r.Id == copyId)).Status);
        Assert.Equal(ReproductionStates.Reproduced, (await read.Runs.AsNoTracking().SingleAsync(r => r.Id == originalId)).Reproduction);
        // Told first, as when the ledger called it itself: the badge is written before the bell rings.
        Assert.IsType<RunReproduction>(_portal.Services.GetServices<IRunFinishedSubscriber>().First());
    }

    private static Run Run(string submitter, RunStatus status, long? reproduces) => new()
    {
        ExperimentKey = "xor-prelu",
        ParametersJson = "{}",
        Seed = 1,
        Status = status,
        QueuedAt = DateTimeOffset.UtcNow,
        FinishedAt = DateTimeOffset.UtcNow,
        SubmittedById = submitter,
        SubmittedBy = submitter,
        ReproducesRunId = reproduces,
        // Equal primary metrics: whenever a copy is judged on its numbers, they agree.
        SummaryJson = status == RunStatus.Succeeded ? """{"band_decades/prelu":2.5}""" : null,
    };

    private async Task<string> UserAsync(string email, string role)
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>();
        var user = new LabUser { UserName = email, Email = email, EmailConfirmed = true };
        Assert.True((await users.CreateAsync(user, "a-password-123")).Succeeded);
        await users.AddToRoleAsync(user, role);
        return user.Id;
    }
}
