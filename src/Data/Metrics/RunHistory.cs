using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LayerLab.Data.Metrics;

/// <summary>
/// One run's history of one metric, in pooled arrays (a compare of 20 runs × 100k points would otherwise allocate
/// 2 M objects per request): steps ascending, values with NaN for NaN/±Infinity/missing, times in Unix ms with NaN
/// where none was recorded (or when times were not asked for). Return the arrays with <see cref="Dispose"/>.
/// </summary>
public sealed class RunHistory : IDisposable
{
    public RunHistory(long runId, long? startedAt, bool withTimes)
    {
        RunId = runId;
        StartedAt = startedAt;
        HasTimes = withTimes;
    }

    public long RunId { get; }
    /// <summary>The run's start (Unix ms), or null when it never started.</summary>
    public long? StartedAt { get; }
    public int Count { get; private set; }
    public bool HasTimes { get; }
    private long[] _steps = [];
    private double[] _values = [];
    private double[] _times = [];

    public ReadOnlySpan<long> Steps => _steps.AsSpan(0, Count);
    public ReadOnlySpan<double> Values => _values.AsSpan(0, Count);
    /// <summary>Empty unless <see cref="HasTimes"/>.</summary>
    public ReadOnlySpan<double> Times => HasTimes ? _times.AsSpan(0, Count) : [];

    /// <summary>Adds a point (steps must arrive ascending); a non-finite value becomes NaN, as JSON shows it as null.</summary>
    public void Add(long step, double value, double time)
    {
        if (Count == _steps.Length) Grow(Math.Max(1024, Count * 2));
        _steps[Count] = step;
        _values[Count] = double.IsFinite(value) ? value : double.NaN;
        if (HasTimes) _times[Count] = time;
        Count++;
    }

    /// <summary>
    /// The run's points of <paramref name="key"/>: its compacted history (one <c>MetricHistoryBlobs</c> row, copied
    /// into the arrays as it lies) when it has one, else its MetricPoints rows (<see cref="ReadRows"/>).
    /// <see cref="FromBlob"/> says which.
    /// </summary>
    public static RunHistory Read(SqliteConnection connection, long runId, long? startedAt, string key, bool withTimes, int expected = 0) =>
        TryReadBlob(connection, runId, startedAt, key, withTimes) ?? ReadRows(connection, runId, startedAt, key, withTimes, expected);

    /// <summary>True when the points came from the compacted history rather than the rows.</summary>
    public bool FromBlob { get; private set; }

    /// <summary>The compacted history of (run, key), or null when it has none (not finished, or not written yet).</summary>
    public static RunHistory? TryReadBlob(SqliteConnection connection, long runId, long? startedAt, string key, bool withTimes)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var db = connection.Handle ?? throw new InvalidOperationException("open the connection first");
        // TimeData is the row's last column: a read without times stops before its pages.
        var sql = withTimes
            ? "SELECT Count, StepData, ValueData, TimeData FROM MetricHistoryBlobs WHERE RunId = ?1 AND Key = ?2"
            : "SELECT Count, StepData, ValueData FROM MetricHistoryBlobs WHERE RunId = ?1 AND Key = ?2";
        Check(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
        using (statement)
        {
            Check(db, raw.sqlite3_bind_int64(statement, 1, runId));
            Check(db, raw.sqlite3_bind_text(statement, 2, key));
            var rc = raw.sqlite3_step(statement);
            if (rc == raw.SQLITE_DONE) return null;
            if (rc != raw.SQLITE_ROW) Check(db, rc);
            var n = raw.sqlite3_column_int(statement, 0);
            var steps = raw.sqlite3_column_blob(statement, 1);
            var values = raw.sqlite3_column_blob(statement, 2);
            var times = withTimes ? raw.sqlite3_column_blob(statement, 3) : [];
            if (steps.Length != n * sizeof(long) || values.Length != n * sizeof(double) || (withTimes && times.Length != n * sizeof(double)))
                throw new InvalidDataException($"the compacted history of run {runId} '{key}' does not hold {n} points");
            var history = new RunHistory(runId, startedAt, withTimes) { FromBlob = true };
            history.Grow(n);
            steps.CopyTo(MemoryMarshal.AsBytes(history._steps.AsSpan()));
            values.CopyTo(MemoryMarshal.AsBytes(history._values.AsSpan()));
            if (withTimes) times.CopyTo(MemoryMarshal.AsBytes(history._times.AsSpan()));
            history.Count = n;
            return history;
        }
    }

    /// <summary>
    /// Reads the run's points of <paramref name="key"/> straight from SQLite's statement API on the portal's
    /// connection: this is 2 M rows for the largest compare the portal promises, and EF materialization (or even
    /// SqliteDataReader's checks around every column read) cost more than SQLite's own work; the row loop calls
    /// SQLite directly (<see cref="NativeMethods"/>). The (RunId, Key, Step) primary key's index serves the lookup
    /// and the order.
    /// </summary>
    public static RunHistory ReadRows(SqliteConnection connection, long runId, long? startedAt, string key, bool withTimes, int expected = 0)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var history = new RunHistory(runId, startedAt, withTimes);
        if (expected > 0) history.Grow(expected);
        var db = connection.Handle ?? throw new InvalidOperationException("open the connection first");
        var sql = withTimes
            ? "SELECT Step, Value, At FROM MetricPoints WHERE RunId = ?1 AND Key = ?2 ORDER BY Step"
            : "SELECT Step, Value FROM MetricPoints WHERE RunId = ?1 AND Key = ?2 ORDER BY Step";
        Check(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
        using (statement)
        {
            Check(db, raw.sqlite3_bind_int64(statement, 1, runId));
            Check(db, raw.sqlite3_bind_text(statement, 2, key));
            var added = false;
            statement.DangerousAddRef(ref added); // the raw pointer below stays valid until the loop is done
            int rc;
            try
            {
                var stmt = statement.DangerousGetHandle();
                while ((rc = NativeMethods.Step(stmt)) == raw.SQLITE_ROW)
                {
                    var value = NativeMethods.ColumnType(stmt, 1) == raw.SQLITE_NULL ? double.NaN : NativeMethods.ColumnDouble(stmt, 1);
                    var time = withTimes && NativeMethods.ColumnType(stmt, 2) != raw.SQLITE_NULL ? NativeMethods.ColumnInt64(stmt, 2) : double.NaN;
                    history.Add(NativeMethods.ColumnInt64(stmt, 0), value, time);
                }
            }
            finally
            {
                if (added) statement.DangerousRelease();
            }
            if (rc != raw.SQLITE_DONE) Check(db, rc);
        }
        return history;
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK) throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
    }

    private void Grow(int capacity)
    {
        if (capacity <= _steps.Length) return;
        _steps = Regrow(_steps, capacity);
        _values = Regrow(_values, capacity);
        if (HasTimes) _times = Regrow(_times, capacity);
    }

    private T[] Regrow<T>(T[] old, int capacity)
    {
        var next = ArrayPool<T>.Shared.Rent(capacity);
        old.AsSpan(0, Count).CopyTo(next);
        if (old.Length > 0) ArrayPool<T>.Shared.Return(old);
        return next;
    }

    public void Dispose()
    {
        if (_steps.Length > 0) ArrayPool<long>.Shared.Return(_steps);
        if (_values.Length > 0) ArrayPool<double>.Shared.Return(_values);
        if (_times.Length > 0) ArrayPool<double>.Shared.Return(_times);
        (_steps, _values, _times, Count) = ([], [], [], 0);
    }
}
