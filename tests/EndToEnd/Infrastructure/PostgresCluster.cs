using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LayerLab.Tests.EndToEnd.Infrastructure;

/// <summary>
/// A throw-away PostgreSQL cluster from the distribution's packages (postgresql-15; `scripts/setup-machine.sh --test`
/// installs it): initdb into a temporary folder as the `postgres` OS user (the server refuses to run as root),
/// listening only on a free loopback port, trust authentication; stopped and deleted on dispose.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly string _folder;
    private readonly string _bin;

    public int Port { get; }

    private PostgresCluster(string folder, string bin, int port)
    {
        _folder = folder;
        _bin = bin;
        Port = port;
    }

    private string DataDirectory => Path.Combine(_folder, "data");

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20";

    public static async Task<PostgresCluster> StartAsync()
    {
        var bin = FindBin();
        var folder = Path.Combine(Path.GetTempPath(), "layerlab-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        await RunAsync("chown", "postgres:postgres", folder);
        var cluster = new PostgresCluster(folder, bin, FreePort());
        await cluster.AsPostgresAsync("initdb", "-D", cluster.DataDirectory, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8");
        // Loopback TCP only; the socket goes into the cluster's own folder (not the system's /var/run/postgresql).
        await cluster.AsPostgresAsync("pg_ctl", "-D", cluster.DataDirectory, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60",
            "-o", $"-c listen_addresses=127.0.0.1 -c port={cluster.Port} -c unix_socket_directories={folder} -c fsync=off -c max_connections=200",
            "start");
        return cluster;
    }

    public Task CreateDatabaseAsync(string name) =>
        AsPostgresAsync("createdb", "-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", name);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private Task AsPostgresAsync(string tool, params string[] arguments) =>
        RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments]);

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{await output}\n{await error}");
    }

    /// <summary>The newest installed server (/usr/lib/postgresql/N/bin), as Debian's packages lay it out.</summary>
    private static string FindBin()
    {
        const string root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException("PostgreSQL server not installed: run scripts/setup-machine.sh --test (apt postgresql).");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
