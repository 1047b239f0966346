namespace LayerLab.Web.Hosting;

/// <summary>
/// The portal's content root is the repository root (where the one appsettings.json and wwwroot live), not
/// src/Web. From a build output we walk up to the folder holding Portal.sln; a published app (Docker) has both
/// copied next to the binaries. LAYERLAB_ROOT overrides.
/// </summary>
public static class ContentRootLocator
{
    public static string Find()
    {
        var fromEnv = Environment.GetEnvironmentVariable("LAYERLAB_ROOT");
        if (!string.IsNullOrWhiteSpace(fromEnv)) return Path.GetFullPath(fromEnv);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")) &&
                File.Exists(Path.Combine(dir.FullName, "appsettings.json")))
                return dir.FullName;
        }
        return AppContext.BaseDirectory;
    }
}
