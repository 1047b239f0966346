using System.Globalization;
using System.Text;

namespace LayerLab.Web.Compare;

/// <summary>RFC 4180 CSV: fields with a comma, quote or line break are quoted; leading =,+,-,@ are prefixed with a
/// quote mark so a spreadsheet never runs a cell as a formula (CSV injection).</summary>
public static class CsvWriter
{
    public static string Write(IEnumerable<string> header, IEnumerable<IEnumerable<object?>> rows)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        var sb = new StringBuilder();
        sb.AppendJoin(',', header.Select(Field)).Append("\r\n");
        foreach (var row in rows) sb.AppendJoin(',', row.Select(Field)).Append("\r\n");
        return sb.ToString();
    }

    private static string Field(object? value)
    {
        var text = value switch
        {
            null => "",
            double d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        if (value is string && text.Length > 0 && "=+-@\t\r".Contains(text[0], StringComparison.Ordinal)) text = "'" + text;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
