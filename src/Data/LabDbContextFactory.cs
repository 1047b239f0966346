using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LayerLab.Data;

/// <summary>Lets `dotnet ef migrations add` build the context without starting the web host.</summary>
public sealed class LabDbContextFactory : IDesignTimeDbContextFactory<LabDbContext>
{
    public LabDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LabDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
