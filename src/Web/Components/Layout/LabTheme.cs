using MudBlazor;

namespace LayerLab.Web.Components.Layout;

public static class LabTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3b4a9c",
            Secondary = "#0f8b8d",
            AppbarBackground = "#2d3870",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Roboto", "Helvetica Neue", "Arial", "sans-serif"] },
        },
    };
}
