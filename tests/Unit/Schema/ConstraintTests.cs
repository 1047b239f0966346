using LayerLab.Data;
using LayerLab.Data.Accounts;
using LayerLab.Data.Datasets;
using LayerLab.Data.Mlflow;
using LayerLab.Data.Panels;
using LayerLab.Data.Tensors;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Schema;

/// <summary>The keys, unique indexes and delete rules the model declares, seen by writing and deleting rows on a
/// migrated database: a second row where one is allowed is refused, and deleting a parent does what the model says.</summary>
public sealed class ConstraintTests : IAsyncLifetime
{
    private SchemaDatabase _database = null!;

    public async Task InitializeAsync() => _database = await SchemaDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Unique_indexes_refuse_a_second_row_and_allow_a_different_one()
    {
        await AddAsync(new LabUser { Id = "u1", UserName = "ada" }, SchemaDatabase.NewRun(1));

        await AssertUniqueAsync(
            Dataset("text", 1), Dataset("text", 1), Dataset("text", 2));
        await AssertUniqueAsync(
            Token("abcd1234"), Token("abcd1234"), Token("abcd9999"));
        await AssertUniqueAsync(
            Layout("xor"), Layout("xor"), Layout("tiny-lm"));
        await AssertUniqueAsync(
            Tensor("w", 3), Tensor("w", 3), Tensor("w", 4));
        await AssertUniqueAsync(
            Experiment("mine"), Experiment("mine"), Experiment("yours"));
    }

    [Fact]
    public async Task Deleting_a_run_deletes_everything_recorded_about_it_and_nothing_of_another_run()
    {
        await AddAsync(SchemaDatabase.NewRun(1), SchemaDatabase.NewRun(2));
        foreach (var run in new[] { 1, 2 })
        {
            await _database.ExecuteAsync($"""
                INSERT INTO MetricPoints (RunId, Key, Step, Value, At) VALUES ({run}, 'loss', 0, 1.0, 0);
                INSERT INTO LatestMetrics (RunId, Key, Step, Value, Min, Max) VALUES ({run}, 'loss', 0, 1.0, 1.0, 1.0);
                INSERT INTO MetricHistoryBlobs (RunId, Key, Count, StepData, ValueData, TimeData) VALUES ({run}, 'loss', 0, x'', x'', x'');
                INSERT INTO Artifacts (RunId, StoredName, DisplayName, ContentType, Size, Sha256, CreatedAt) VALUES ({run}, 's{run}', 'd', 'text/plain', 1, 'h', 0);
                INSERT INTO RunTensors (RunId, Key, Step, Shape, Data) VALUES ({run}, 'w', 0, '1', x'00000000');
                INSERT INTO RunComments (Id, RunId, AuthorId, AuthorName, Body, CreatedAt) VALUES ({run}, {run}, 'u', 'U', 'b', 0);
                INSERT INTO RunComments (Id, RunId, ParentId, AuthorId, AuthorName, Body, CreatedAt) VALUES ({run + 10}, {run}, {run}, 'u', 'U', 'reply', 0);
                INSERT INTO RunCommentMentions (CommentId, UserId, Handle) VALUES ({run}, 'u', '@u');
                INSERT INTO RunReviewEvents (RunId, ReviewerId, ReviewerName, "From", "To", At) VALUES ({run}, 'u', 'U', 'Unreviewed', 'Approved', 0);
                INSERT INTO RunTags (RunId, Tag) VALUES ({run}, 'baseline');
                INSERT INTO MlflowRuns (RunId, ExperimentId, LifecycleStage) VALUES ({run}, 0, 'active');
                INSERT INTO MlflowRunTags (RunId, Key, Value) VALUES ({run}, 'k', 'v');
                """);
        }

        await _database.ExecuteAsync("DELETE FROM Runs WHERE Id = 1");

        foreach (var table in new[] { "MetricPoints", "LatestMetrics", "MetricHistoryBlobs", "Artifacts", "RunTensors", "RunComments", "RunReviewEvents", "RunTags", "MlflowRuns", "MlflowRunTags" })
            Assert.Equal(["NULL"], await _database.ColumnAsync($"SELECT group_concat(DISTINCT RunId) FROM {table} WHERE RunId = 1"));
        Assert.Equal(["2 12"], await _database.ColumnAsync("SELECT group_concat(Id, ' ') FROM (SELECT Id FROM RunComments ORDER BY Id)"));
        Assert.Equal(["2"], await _database.ColumnAsync("SELECT CommentId FROM RunCommentMentions"));
        foreach (var table in new[] { "MetricPoints", "LatestMetrics", "MetricHistoryBlobs", "Artifacts", "RunTensors", "RunReviewEvents", "RunTags", "MlflowRuns", "MlflowRunTags" })
            Assert.Equal(["1"], await _database.ColumnAsync($"SELECT COUNT(*) FROM {table} WHERE RunId = 2"));
    }

