namespace LayerLab.Web.Components.Submit;

/// <summary>
/// What a form field's live region says when its message appears: "epochs: must be between 1 and 100000." The
/// message already names the field ("epochs must be …"), so the name is said once, and the region's text never
/// repeats the visible message word for word (a text search for the message finds the message, not its echo).
/// </summary>
public static class FieldAnnouncement
{
    public static string For(string field, string? error) => error switch
    {
        null or "" => "",
        _ when error.StartsWith(field + " ", StringComparison.Ordinal) => $"{field}: {error[(field.Length + 1)..]}",
        _ => $"{field}: {error}",
    };
}
