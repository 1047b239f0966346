using LayerLab.Data;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Tests.Unit.Schema;

/// <summary>
/// The database is created by the migrations, never from the model: so every key, index, length, default and delete
/// rule that <see cref="LabDbContext"/> configures must be exactly what the last migration's snapshot says, or the
/// portal would run on a schema its model does not describe (and EF's Migrate refuses to run with pending changes).
/// </summary>
public sealed class ModelSnapshotTests
{
    [Fact]
    public async Task The_model_built_afresh_has_no_change_the_migrations_lack()
    {
        await using var database = await SchemaDatabase.CreateAsync();
        await using var db = database.Open();

        Assert.False(db.Database.HasPendingModelChanges());
    }

    [Fact]
    public void Building_the_model_without_a_builder_names_the_argument()
    {
        using var db = new LabDbContext(new DbContextOptionsBuilder<LabDbContext>().UseSqlite("Data Source=:memory:").Options);
        var onModelCreating = typeof(LabDbContext).GetMethod("OnModelCreating", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!;

        var thrown = Assert.Throws<System.Reflection.TargetInvocationException>(() => onModelCreating.Invoke(db, [null]));

        Assert.Equal("builder", Assert.IsType<ArgumentNullException>(thrown.InnerException).ParamName);
    }
}
