using MudBlazor;

namespace LayerLab.Web.Components.Layout;

public static class LabTheme
{
    /// <summary>Cookie holding the explicit choice, "light" or "dark"; absent: follow the system (wwwroot/js/theme.js).</summary>
    public const string ChoiceCookie = "layerlab-theme";

    /// <summary>Cookie where the browser records what the system prefers, so the next full load prerenders in it.</summary>
    public const string SystemCookie = "layerlab-system-theme";

    /// <summary>Whether to draw dark: the explicit choice, else the system's preference.</summary>
    public static bool IsDark(string? choice, string? system) => choice switch
    {
        "dark" => true,
        "light" => false,
        _ => system == "dark",
    };

    // Why these colours: MudBlazor's default status colours put white text on light greens, blues and oranges (contrast
    // 2.2–3.7:1, WCAG AA wants 4.5:1). Light: darker shades that pass 4.5:1 both as text on white and under white text.
    // Dark: light shades under near-black text, which also pass as text on the dark surfaces.
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3b4a9c",
            Secondary = "#0b7a7c",
            // MudBlazor's rgba(0,0,0,0.54) labels measure 4.1:1 on the #f4f4f4 of a hovered or filled field.
            TextSecondary = "rgba(0,0,0,0.66)",
            AppbarBackground = "#2d3870",
            Success = "#2e7d32",
            Info = "#1565c0",
            Warning = "#a15c00",
            Error = "#c62828",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#b3bbe6",
            PrimaryContrastText = "rgba(0,0,0,0.87)",
            Secondary = "#80cbc4",
            SecondaryContrastText = "rgba(0,0,0,0.87)",
            AppbarBackground = "#1f2547",
            AppbarText = "rgba(255,255,255,0.92)",
            // MudBlazor's dark defaults: secondary text at 4.2–4.4:1 on surfaces, and stripes / hover so light that
            // text on them falls below 4.5:1.
            TextPrimary = "rgba(255,255,255,0.87)",
            TextSecondary = "rgba(255,255,255,0.72)",
            TableStriped = "rgba(255,255,255,0.04)",
            TableHover = "rgba(255,255,255,0.07)",
            Success = "#81c784",
            SuccessContrastText = "rgba(0,0,0,0.87)",
            Info = "#90caf9",
            InfoContrastText = "rgba(0,0,0,0.87)",
            Warning = "#ffb74d",
            WarningContrastText = "rgba(0,0,0,0.87)",
            Error = "#ef9a9a",
            ErrorContrastText = "rgba(0,0,0,0.87)",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Roboto", "Helvetica Neue", "Arial", "sans-serif"] },
        },
    };
}
