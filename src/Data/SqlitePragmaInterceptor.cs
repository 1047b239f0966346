using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LayerLab.Data;

/// <summary>
/// Sets the per-connection pragmas on every open: a busy timeout (so a reader never sees "database is locked"
/// while the single writer commits) and synchronous=NORMAL (safe with WAL, far fewer fsyncs).
/// </summary>
public sealed class SqlitePragmaInterceptor(int busyTimeoutMs = 30_000) : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(
        DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private string Pragmas => $"PRAGMA busy_timeout={busyTimeoutMs}; PRAGMA synchronous=NORMAL;";
}
