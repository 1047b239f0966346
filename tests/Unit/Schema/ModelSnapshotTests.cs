using LayerLab.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;

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

    /// <summary>EF's own comparison on SQLite skips the column lengths (every string is TEXT, and SQLite enforces no
    /// length), so a length changed in the model without a migration would go unnoticed: this compares them, and
    /// every other facet, column by column with the last migration's snapshot.</summary>
    [Fact]
    public async Task Every_column_length_index_key_and_delete_rule_is_the_one_the_last_migration_recorded()
    {
        await using var database = await SchemaDatabase.CreateAsync();
        await using var db = database.Open();
        var snapshot = db.GetService<IMigrationsAssembly>().ModelSnapshot!.Model;
        if (snapshot is IMutableModel mutable) snapshot = mutable.FinalizeModel();
        snapshot = db.GetService<IModelRuntimeInitializer>().Initialize(snapshot);

        var recorded = Facets(snapshot.GetRelationalModel());
        var declared = Facets(db.GetService<IDesignTimeModel>().Model.GetRelationalModel());

        Assert.Equal(recorded, declared);
        // The comparison sees lengths at all (a sample the snapshot and the entity constants agree on).
        Assert.Contains("RunTags.Tag TEXT NOT NULL max=50 default=", declared);
        Assert.Contains("Datasets.Name TEXT NOT NULL max=100 default=", declared);
    }

    [Fact]
    public void Building_the_model_without_a_builder_names_the_argument()
    {
        using var db = new LabDbContext(new DbContextOptionsBuilder<LabDbContext>().UseSqlite("Data Source=:memory:").Options);
        var onModelCreating = typeof(LabDbContext).GetMethod("OnModelCreating", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!;

        var thrown = Assert.Throws<System.Reflection.TargetInvocationException>(() => onModelCreating.Invoke(db, [null]));

        Assert.Equal("builder", Assert.IsType<ArgumentNullException>(thrown.InnerException).ParamName);
    }

    private static List<string> Facets(IRelationalModel model)
    {
        var facets = new List<string>();
        foreach (var table in model.Tables)
        {
            foreach (var column in table.Columns)
                facets.Add($"{table.Name}.{column.Name} {column.StoreType} {(column.IsNullable ? "NULL" : "NOT NULL")} max={column.MaxLength} default={column.DefaultValue ?? column.DefaultValueSql}");
            facets.Add($"{table.Name} PK({Names(table.PrimaryKey?.Columns)})");
            foreach (var index in table.Indexes)
                facets.Add($"{table.Name} {(index.IsUnique ? "UNIQUE " : "")}INDEX {index.Name}({Names(index.Columns)}) WHERE {index.Filter}");
            foreach (var key in table.ForeignKeyConstraints)
                facets.Add($"{table.Name} FK({Names(key.Columns)}) -> {key.PrincipalTable.Name}({Names(key.PrincipalColumns)}) ON DELETE {key.OnDeleteAction}");
        }
        facets.Sort(StringComparer.Ordinal);
        return facets;
    }

    private static string Names(IEnumerable<IColumn>? columns) => string.Join(", ", columns?.Select(c => c.Name) ?? []);
}
