using LayerLab.Web.Hosting;

await PortalHost.Build(args).RunAsync();

/// <summary>Entry point; public so tests can refer to the web assembly.</summary>
public partial class Program;