    [Fact]
    public async Task Deleting_a_comment_deletes_its_replies_and_mentions()
    {
        await AddAsync(SchemaDatabase.NewRun(1));
        await _database.ExecuteAsync("""
            INSERT INTO RunComments (Id, RunId, AuthorId, AuthorName, Body, CreatedAt) VALUES (1, 1, 'u', 'U', 'top', 0), (2, 1, 'u', 'U', 'other', 0);
            INSERT INTO RunComments (Id, RunId, ParentId, AuthorId, AuthorName, Body, CreatedAt) VALUES (3, 1, 1, 'u', 'U', 'reply', 0);
            INSERT INTO RunCommentMentions (CommentId, UserId, Handle) VALUES (1, 'u', '@u'), (3, 'v', '@v'), (2, 'w', '@w');
            DELETE FROM RunComments WHERE Id = 1;
            """);

        Assert.Equal(["2"], await _database.ColumnAsync("SELECT Id FROM RunComments"));
        Assert.Equal(["2 w"], await _database.ColumnAsync("SELECT CommentId || ' ' || UserId FROM RunCommentMentions"));
    }

    [Fact]
    public async Task Deleting_a_sweep_keeps_its_runs_and_deletes_its_studies_and_a_rerun_outlives_its_original()
    {
        await _database.ExecuteAsync("""
            INSERT INTO Sweeps (Id, Name, ExperimentKey, DefinitionJson, SeedCount, RunCount, CreatedAt) VALUES (1, 's', 'xor', '{}', 1, 1, 0), (2, 't', 'xor', '{}', 1, 1, 0);
            INSERT INTO Runs (Id, ExperimentKey, ParametersJson, Seed, Status, Progress, QueuedAt, Attempt, Priority, CancelRequested, Source, SweepId) VALUES (1, 'xor', '{}', 0, 'Queued', 0, 0, 0, 0, 0, 'Catalog', 1);
            INSERT INTO Studies (Id, ExperimentKey, StudyKey, Title, SweepId, OverridesJson, CreatedAt, ReviewState) VALUES (1, 'xor', 'k', 'T', 1, '{}', 0, 'Unreviewed');
            INSERT INTO Studies (Id, ExperimentKey, StudyKey, Title, SweepId, OverridesJson, CreatedAt, ReviewState, RerunOfId) VALUES (2, 'xor', 'k', 'T', 2, '{}', 0, 'Unreviewed', 1);
            DELETE FROM Sweeps WHERE Id = 1;
            """);

        Assert.Equal(["1 NULL"], await _database.ColumnAsync("SELECT Id || ' ' || COALESCE(SweepId, 'NULL') FROM Runs"));
        Assert.Equal(["2 NULL"], await _database.ColumnAsync("SELECT Id || ' ' || COALESCE(RerunOfId, 'NULL') FROM Studies"));
    }

    [Fact]
    public async Task Deleting_an_account_deletes_its_tokens_notifications_and_layouts_and_an_experiment_with_runs_is_kept()
    {
        await AddAsync(new LabUser { Id = "u1", UserName = "ada" }, new LabUser { Id = "u2", UserName = "bob" }, SchemaDatabase.NewRun(1));
        await AddAsync(Token("aaaa", "u1"), Token("bbbb", "u2"), Layout("xor", "u1"), Layout("xor", "u2"),
            new LayerLab.Data.Notifications.Notification { UserId = "u1", Text = "hi" }, new LayerLab.Data.Notifications.Notification { UserId = "u2", Text = "hi" },
            Experiment("mine"));
        await _database.ExecuteAsync("INSERT INTO MlflowRuns (RunId, ExperimentId, LifecycleStage) SELECT 1, Id, 'active' FROM MlflowExperiments WHERE Name = 'mine'");

        await _database.ExecuteAsync("DELETE FROM AspNetUsers WHERE Id = 'u1'");
        var refused = await Assert.ThrowsAsync<SqliteException>(() => _database.ExecuteAsync("DELETE FROM MlflowExperiments WHERE Name = 'mine'"));

        Assert.Equal(19, refused.SqliteErrorCode); // SQLITE_CONSTRAINT
        foreach (var table in new[] { "ApiTokens", "PanelLayouts", "Notifications" })
            Assert.Equal(["u2"], await _database.ColumnAsync($"SELECT UserId FROM {table}"));
        Assert.Equal(["0 Default", "mine"], await _database.ColumnAsync("SELECT CASE Id WHEN 0 THEN '0 ' ELSE '' END || Name FROM MlflowExperiments ORDER BY Id"));
    }

    private async Task AddAsync(params object[] entities)
    {
        await using var db = _database.Open();
        db.AddRange(entities);
        await db.SaveChangesAsync();
    }

    /// <summary>The first row is written, a copy of it in a later context is refused, a different one is written.</summary>
    private async Task AssertUniqueAsync(object first, object same, object different)
    {
        await AddAsync(first);
        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => AddAsync(same));
        Assert.Equal(19, Assert.IsType<SqliteException>(refused.InnerException).SqliteErrorCode);
        await AddAsync(different);
    }

    private static Dataset Dataset(string name, int version) =>
        new() { Name = name, Version = version, Kind = "text", Sha256 = "h", Licence = "CC0", Source = "test" };

    private static ApiToken Token(string prefix, string user = "u1") =>
        new() { UserId = user, Name = "n", Prefix = prefix, SecretHash = "h", Scopes = "read" };

    private static PanelLayout Layout(string experiment, string user = "u1") =>
        new() { UserId = user, ExperimentKey = experiment, LayoutJson = "{}" };

    private static RunTensor Tensor(string key, long step) =>
        new() { RunId = 1, Key = key, Step = step, Shape = "1", Data = [0, 0, 0, 0] };

    private static MlflowExperiment Experiment(string name) => new() { Name = name, LifecycleStage = MlflowModel.Active };
}
