using System.Reflection;

namespace LayerLab.Tests.EndToEnd.Infrastructure;

public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The portal as built by the same configuration as the tests (the ProjectReference builds it).</summary>
    public static string WebDll => Path.Combine(Root, "src", "Web", "bin", Configuration, "net10.0", "LayerLab.Web.dll");

    /// <summary>The standalone worker, built by the same configuration (a build-only ProjectReference).</summary>
    public static string WorkerDll => Path.Combine(Root, "src", "Worker", "bin", Configuration, "net10.0", "LayerLab.Worker.dll");

    public static string TestResults
    {
        get
        {
            var dir = Path.Combine(Root, "test-results");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln"))) return dir.FullName;
        throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
    }
}
