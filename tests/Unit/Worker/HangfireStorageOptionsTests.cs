using LayerLab.Training.Worker;

namespace LayerLab.Tests.Unit.Worker;

/// <summary>The storage switch must fail loudly with the key to fix, never fall back to in-memory on a typo.</summary>
public sealed class HangfireStorageOptionsTests
{
    [Fact]
    public void Default_is_the_embedded_in_memory_storage()
    {
        var options = new HangfireStorageOptions();
        options.Validate();
        Assert.False(options.IsPostgreSql);
    }

    [Theory]
    [InlineData("PostgreSql")]
    [InlineData("postgresql")]
    public void PostgreSql_is_case_insensitive_and_needs_a_connection_string(string storage)
    {
        var missing = new HangfireStorageOptions { Storage = storage };
        var error = Assert.Throws<InvalidOperationException>(missing.Validate);
        Assert.Contains("LayerLab:Hangfire:ConnectionString", error.Message, StringComparison.Ordinal);

        var complete = new HangfireStorageOptions { Storage = storage, ConnectionString = "Host=db;Database=hangfire" };
        complete.Validate();
        Assert.True(complete.IsPostgreSql);
    }

    [Fact]
    public void Unknown_storage_names_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(new HangfireStorageOptions { Storage = "Postgres" }.Validate);
        Assert.Contains("LayerLab:Hangfire:Storage", error.Message, StringComparison.Ordinal);
    }
}
