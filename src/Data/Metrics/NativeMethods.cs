using System.Runtime.InteropServices;

namespace LayerLab.Data.Metrics;

/// <summary>
/// The four SQLite calls of <see cref="RunHistory.Read"/>'s row loop, bound to the same e_sqlite3 library that
/// Microsoft.Data.Sqlite loads, on the raw statement pointer. Why: SQLitePCL's wrappers take the statement as a
/// SafeHandle (a reference-count round trip per call) through an interface; at 2 M rows × 4 calls that overhead
/// was larger than SQLite's own work. Column reads are trivial and never block, so they skip the GC transition.
/// </summary>
internal static class NativeMethods
{
    private const string Library = "e_sqlite3";

    [DllImport(Library, EntryPoint = "sqlite3_step")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.AssemblyDirectory)]
    internal static extern int Step(IntPtr statement);

    [DllImport(Library, EntryPoint = "sqlite3_column_type"), SuppressGCTransition]
    [DefaultDllImportSearchPaths(DllImportSearchPath.AssemblyDirectory)]
    internal static extern int ColumnType(IntPtr statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_int64"), SuppressGCTransition]
    [DefaultDllImportSearchPaths(DllImportSearchPath.AssemblyDirectory)]
    internal static extern long ColumnInt64(IntPtr statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_double"), SuppressGCTransition]
    [DefaultDllImportSearchPaths(DllImportSearchPath.AssemblyDirectory)]
    internal static extern double ColumnDouble(IntPtr statement, int column);
}
